import { HeadObjectCommand, NotFound, type S3Client } from "@aws-sdk/client-s3";
import type { StoredUpload } from "../../ports/uploads.ts";

/**
 * The current version of an object (HeadObject without a version id), as a bucket listing
 * would show it; `undefined` when the key holds nothing (or only a delete marker).
 */
export async function currentS3Version(
	client: S3Client,
	bucket: string,
	key: string,
): Promise<StoredUpload | undefined> {
	try {
		const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
		return {
			key,
			// "null" is the version of an object written before versioning was enabled.
			...(head.VersionId && head.VersionId !== "null" ? { versionId: head.VersionId } : {}),
			...(head.ETag ? { eTag: head.ETag.replaceAll('"', "") } : {}),
			size: head.ContentLength ?? 0,
			lastModified: (head.LastModified ?? new Date(0)).toISOString(),
		};
	} catch (error) {
		if (error instanceof NotFound || (error as { name?: string }).name === "NoSuchKey")
			return undefined;
		throw error;
	}
}
