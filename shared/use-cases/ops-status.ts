import type { UnsettledAgreementChange } from "../domain/agreement.ts";
import { uploadIdOf } from "../domain/upload.ts";
import type { AgreementChangeStore } from "../ports/agreements.ts";
import type { PublishLedger } from "../ports/publishing.ts";
import type { HealthStore, IngestQueues, QueueDepth, UploadStore } from "../ports/uploads.ts";
import type { IngestResult, UploadEvent } from "./ingest-upload.ts";

/** An error as one line for a note: its name when it says more than `Error`, and its message. */
export function describeError(error: unknown): string {
	if (!(error instanceof Error)) return String(error);
	const name = error.name && error.name !== "Error" ? `${error.name}: ` : "";
	return `${name}${error.message}`.replace(/\s+/g, " ").trim();
}

/**
 * Ingest that notes, before rethrowing, why it failed for an upload: SQS keeps no error with a
 * dead letter, so this note is what `dlq list` shows. The note is best effort: when it cannot
 * be written (the table is what failed), the original error still goes back to the queue.
 */
export function recordingIngestFailures(
	ingest: (event: UploadEvent) => Promise<IngestResult | undefined>,
	health: HealthStore | undefined,
	clock: () => Date,
): (event: UploadEvent) => Promise<IngestResult | undefined> {
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

/** One object an S3 notification names, as a dead letter carries it. */
export interface NotifiedObject {
	bucket: string;
	key: string;
	versionId?: string;
	eTag?: string;
	sequencer?: string;
	eventTime?: string;
	/** Bytes, as S3 reports the object's size. */
	size?: number;
}

/**
 * The objects in an S3 notification body, keys decoded as the ingest handler decodes them
 * (form-encoded, once). Tolerant: a body that is no notification names no object.
 */
export function notifiedObjectsOf(body: string): NotifiedObject[] {
	let message: unknown;
	try {
		message = JSON.parse(body);
	} catch {
		return [];
	}
	const records = (message as { Records?: unknown }).Records;
	if (!Array.isArray(records)) return [];
	const objects: NotifiedObject[] = [];
	for (const record of records) {
		const s3 = (
			record as { s3?: { bucket?: { name?: unknown }; object?: Record<string, unknown> } }
		).s3;
		const rawKey = s3?.object?.key;
		if (typeof rawKey !== "string") continue;
		let key: string;
		try {
			key = decodeURIComponent(rawKey.replace(/\+/g, " "));
		} catch {
			key = rawKey;
		}
		const text = (value: unknown) => (typeof value === "string" ? value : undefined);
		const versionId = text(s3?.object?.versionId);
		const eTag = text(s3?.object?.eTag);
		const sequencer = s3?.object?.sequencer;
		const eventTime = text((record as { eventTime?: unknown }).eventTime);
		const size = s3?.object?.size;
		objects.push({
			bucket: text(s3?.bucket?.name) ?? "",
			key,
			...(versionId ? { versionId } : {}),
			...(eTag ? { eTag } : {}),
			...(sequencer !== undefined ? { sequencer: String(sequencer) } : {}),
			...(eventTime ? { eventTime } : {}),
			...(typeof size === "number" ? { size } : {}),
		});
	}
	return objects;
}

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

/** What `status` reports: the first thing ops look at when something seems wrong. */
export interface OpsStatus {
	at: string;
	ingestQueue: QueueDepth;
	deadLetterQueue: QueueDepth;
	/** Publish targets whose newest revision is not published (at most `limit`). */
	dirtyTargets: { count: number; more: boolean; ids: string[] };
	/** Committed changes whose targets are not all published yet (at most `limit`). */
	pendingChanges: { count: number; more: boolean; ids: string[] };
	/**
	 * Agreement changes whose articles are not all decided again yet (at most `limit`): the
	 * command that made one is still at work, or died and the schedule finishes it once its
	 * lease (`leaseUntil`) runs out.
	 */
	unsettledAgreementChanges: {
		count: number;
		more: boolean;
		changes: (Omit<UnsettledAgreementChange, "lease"> & {
			leaseOwner: string | null;
			leaseUntil: string | null;
		})[];
	};
	lastSweep: { at: string; targets: number; ageSeconds: number } | null;
	lastPublish: { at: string; targets: number; ageSeconds: number } | null;
}

/** `status`: queue depths, what waits to be published, and when the schedule and publisher last ran. */
export function makeOpsStatus(deps: {
	queues: IngestQueues;
	ledger: PublishLedger;
	health: HealthStore;
	changes: Pick<AgreementChangeStore, "listUnsettledChanges">;
	clock: () => Date;
}) {
	return async function opsStatus(limit = 100): Promise<OpsStatus> {
		const [depths, dirty, pending, health, unsettled] = await Promise.all([
			deps.queues.depths(),
			deps.ledger.listDirty(limit + 1),
			deps.ledger.listPending(limit + 1),
			deps.health.readHealth(),
			deps.changes.listUnsettledChanges(limit + 1),
		]);
		const now = deps.clock();
		const aged = (run: { at: string; targets: number } | undefined) =>
			run
				? {
						...run,
						ageSeconds: Math.max(0, Math.round((now.getTime() - Date.parse(run.at)) / 1000)),
					}
				: null;
		return {
			at: now.toISOString(),
			ingestQueue: depths.ingest,
			deadLetterQueue: depths.deadLetter,
			dirtyTargets: {
				count: Math.min(dirty.length, limit),
				more: dirty.length > limit,
				ids: dirty.slice(0, limit),
			},
			pendingChanges: {
				count: Math.min(pending.length, limit),
				more: pending.length > limit,
				ids: pending.slice(0, limit).map((change) => change.changeId),
			},
			unsettledAgreementChanges: {
				count: Math.min(unsettled.length, limit),
				more: unsettled.length > limit,
				changes: unsettled.slice(0, limit).map(({ lease, ...change }) => ({
					...change,
					leaseOwner: lease?.owner ?? null,
					leaseUntil: lease ? new Date(lease.until).toISOString() : null,
				})),
			},
			lastSweep: aged(health.lastSweep),
			lastPublish: aged(health.lastPublish),
		};
	};
}
