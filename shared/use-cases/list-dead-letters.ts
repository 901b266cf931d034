import { notifiedObjectsOf } from "../domain/notified-objects.ts";
import { uploadIdOf } from "../domain/upload.ts";
import type { HealthStore, IngestQueues, UploadStore } from "../ports/uploads.ts";

/** One failed upload in the dead-letter queue: what the message names, and why it failed. */
export interface DeadLetterRow {
	messageId: string;
	receiveCount: number;
	sentAt: string | null;
	bucket: string | null;
	key: string | null;
	versionId: string | null;
	/** Failed ingests noted for this upload (across redrives), and when. */
	failures: number | null;
	firstFailedAt: string | null;
	lastFailedAt: string | null;
	/** The last error noted; `null` when none could be written (see the ingest logs). */
	lastError: string | null;
	/** The report status, when the upload was recorded before a later step failed (publish). */
	reportStatus: string | null;
}

/** `dlq list`: each dead letter with the upload it names and the last error noted for it. */
export function makeListDeadLetters(deps: {
	queues: IngestQueues;
	health: HealthStore;
	uploads: UploadStore;
}) {
	async function rowsOf(message: Awaited<ReturnType<IngestQueues["listDeadLetters"]>>[number]) {
		const base = {
			messageId: message.messageId,
			receiveCount: message.receiveCount,
			sentAt: message.sentAt ?? null,
		};
		const objects = notifiedObjectsOf(message.body);
		if (objects.length === 0) {
			return [
				{
					...base,
					bucket: null,
					key: null,
					versionId: null,
					failures: null,
					firstFailedAt: message.firstReceivedAt ?? null,
					lastFailedAt: null,
					lastError: "the message is not an S3 notification",
					reportStatus: null,
				},
			];
		}
		return Promise.all(
			objects.map(async (object): Promise<DeadLetterRow> => {
				let uploadId: string | undefined;
				try {
					uploadId = uploadIdOf(object);
				} catch {
					uploadId = undefined;
				}
				const [failure, record] = uploadId
					? await Promise.all([
							deps.health.getIngestFailure(object.key, uploadId),
							deps.uploads.getUpload(object.key, uploadId),
						])
					: [undefined, undefined];
				return {
					...base,
					bucket: object.bucket,
					key: object.key,
					versionId: object.versionId ?? null,
					failures: failure?.failures ?? null,
					firstFailedAt: failure?.firstFailedAt ?? message.firstReceivedAt ?? null,
					lastFailedAt: failure?.lastFailedAt ?? null,
					lastError: failure?.lastError ?? null,
					reportStatus: record?.report.status ?? null,
				};
			}),
		);
	}

	return async function listDeadLetters(limit = 100): Promise<DeadLetterRow[]> {
		const messages = await deps.queues.listDeadLetters(limit);
		return (await Promise.all(messages.map(rowsOf))).flat();
	};
}
