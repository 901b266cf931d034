import {
	ChangeMessageVisibilityBatchCommand,
	DeleteMessageCommand,
	GetQueueAttributesCommand,
	type Message,
	ReceiveMessageCommand,
	SendMessageCommand,
	type SQSClient,
} from "@aws-sdk/client-sqs";
import { chunksOf } from "../../lib/chunks.ts";
import type { DeadLetterMessage, IngestQueues, QueueDepth } from "../../ports/uploads.ts";

export interface SqsIngestQueuesOptions {
	/**
	 * How long a message received to look at or move stays hidden from others (seconds).
	 * Looked-at messages are made visible again at once; this only bounds how long a CLI that
	 * died meanwhile hides them.
	 */
	holdSeconds?: number;
	/** Long-poll wait per receive, so every SQS server is asked, not a sample (seconds). */
	waitSeconds?: number;
}

// ReceiveMessage and the batch calls take at most 10 messages.
const BATCH = 10;

const iso = (ms: string | undefined) =>
	ms === undefined || Number.isNaN(Number(ms)) ? undefined : new Date(Number(ms)).toISOString();

/** A received SQS message as the port describes a dead letter. */
export function toDeadLetter(message: Message): DeadLetterMessage {
	const attributes = message.Attributes ?? {};
	const sentAt = iso(attributes.SentTimestamp);
	const firstReceivedAt = iso(attributes.ApproximateFirstReceiveTimestamp);
	return {
		messageId: message.MessageId ?? "",
		body: message.Body ?? "",
		receiveCount: Number(attributes.ApproximateReceiveCount ?? 0),
		...(sentAt ? { sentAt } : {}),
		...(firstReceivedAt ? { firstReceivedAt } : {}),
	};
}

/**
 * The ingest queue and its dead-letter queue in SQS. SQS has no way to read a message
 * without receiving it: `listDeadLetters` receives (hiding them for `holdSeconds`) until the
 * queue answers empty, then makes every one visible again (ChangeMessageVisibility 0), so
 * nothing is deleted and a look costs each message one receive count. `redrive` sends each
 * chosen message's body to the ingest queue, then deletes it from the dead-letter queue.
 */
export class SqsIngestQueues implements IngestQueues {
	private readonly holdSeconds: number;
	private readonly waitSeconds: number;

	constructor(
		private readonly client: SQSClient,
		readonly queueUrl: string,
		readonly deadLetterQueueUrl: string,
		options: SqsIngestQueuesOptions = {},
	) {
		this.holdSeconds = options.holdSeconds ?? 60;
		this.waitSeconds = options.waitSeconds ?? 1;
	}

	private async depth(queueUrl: string): Promise<QueueDepth> {
		const { Attributes = {} } = await this.client.send(
			new GetQueueAttributesCommand({
				QueueUrl: queueUrl,
				AttributeNames: [
					"ApproximateNumberOfMessages",
					"ApproximateNumberOfMessagesNotVisible",
					"ApproximateNumberOfMessagesDelayed",
				],
			}),
		);
		return {
			waiting:
				Number(Attributes.ApproximateNumberOfMessages ?? 0) +
				Number(Attributes.ApproximateNumberOfMessagesDelayed ?? 0),
			inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0),
		};
	}

	async depths() {
		const [ingest, deadLetter] = await Promise.all([
			this.depth(this.queueUrl),
			this.depth(this.deadLetterQueueUrl),
		]);
		return { ingest, deadLetter };
	}

	/** Up to `max` dead letters, hidden for `holdSeconds`; fewer when the queue answers empty. */
	private async receive(max: number): Promise<Message[]> {
		const received: Message[] = [];
		const seen = new Set<string>();
		while (received.length < max) {
			const { Messages = [] } = await this.client.send(
				new ReceiveMessageCommand({
					QueueUrl: this.deadLetterQueueUrl,
					MaxNumberOfMessages: Math.min(BATCH, max - received.length),
					VisibilityTimeout: this.holdSeconds,
					WaitTimeSeconds: this.waitSeconds,
					MessageSystemAttributeNames: ["All"],
				}),
			);
			if (Messages.length === 0) break;
			for (const message of Messages) {
				// A message received twice (its hold ran out) is listed once.
				if (message.MessageId && !seen.has(message.MessageId)) {
					seen.add(message.MessageId);
					received.push(message);
				}
			}
		}
		return received;
	}

	/** Makes received messages visible again at once. */
	private async release(messages: readonly Message[]): Promise<void> {
		for (const chunk of chunksOf(messages, BATCH)) {
			await this.client.send(
				new ChangeMessageVisibilityBatchCommand({
					QueueUrl: this.deadLetterQueueUrl,
					Entries: chunk.map((message, j) => ({
						Id: String(j),
						ReceiptHandle: message.ReceiptHandle,
						VisibilityTimeout: 0,
					})),
				}),
			);
		}
	}

	/** Sends the body to the ingest queue, then deletes the dead letter. */
	private async move(message: Message): Promise<void> {
		await this.client.send(
			new SendMessageCommand({ QueueUrl: this.queueUrl, MessageBody: message.Body ?? "" }),
		);
		await this.drop(message);
	}

	private async drop(message: Message): Promise<void> {
		await this.client.send(
			new DeleteMessageCommand({
				QueueUrl: this.deadLetterQueueUrl,
				ReceiptHandle: message.ReceiptHandle,
			}),
		);
	}

	async listDeadLetters(limit: number): Promise<DeadLetterMessage[]> {
		const messages = await this.receive(limit);
		await this.release(messages);
		return messages
			.map(toDeadLetter)
			.sort((a, b) => (a.sentAt ?? "").localeCompare(b.sentAt ?? ""));
	}

	redrive(messageIds?: readonly string[]): Promise<string[]> {
		return this.take(messageIds, (message) => this.move(message));
	}

	discard(messageIds?: readonly string[]): Promise<string[]> {
		return this.take(messageIds, (message) => this.drop(message));
	}

	/**
	 * Applies `act` to the chosen dead letters (or every one) and returns the ids it was applied
	 * to; any other message received on the way is made visible again at once.
	 */
	private async take(
		messageIds: readonly string[] | undefined,
		act: (message: Message) => Promise<void>,
	): Promise<string[]> {
		const moved: string[] = [];
		if (!messageIds) {
			// Every message: a batch at a time, so none is held longer than its own move.
			for (;;) {
				const batch = await this.receive(BATCH);
				if (batch.length === 0) return moved;
				for (const [i, message] of batch.entries()) {
					try {
						await act(message);
					} catch (error) {
						await this.release(batch.slice(i));
						throw error;
					}
					moved.push(message.MessageId ?? "");
				}
			}
		}
		const wanted = new Set(messageIds);
		const received: Message[] = [];
		try {
			while (wanted.size > 0) {
				const batch = await this.receive(BATCH);
				if (batch.length === 0) break;
				received.push(...batch);
				for (const message of batch) {
					if (message.MessageId && wanted.has(message.MessageId)) {
						await act(message);
						wanted.delete(message.MessageId);
						moved.push(message.MessageId);
					}
				}
			}
		} finally {
			// Everything received but not moved, including a failed move and the rest of its batch:
			// otherwise they would stay hidden from `dlq list` for `holdSeconds`.
			const done = new Set(moved);
			await this.release(received.filter((message) => !done.has(message.MessageId ?? "")));
		}
		return moved;
	}
}
