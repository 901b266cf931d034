import { rm } from "node:fs/promises";
import { join } from "node:path";
import type { DeadLetterMessage, IngestQueues } from "#shared/ports/uploads.ts";
import { enqueueMessage, listMessages, readMessage } from "./queue-folder.ts";

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

/**
 * The local stack's ingest queue (`.data/queue/`) and dead-letter queue (`.data/dlq/`), read
 * and written from outside the stack as event-queue.ts keeps them: a message redriven into
 * the queue folder is delivered by the running stack within its poll interval, or on its
 * next start.
 */
export class FolderIngestQueues implements IngestQueues {
	constructor(
		private readonly queueFolder: string,
		private readonly deadLetterFolder: string,
	) {}

	async depths() {
		const [ingest, deadLetter] = await Promise.all([
			listMessages(this.queueFolder),
			listMessages(this.deadLetterFolder),
		]);
		return { ingest: { waiting: ingest.length }, deadLetter: { waiting: deadLetter.length } };
	}

	/** The dead letters with their file names, oldest first (names sort in sending order). */
	private async deadLetters(): Promise<{ name: string; message: DeadLetterMessage }[]> {
		const found: { name: string; message: DeadLetterMessage }[] = [];
		for (const name of await listMessages(this.deadLetterFolder)) {
			const stored = await readMessage(this.deadLetterFolder, name);
			if (!stored) continue;
			const sentAt = iso(stored.sentTimestamp);
			const firstReceivedAt = iso(stored.firstReceiveTimestamp);
			found.push({
				name,
				message: {
					messageId: stored.messageId,
					body: stored.body,
					receiveCount: stored.receiveCount,
					...(sentAt ? { sentAt } : {}),
					...(firstReceivedAt ? { firstReceivedAt } : {}),
				},
			});
		}
		return found;
	}

	async listDeadLetters(limit: number): Promise<DeadLetterMessage[]> {
		return (await this.deadLetters()).slice(0, limit).map(({ message }) => message);
	}

	async redrive(messageIds?: readonly string[]): Promise<string[]> {
		const wanted = messageIds ? new Set(messageIds) : undefined;
		const moved: string[] = [];
		for (const { name, message } of await this.deadLetters()) {
			if (wanted && !wanted.has(message.messageId)) continue;
			// A fresh message with a count of 0, as SendMessage makes one; then the dead letter goes.
			await enqueueMessage(this.queueFolder, message.body);
			await rm(join(this.deadLetterFolder, name), { force: true });
			moved.push(message.messageId);
		}
		return moved;
	}

	async discard(messageIds?: readonly string[]): Promise<string[]> {
		const wanted = messageIds ? new Set(messageIds) : undefined;
		const discarded: string[] = [];
		for (const { name, message } of await this.deadLetters()) {
			if (wanted && !wanted.has(message.messageId)) continue;
			await rm(join(this.deadLetterFolder, name), { force: true });
			discarded.push(message.messageId);
		}
		return discarded;
	}
}
