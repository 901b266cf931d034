import type { StoredUpload, UploadInventory } from "#shared/ports/uploads.ts";
import type { LocalVersionStore } from "./version-store.ts";

/** The local ingest bucket's versions (`.data/versions/`), as ListObjectVersions shows them in AWS. */
export class LocalUploadInventory implements UploadInventory {
	constructor(private readonly versions: LocalVersionStore) {}

	async *list(prefix: string): AsyncIterable<StoredUpload> {
		for await (const version of this.versions.list()) {
			if (!version.key.startsWith(prefix)) continue;
			yield {
				key: version.key,
				versionId: version.versionId,
				eTag: version.eTag,
				size: version.size,
				lastModified: version.lastModified,
			};
		}
	}
}
