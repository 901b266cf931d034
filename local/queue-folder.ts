import { randomUUID } from "node:crypto";
import { mkdir, readdir, readFile, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { isTemporaryFile, writeFileAtomic } from "./atomic-file.ts";

/**
 * One queued message, as its file holds it. The local queue (event-queue.ts) and anything
 * that queues from outside the stack (the CLI's reconcile) share this format.
 */
export interface QueuedMessage {
	messageId: string;
	body: string;
	sentTimestamp: number;
	/** Receives that failed with every dependency up: the count SQS would compare with `maxReceiveCount`. */
	receiveCount: number;
	firstReceiveTimestamp?: number;
}

let sequence = 0;

/** Names sort in sending order (per process; a tie across processes is harmless). */
function messageFileName(message: QueuedMessage): string {
	sequence = (sequence + 1) % 1_000_000;
	return `${String(message.sentTimestamp).padStart(15, "0")}-${String(sequence).padStart(6, "0")}-${message.messageId}.json`;
}

/** Writes a new message into a queue folder, whole or not at all. Returns its file name. */
export async function enqueueMessage(folder: string, body: string): Promise<string> {
	const message: QueuedMessage = {
		messageId: randomUUID(),
		body,
		sentTimestamp: Date.now(),
		receiveCount: 0,
	};
	const name = messageFileName(message);
	await mkdir(folder, { recursive: true });
	await writeMessage(folder, name, message);
	return name;
}

export async function writeMessage(
	folder: string,
	name: string,
	message: QueuedMessage,
): Promise<void> {
	await writeFileAtomic(join(folder, name), `${JSON.stringify(message)}\n`);
}

/** The message files in a folder, oldest first. */
export async function listMessages(folder: string): Promise<string[]> {
	try {
		const names = await readdir(folder);
		return names.filter((name) => name.endsWith(".json") && !isTemporaryFile(name)).sort();
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
		throw error;
	}
}

/** A message, or `undefined` when its file is gone (handled meanwhile). */
export async function readMessage(
	folder: string,
	name: string,
): Promise<QueuedMessage | undefined> {
	try {
		return JSON.parse(await readFile(join(folder, name), "utf8")) as QueuedMessage;
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
		throw error;
	}
}

/** Removes what a writer that died mid-write left behind (older than a minute, so no live write). */
export async function removeStaleTemporaryFiles(folder: string, now: number): Promise<void> {
	const names = await readdir(folder).catch(() => [] as string[]);
	for (const name of names.filter(isTemporaryFile)) {
		const path = join(folder, name);
		const info = await stat(path).catch(() => undefined);
		if (info && now - info.mtimeMs > 60_000) await rm(path, { force: true });
	}
}
