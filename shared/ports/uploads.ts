import type { Report } from "../domain/report.ts";

/** A bucket, seen as keys and bytes. */
export interface ObjectStore {
	/**
	 * The object's bytes (of `versionId`, when given); `tooLarge` with its size, unread, when
	 * it is over `maxBytes`.
	 */
	get(
		key: string,
		options?: { maxBytes?: number; versionId?: string },
	): Promise<{ bytes: Uint8Array } | { tooLarge: number } | undefined>;
	/**
	 * Stores the object; `contentEncoding` says the body is already compressed with that coding;
	 * `metadata` is S3 user metadata (served as `x-amz-meta-<name>` headers).
	 */
	put(
		key: string,
		body: string | Uint8Array,
		options?: {
			contentType?: string;
			cacheControl?: string;
			contentEncoding?: string;
			metadata?: Record<string, string>;
		},
	): Promise<void>;
	delete(key: string): Promise<void>;
	/** Deletes every key (absent ones too), in as few requests as the store allows. */
	deleteMany(keys: readonly string[]): Promise<void>;
	/**
	 * The keys a put at `key` writes besides it (compressed copies, say), for a store that
	 * writes any. A writer that skips unchanged objects counts them in the object's digest, so
	 * an object stored before the store began writing them is written again.
	 */
	variantsOf?(key: string): readonly string[];
}

/** What one processed upload left behind, so a redelivered event changes nothing. */
export interface UploadRecord {
	/** The object key under `incoming/`. */
	key: string;
	/** `uploadIdOf` (domain/upload.ts) of the object version: the same for every delivery of one upload. */
	uploadId: string;
	/** `uploadOrder` of the S3 event's sequencer: orders the uploads at one key. */
	order: string;
	report: Report;
	/** Targets the upload made stale; republished again on redelivery in case a run died. */
	targets: string[];
}

/** The uploads processed so far, one record per object version, and their reports. */
export interface UploadStore {
	getUpload(key: string, uploadId: string): Promise<UploadRecord | undefined>;
	/** Every processed upload at a key, oldest first (S3 order). */
	listUploads(key: string): Promise<UploadRecord[]>;
	/**
	 * Makes `record` the newest upload at its key unless a later one (by `order`) already is,
	 * and returns whichever is newest: the one whose report belongs at the key.
	 */
	markNewest(record: UploadRecord): Promise<UploadRecord>;
	/** The newest upload at `key` as last marked, if any was. */
	getNewest(key: string): Promise<UploadRecord | undefined>;
}

/** One stored version of an object under `incoming/`, as a bucket listing shows it. */
export interface StoredUpload {
	key: string;
	versionId?: string;
	eTag?: string;
	size: number;
	lastModified: string;
}

/** What the ingest bucket holds, whether or not its notification ever arrived. */
export interface UploadInventory {
	list(prefix: string): AsyncIterable<StoredUpload>;
}

/** Where S3 notifications wait for ingest (SQS in AWS, a folder locally). */
export interface UploadQueue {
	/** Queues one message body in S3's notification format. */
	send(body: string): Promise<void>;
}

/** How many messages a queue holds. */
export interface QueueDepth {
	/** Waiting to be received (locally: waiting or being handled). */
	waiting: number;
	/** Received and not yet deleted or returned; SQS only. */
	inFlight?: number;
}

/** A message that failed ingest `maxReceiveCount` times and waits in the dead-letter queue. */
export interface DeadLetterMessage {
	messageId: string;
	/** The S3 notification, as S3 sent it. */
	body: string;
	/** Receives so far; in SQS a look by `dlq list` counts too. */
	receiveCount: number;
	/** ISO time the message was first sent to the ingest queue. */
	sentAt?: string;
	/** ISO time of its first receive. */
	firstReceivedAt?: string;
}

/** The ingest queue and its dead-letter queue, as ops inspect and redrive them. */
export interface IngestQueues {
	depths(): Promise<{ ingest: QueueDepth; deadLetter: QueueDepth }>;
	/** The dead letters, oldest first, at most `limit`; listing leaves them where they are. */
	listDeadLetters(limit: number): Promise<DeadLetterMessage[]>;
	/**
	 * Moves dead letters back to the ingest queue: those with `messageIds`, or every one.
	 * Returns the ids moved. A message is sent before it is deleted, so a crash in between
	 * leaves a copy behind, never a loss (ingest handles a repeat as the same upload).
	 */
	redrive(messageIds?: readonly string[]): Promise<string[]>;
	/**
	 * Deletes dead letters that can never succeed: those with `messageIds`, or every one.
	 * Returns the ids deleted. Only the message goes; its upload stays stored in the bucket.
	 */
	discard(messageIds?: readonly string[]): Promise<string[]>;
}

/** Why ingest last failed for one upload, kept for `dlq list` (SQS keeps no error). */
export interface IngestFailure {
	key: string;
	uploadId: string;
	failures: number;
	firstFailedAt: string;
	lastFailedAt: string;
	lastError: string;
}

/** A dead letter ops discarded (`dlq discard`), kept for `dlq history`. */
export interface DeadLetterDiscard {
	messageId: string;
	/** The uploads the message named (one, as S3 notifies); they stay stored. */
	keys: string[];
	reason: string;
	/** The operator (`--by`, else the OS user). */
	by: string;
	/** When it was discarded (RFC 3339). */
	at: string;
}

/** When the schedule and the publisher last ran, for `status`. */
export interface PipelineHealth {
	lastSweep?: { at: string; targets: number };
	lastPublish?: { at: string; targets: number };
}

/**
 * Small notes the pipeline leaves for ops: one write per sweep, publish, failed ingest or
 * discarded dead letter.
 */
export interface HealthStore {
	recordSweep(at: Date, targets: number): Promise<void>;
	recordPublish(at: Date, targets: number): Promise<void>;
	recordIngestFailure(failure: {
		key: string;
		uploadId: string;
		error: string;
		at: Date;
	}): Promise<void>;
	readHealth(): Promise<PipelineHealth>;
	getIngestFailure(key: string, uploadId: string): Promise<IngestFailure | undefined>;
	/** Notes a dead letter ops discarded: SQS forgets it, the history must not. */
	recordDiscard(discard: DeadLetterDiscard): Promise<void>;
	/** The discards noted, newest first, at most `limit`. */
	listDiscards(limit: number): Promise<DeadLetterDiscard[]>;
}
