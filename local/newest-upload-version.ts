import type { StoredUpload } from "#shared/ports/uploads.ts";
import type { LocalVersionStore } from "./version-store.ts";

/** The newest version kept for a key (versions list oldest first), as HeadObject finds it in AWS. */
export async function newestUploadVersion(
	versions: LocalVersionStore,
	key: string,
): Promise<StoredUpload | undefined> {
	let newest: StoredUpload | undefined;
	for await (const version of versions.list()) {
		if (version.key !== key) continue;
		newest = {
			key,
			versionId: version.versionId,
			eTag: version.eTag,
			size: version.size,
			lastModified: version.lastModified,
		};
	}
	return newest;
}
