import type { S3Event } from "aws-lambda";
import type { UploadEvent } from "#shared/use-cases/ingest-upload.ts";

/** S3 sends object keys form-encoded (`hello world+x` as `hello+world%2Bx`): decode once. */
export function decodeS3Key(key: string): string {
	return decodeURIComponent(key.replace(/\+/g, " "));
}

/**
 * The object-created uploads in one SQS message body from an S3 notification. S3's
 * `s3:TestEvent`, sent when the notification is configured, carries none.
 */
export function parseS3Notification(body: string): UploadEvent[] {
	const message = JSON.parse(body) as Partial<S3Event> & { Event?: string };
	if (message.Event === "s3:TestEvent" || !Array.isArray(message.Records)) return [];
	return message.Records.filter((record) => record.eventName.startsWith("ObjectCreated:")).map(
		(record) => ({
			key: decodeS3Key(record.s3.object.key),
			size: record.s3.object.size,
			eventTime: record.eventTime,
			...(record.s3.object.eTag ? { eTag: record.s3.object.eTag } : {}),
			...(record.s3.object.versionId ? { versionId: record.s3.object.versionId } : {}),
			...(record.s3.object.sequencer ? { sequencer: String(record.s3.object.sequencer) } : {}),
		}),
	);
}
