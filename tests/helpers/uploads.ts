import { PutObjectCommand } from "@aws-sdk/client-s3";
import type { UploadEvent } from "#shared/use-cases/ingest-upload.ts";
import type { LocalStack } from "../../local/stack.ts";

let sequencer = 0x1000;

/**
 * Puts a bundle into a bucket the local stack does not ingest from, and returns the event S3
 * would send for it (increasing sequencers), so a test drives ingest itself, in its own order.
 */
export async function putUpload(
	stack: LocalStack,
	bucket: string,
	key: string,
	body: Uint8Array,
): Promise<UploadEvent> {
	const { ETag } = await stack.s3.send(
		new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }),
	);
	return {
		key,
		size: body.byteLength,
		eTag: ETag?.replaceAll('"', "") ?? "",
		sequencer: (sequencer++).toString(16).toUpperCase(),
		eventTime: new Date().toISOString(),
	};
}
