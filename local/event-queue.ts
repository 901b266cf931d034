import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import type { SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import {
	enqueueMessage,
	listMessages,
	type QueuedMessage,
	readMessage,
	removeStaleTemporaryFiles,
	writeMessage,
} from "./queue-folder.ts";

type SqsHandler = (event: SQSEvent) => Promise<SQSBatchResponse | undefined>;

export interface LocalQueueOptions {
	/** One JSON file per waiting message; anything that writes one there (the CLI) queues it. */
	folder: string;
	/** Where a message goes after `maxReceiveCount` failed receives. */
	deadLetterFolder: string;
	maxReceiveCount: number;
	/** Delay before the next receive of a failed message, times its receive count. */
	retryDelayMs: number;
	queueArn: string;
	/** Invocations (batches) handled at once, as Lambda's concurrency does for SQS. */
	concurrency?: number;
	/**
	 * The most messages one invocation receives, as the event source mapping's BatchSize
	 * (default 1). A batch is what is waiting when an invocation is free; it is not held back
	 * to fill up.
	 */
	batchSize?: number;
	/**
	 * The handler's `batchItemFailures` name the messages that failed (FunctionResponseTypes
	 * ReportBatchItemFailures); without it, a batch succeeds or fails as a whole. Default true.
	 */
	reportBatchItemFailures?: boolean;
	/**
	 * How long a failed message stays invisible before its next receive, as the queue's
	 * VisibilityTimeout. Default: `retryDelayMs` times its receive count.
	 */
	visibilityTimeoutMs?: number;
	/**
	 * The bytes a message's handling holds in memory (an upload's size, from its
	 * notification); with `maxBytesInFlight`, at most that many are handled at once.
	 */
	sizeOf?: (body: string) => number;
	/**
	 * Messages whose sizes add up to more wait, in order, for those in flight to end; one
	 * larger than this alone is handled alone. Default: no limit but `concurrency`.
	 */
	maxBytesInFlight?: number;
	/** How often the folder is read for messages written by other processes. */
	pollMs?: number;
	/**
	 * Names a dependency that does not answer, or `undefined` when all do. After a failed
	 * receive: while a dependency is down the receive does not count and the queue waits.
	 */
	probe?: () => Promise<string | undefined>;
	/** The longest wait between two probes while a dependency is down. */
	maxBackoffMs?: number;
}

export interface DeadLetter {
	body: string;
	receiveCount: number;
}

/**
 * The SQS stand-in between the S3 notification and the ingest handler, kept on disk: one
 * file per message, removed once handled, so nothing is lost when the stack stops or dies
 * and whatever waits is delivered on the next start. As Lambda with SQS: one message per
 * invocation (or up to `batchSize`), a bounded number of invocations at once, redelivered
 * after a failure (batch item failures),
 * dead-lettered after `maxReceiveCount` receives. Unlike SQS, a receive only counts when it
 * failed with every dependency up: while DynamoDB Local or S3 is down, the queue waits
 * (exponential backoff) instead of burning receives, and a receive cut off by a stop or a
 * crash does not count either.
 */
export class LocalQueue {
	/** The latest message bodies sent, so a test can redeliver one as SQS may. */
	readonly recent: string[] = [];
	private readonly inFlight = new Map<string, Promise<void>>();
	private readonly pendingSends = new Set<Promise<unknown>>();
	/** Failed messages wait until then before their next receive. */
	private readonly notBefore = new Map<string, number>();
	private readonly concurrency: number;
	/** Invocations under way. */
	private batches = 0;
	private scanning: Promise<void> | undefined;
	private rescan = false;
	private pollTimer: NodeJS.Timeout | undefined;
	private paused: Promise<void> | undefined;
	private started = false;
	private stopped = false;
	private readonly waiters = new Set<() => void>();
	/** Cuts the current wait between two probes short. */
	private probeSoon: (() => void) | undefined;
	private bytesInFlight = 0;
	/** Deliveries waiting for bytes to be free, first come first served. */
	private readonly waitingForBytes: { bytes: number; admit: () => void }[] = [];

	constructor(
		private readonly handler: SqsHandler,
		private readonly options: LocalQueueOptions,
	) {
		this.concurrency = options.concurrency ?? 8;
	}

	/** Starts delivering, beginning with whatever the folder already holds. */
	async start(): Promise<void> {
		await mkdir(this.options.folder, { recursive: true });
		await mkdir(this.options.deadLetterFolder, { recursive: true });
		await removeStaleTemporaryFiles(this.options.folder, Date.now());
		this.started = true;
		this.poll();
	}

	/** Queues a message: on disk when the promise resolves. */
	send(body: string): Promise<void> {
		this.recent.push(body);
		if (this.recent.length > 100) this.recent.shift();
		const write = enqueueMessage(this.options.folder, body).then(() => this.schedule());
		this.pendingSends.add(write);
		void write.then(
			() => this.pendingSends.delete(write),
			() => this.pendingSends.delete(write),
		);
		return write;
	}

	/** The folder its messages wait in: a message written there is queued. */
	get folderOf(): string {
		return this.options.folder;
	}

	/** Invocations at once. */
	get concurrencyOf(): number {
		return this.concurrency;
	}

	/** Receives before a message is dead-lettered. */
	get maxReceiveCount(): number {
		return this.options.maxReceiveCount;
	}

	/** Every dead-lettered message, from the dead-letter folder. */
	get deadLetters(): DeadLetter[] {
		let names: string[];
		try {
			names = readdirSync(this.options.deadLetterFolder).filter((n) => /^[^.].*\.json$/.test(n));
		} catch {
			return [];
		}
		return names.sort().map((name) => {
			const message = JSON.parse(
				readFileSync(join(this.options.deadLetterFolder, name), "utf8"),
			) as QueuedMessage;
			return { body: message.body, receiveCount: message.receiveCount };
		});
	}

	/** Resolves when every message on disk so far is handled or dead-lettered (or the queue stopped). */
	async drain(): Promise<void> {
		while (!this.stopped) {
			await Promise.allSettled([...this.pendingSends]);
			if (this.inFlight.size === 0 && (await listMessages(this.options.folder)).length === 0)
				return;
			this.schedule();
			await this.changed(100);
		}
	}

	/**
	 * Stops delivering: first drains for at most `deadlineMs`, then starts nothing new and
	 * leaves a message that was cut off where it is. Returns how many messages stay on disk
	 * for the next start.
	 */
	async stop(deadlineMs: number): Promise<number> {
		if (this.started && !this.stopped) {
			let timer: NodeJS.Timeout | undefined;
			await Promise.race([
				this.drain(),
				new Promise<void>((resolve) => {
					timer = setTimeout(resolve, deadlineMs);
				}),
			]);
			clearTimeout(timer);
		}
		this.stopped = true;
		clearTimeout(this.pollTimer);
		this.probeSoon?.();
		this.notify();
		await Promise.allSettled([...this.pendingSends]);
		return (await listMessages(this.options.folder)).length;
	}

	/** A dependency is said to be back: if the queue waits for one, it probes now. */
	probeNow(): void {
		this.probeSoon?.();
	}

	/** Waits, behind any delivery that waits already, until `bytes` fit the budget. */
	private reserveBytes(bytes: number): Promise<void> {
		const budget = this.options.maxBytesInFlight;
		if (budget === undefined) return Promise.resolve();
		return new Promise((resolve) => {
			this.waitingForBytes.push({ bytes, admit: resolve });
			this.admitWaiting(budget);
		});
	}

	private releaseBytes(bytes: number): void {
		const budget = this.options.maxBytesInFlight;
		if (budget === undefined) return;
		this.bytesInFlight -= bytes;
		this.admitWaiting(budget);
	}

	private admitWaiting(budget: number): void {
		for (;;) {
			const [next] = this.waitingForBytes;
			// One larger than the whole budget goes alone.
			if (!next || (this.bytesInFlight > 0 && this.bytesInFlight + next.bytes > budget)) return;
			this.waitingForBytes.shift();
			this.bytesInFlight += next.bytes;
			next.admit();
		}
	}

	/** Resolves on the next delivery, send or resume, or after `ms`. */
	private changed(ms: number): Promise<void> {
		return new Promise((resolve) => {
			const done = () => {
				clearTimeout(timer);
				this.waiters.delete(done);
				resolve();
			};
			const timer = setTimeout(done, ms);
			this.waiters.add(done);
		});
	}

	private notify(): void {
		for (const waiter of [...this.waiters]) waiter();
	}

	private poll(): void {
		if (this.stopped) return;
		this.schedule();
		this.pollTimer = setTimeout(() => this.poll(), this.options.pollMs ?? 250);
	}

	/** Reads the folder and starts as many deliveries as the concurrency allows. */
	private schedule(): void {
		if (!this.started || this.stopped) return;
		if (this.scanning) {
			this.rescan = true;
			return;
		}
		this.scanning = this.scan()
			.catch((error: unknown) => console.error("local queue: cannot read its folder:", error))
			.finally(() => {
				this.scanning = undefined;
				if (this.rescan) {
					this.rescan = false;
					this.schedule();
				}
			});
	}

	private async scan(): Promise<void> {
		if (this.paused) return;
		const now = Date.now();
		const batchSize = this.options.batchSize ?? 1;
		let batch: string[] = [];
		const names = await listMessages(this.options.folder);
		for (const [index, name] of names.entries()) {
			if (this.batches >= this.concurrency || this.paused || this.stopped) return;
			if (!this.inFlight.has(name) && (this.notBefore.get(name) ?? 0) <= now) batch.push(name);
			if (batch.length < batchSize && index < names.length - 1) continue;
			if (batch.length > 0) this.startBatch(batch);
			batch = [];
		}
	}

	private startBatch(names: string[]): void {
		this.batches++;
		const delivery = this.deliver(names)
			.catch((error: unknown) =>
				console.error(`local queue: message(s) ${names.join(", ")}:`, error),
			)
			.finally(() => {
				this.batches--;
				for (const name of names) this.inFlight.delete(name);
				this.notify();
				this.schedule();
			});
		for (const name of names) this.inFlight.set(name, delivery);
	}

	private recordOf(message: QueuedMessage, receiveCount: number, firstReceive: number): SQSRecord {
		return {
			messageId: message.messageId,
			receiptHandle: `${message.messageId}#${receiveCount}`,
			body: message.body,
			attributes: {
				ApproximateReceiveCount: String(receiveCount),
				SentTimestamp: String(message.sentTimestamp),
				SenderId: "s3.amazonaws.com",
				ApproximateFirstReceiveTimestamp: String(firstReceive),
			},
			messageAttributes: {},
			md5OfBody: createHash("md5").update(message.body).digest("hex"),
			eventSource: "aws:sqs",
			eventSourceARN: this.options.queueArn,
			awsRegion: "us-east-1",
		};
	}

	private async deliver(names: string[]): Promise<void> {
		const { folder } = this.options;
		const now = Date.now();
		const received: { name: string; message: QueuedMessage; record: SQSRecord }[] = [];
		for (const name of names) {
			const message = await readMessage(folder, name);
			if (!message) continue;
			const receiveCount = message.receiveCount + 1;
			const firstReceiveTimestamp = message.firstReceiveTimestamp ?? now;
			received.push({
				name,
				message: { ...message, receiveCount, firstReceiveTimestamp },
				record: this.recordOf(message, receiveCount, firstReceiveTimestamp),
			});
		}
		if (received.length === 0) return;
		const bytes = received.reduce(
			(sum, { message }) => sum + (this.options.sizeOf?.(message.body) ?? 0),
			0,
		);
		await this.reserveBytes(bytes);
		// Stopped while it waited: left on disk, unreceived, for the next start.
		if (this.stopped) {
			this.releaseBytes(bytes);
			return;
		}
		let failed: Set<string>;
		try {
			const response = await this.handler({ Records: received.map(({ record }) => record) });
			failed =
				this.options.reportBatchItemFailures === false
					? new Set()
					: new Set((response?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
		} catch (error) {
			console.error("ingest handler threw:", error);
			failed = new Set(received.map(({ message }) => message.messageId));
		} finally {
			this.releaseBytes(bytes);
		}
		for (const { name, message } of received) {
			if (failed.has(message.messageId)) continue;
			this.notBefore.delete(name);
			await rm(join(folder, name), { force: true });
		}
		const failures = received.filter(({ message }) => failed.has(message.messageId));
		if (failures.length === 0) return;
		// Cut off by a stop: left as they are, for the next start.
		if (this.stopped) return;
		const down = await this.options.probe?.();
		if (down) {
			void this.pauseWhileDown(down);
			return;
		}
		for (const { name, message } of failures) {
			if (message.receiveCount >= this.options.maxReceiveCount) {
				await writeMessage(this.options.deadLetterFolder, name, message);
				await rm(join(folder, name), { force: true });
				this.notBefore.delete(name);
				console.error(`dead-lettered after ${message.receiveCount} receives: ${message.body}`);
				continue;
			}
			await writeMessage(folder, name, message);
			const delay =
				this.options.visibilityTimeoutMs ?? this.options.retryDelayMs * message.receiveCount;
			this.notBefore.set(name, Date.now() + delay);
			setTimeout(() => this.schedule(), delay).unref();
		}
	}

	/** Holds every delivery until the probe answers healthy, waiting longer each time. */
	private pauseWhileDown(dependency: string): Promise<void> {
		this.paused ??= (async () => {
			const since = Date.now();
			console.error(`local queue: ${dependency} is down; waiting, no receive counted`);
			let backoff = 100;
			for (;;) {
				await new Promise<void>((resolve) => {
					const timer = setTimeout(resolve, backoff);
					this.probeSoon = () => {
						clearTimeout(timer);
						resolve();
					};
				});
				this.probeSoon = undefined;
				if (this.stopped) break;
				const down = await this.options.probe?.();
				if (!down) {
					console.error(
						`local queue: dependencies up again after ${((Date.now() - since) / 1000).toFixed(1)} s; resuming`,
					);
					break;
				}
				backoff = Math.min(backoff * 2, this.options.maxBackoffMs ?? 5000);
			}
		})().finally(() => {
			this.paused = undefined;
			this.notify();
			this.schedule();
		});
		return this.paused;
	}
}
