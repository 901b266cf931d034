import { uploadIdOf } from "../domain/upload.ts";
import type { HealthStore } from "../ports/uploads.ts";
import { describeError } from "./describe-error.ts";

/** What identifies an upload in an ingest's event (see `uploadIdOf`). */
interface UploadIdentity {
	key: string;
	versionId?: string | undefined;
	eTag?: string | undefined;
	sequencer?: string | undefined;
}

/**
 * Ingest that notes, before rethrowing, why it failed for an upload: SQS keeps no error with a
 * dead letter, so this note is what `dlq list` shows. The note is best effort: when it cannot
 * be written (the table is what failed), the original error still goes back to the queue.
 */
export function recordingIngestFailures<E extends UploadIdentity, R>(
	ingest: (event: E) => Promise<R>,
	health: HealthStore | undefined,
	clock: () => Date,
): (event: E) => Promise<R> {
	if (!health) return ingest;
	return async function ingestUpload(event) {
		try {
			return await ingest(event);
		} catch (error) {
			let uploadId: string | undefined;
			try {
				uploadId = uploadIdOf(event);
			} catch {
				// An event without any identity: nothing to note it under.
			}
			if (uploadId) {
				await health
					.recordIngestFailure({
						key: event.key,
						uploadId,
						error: describeError(error),
						at: clock(),
					})
					.catch(() => undefined);
			}
			throw error;
		}
	};
}

/** Publishing that notes when it last published something; a failed note fails no publish. */
export function recordingPublishes(
	publish: (ids: readonly string[], settle?: readonly string[]) => Promise<void>,
	health: HealthStore | undefined,
	clock: () => Date,
): (ids: readonly string[], settle?: readonly string[]) => Promise<void> {
	if (!health) return publish;
	return async function publishTargets(ids, settle) {
		await publish(ids, settle);
		if (ids.length > 0) await health.recordPublish(clock(), ids.length).catch(() => undefined);
	};
}
