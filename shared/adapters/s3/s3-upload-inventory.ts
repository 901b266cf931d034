import { ListObjectVersionsCommand, type S3Client } from "@aws-sdk/client-s3";
import type { StoredUpload, UploadInventory } from "../../ports/uploads.ts";

/** A versioned bucket's every object version (not delete markers), by ListObjectVersions. */
export class S3UploadInventory implements UploadInventory {
	constructor(
		private readonly client: S3Client,
		readonly bucket: string,
	) {}

	async *list(prefix: string): AsyncIterable<StoredUpload> {
		let keyMarker: string | undefined;
		let versionIdMarker: string | undefined;
		do {
			const page = await this.client.send(
				new ListObjectVersionsCommand({
					Bucket: this.bucket,
					Prefix: prefix,
					KeyMarker: keyMarker,
					VersionIdMarker: versionIdMarker,
				}),
			);
			for (const version of page.Versions ?? []) {
				if (!version.Key) continue;
				yield {
					key: version.Key,
					// "null" is the version of an object written before versioning was enabled.
					...(version.VersionId && version.VersionId !== "null"
						? { versionId: version.VersionId }
						: {}),
					...(version.ETag ? { eTag: version.ETag.replaceAll('"', "") } : {}),
					size: version.Size ?? 0,
					lastModified: (version.LastModified ?? new Date(0)).toISOString(),
				};
			}
			keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
			versionIdMarker = page.IsTruncated ? page.NextVersionIdMarker : undefined;
		} while (keyMarker);
	}
}
