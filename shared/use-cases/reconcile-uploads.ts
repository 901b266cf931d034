import { parseUploadKey } from "../domain/report.ts";
import { uploadIdOf } from "../domain/upload.ts";
import type { StoredUpload, UploadInventory, UploadQueue, UploadStore } from "../ports/uploads.ts";

export interface ReconcileDeps {
	/** What the ingest bucket holds: every version under `incoming/`. */
	inventory: UploadInventory;
	/** The upload records ingest leaves behind. */
	uploads: UploadStore;
	/** Where S3 notifications wait for ingest. */
	queue: UploadQueue;
	/** The ingest bucket's name, as its notifications carry it. */
	bucket: string;
	region: string;
}

export interface ReconcileResult {
	/** Versions found under the prefix. */
	found: number;
	/** Of those, processed already: they have an upload record. */
	recorded: number;
	/** Queued for ingest: they had no record (their notification was lost, or is still on its way). */
	queued: number;
	/** Keys ingest ignores (not under `incoming/{partnerId}/`), so never recorded. */
	ignored: number;
}

const BATCH = 16;

/** Encodes a key as S3 notifications carry it: form encoding, `/` kept (the handler decodes once). */
function encodeEventKey(key: string): string {
	return encodeURIComponent(key).replace(/%2F/g, "/").replace(/%20/g, "+");
}

/**
 * Finds every stored upload without an upload record and queues the notification S3 would
 * have sent for it: an upload whose event was lost (a crash between the upload and its
 * message, a message dead-lettered while a dependency was down) is ingested after all. The
 * message has no sequencer (a listing has none), so such an upload never displaces the
 * report of one whose own event arrived. Queuing one that is merely still on its way is
 * harmless: ingest handles a redelivery as the same upload.
 */
export function makeReconcileUploads(deps: ReconcileDeps) {
	function notificationOf(upload: StoredUpload): string {
		return JSON.stringify({
			Records: [
				{
					eventVersion: "2.1",
					eventSource: "aws:s3",
					awsRegion: deps.region,
					eventTime: upload.lastModified,
					eventName: "ObjectCreated:Put",
					s3: {
						s3SchemaVersion: "1.0",
						configurationId: "reconcile-uploads",
						bucket: { name: deps.bucket, arn: `arn:aws:s3:::${deps.bucket}` },
						object: {
							key: encodeEventKey(upload.key),
							size: upload.size,
							...(upload.eTag ? { eTag: upload.eTag.replaceAll('"', "") } : {}),
							...(upload.versionId ? { versionId: upload.versionId } : {}),
						},
					},
				},
			],
		});
	}

	return async function reconcileUploads(prefix = "incoming/"): Promise<ReconcileResult> {
		const result: ReconcileResult = { found: 0, recorded: 0, queued: 0, ignored: 0 };
		const check = async (upload: StoredUpload) => {
			if (!parseUploadKey(upload.key)) {
				result.ignored++;
				return;
			}
			const uploadId = uploadIdOf({ versionId: upload.versionId, eTag: upload.eTag });
			if (await deps.uploads.getUpload(upload.key, uploadId)) {
				result.recorded++;
				return;
			}
			await deps.queue.send(notificationOf(upload));
			result.queued++;
		};
		let batch: StoredUpload[] = [];
		for await (const upload of deps.inventory.list(prefix)) {
			result.found++;
			batch.push(upload);
			if (batch.length >= BATCH) {
				await Promise.all(batch.map(check));
				batch = [];
			}
		}
		await Promise.all(batch.map(check));
		return result;
	};
}
