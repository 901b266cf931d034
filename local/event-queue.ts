import { randomUUID } from "node:crypto";
import type { SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";

type SqsHandler = (event: SQSEvent) => Promise<SQSBatchResponse | undefined>;

/**
 * The SQS stand-in between the S3 notification and the ingest handler: one message per
 * invocation, redelivered after a failure with batch item failures as in Lambda, and
 * dead-lettered after `maxReceiveCount` receives (the stack's queue allows 5; locally fewer,
 * so a broken message surfaces within a second).
 */
export class LocalQueue {
	readonly deadLetters: { body: string; receiveCount: number }[] = [];
	/** The latest message bodies sent, so a test can redeliver one as SQS may. */
	readonly recent: string[] = [];
	private readonly inFlight = new Set<Promise<void>>();

	constructor(
		private readonly handler: SqsHandler,
		private readonly options: { maxReceiveCount: number; retryDelayMs: number; queueArn: string },
	) {}

	send(body: string): void {
		this.recent.push(body);
		if (this.recent.length > 100) this.recent.shift();
		const message: SQSRecord = {
			messageId: randomUUID(),
			receiptHandle: randomUUID(),
			body,
			attributes: {
				ApproximateReceiveCount: "0",
				SentTimestamp: String(Date.now()),
				SenderId: "s3.amazonaws.com",
				ApproximateFirstReceiveTimestamp: String(Date.now()),
			},
			messageAttributes: {},
			md5OfBody: "",
			eventSource: "aws:sqs",
			eventSourceARN: this.options.queueArn,
			awsRegion: "us-east-1",
		};
		this.track(this.deliver(message));
	}

	/** Resolves when every message sent so far is handled or dead-lettered. */
	async drain(): Promise<void> {
		while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
	}

	private track(work: Promise<void>): void {
		this.inFlight.add(work);
		void work.finally(() => this.inFlight.delete(work));
	}

	private async deliver(message: SQSRecord): Promise<void> {
		for (let receive = 1; receive <= this.options.maxReceiveCount; receive++) {
			message.attributes.ApproximateReceiveCount = String(receive);
			let failed: boolean;
			try {
				const response = await this.handler({ Records: [message] });
				failed = (response?.batchItemFailures ?? []).some(
					(f) => f.itemIdentifier === message.messageId,
				);
			} catch (error) {
				console.error("ingest handler threw:", error);
				failed = true;
			}
			if (!failed) return;
			await new Promise((resolve) => setTimeout(resolve, this.options.retryDelayMs * receive));
		}
		this.deadLetters.push({ body: message.body, receiveCount: this.options.maxReceiveCount });
		console.error(`dead-lettered after ${this.options.maxReceiveCount} receives: ${message.body}`);
	}
}
