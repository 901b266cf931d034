import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SQSBatchResponse, SQSEvent } from "aws-lambda";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LocalQueue, type LocalQueueOptions } from "../../local/event-queue.ts";
import { enqueueMessage } from "../../local/queue-folder.ts";
import { uploadBytesOf } from "../../local/stack.ts";

type Handler = (event: SQSEvent) => Promise<SQSBatchResponse | undefined>;

let dir: string;
const queues: LocalQueue[] = [];
beforeEach(async () => {
	dir = await mkdtemp(join(tmpdir(), "local-queue-"));
});
afterEach(async () => {
	for (const queue of queues.splice(0)) await queue.stop(0);
	await rm(dir, { recursive: true, force: true });
});

function makeQueue(handler: Handler, options: Partial<LocalQueueOptions> = {}): LocalQueue {
	const queue = new LocalQueue(handler, {
		folder: join(dir, "queue"),
		deadLetterFolder: join(dir, "dlq"),
		maxReceiveCount: 3,
		retryDelayMs: 10,
		queueArn: "arn:aws:sqs:us-east-1:000000000000:test",
		pollMs: 20,
		...options,
	});
	queues.push(queue);
	return queue;
}

const files = async (folder: string) =>
	(await readdir(join(dir, folder)).catch(() => [])).filter((n) => n.endsWith(".json"));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("the local queue", () => {
	it("delivers what an earlier run left on disk, and what another process writes while it runs", async () => {
		await enqueueMessage(join(dir, "queue"), "left by the last run");
		const bodies: string[] = [];
		const queue = makeQueue(async (event) => {
			bodies.push(...event.Records.map((r) => r.body));
			return { batchItemFailures: [] };
		});
		await queue.start();
		await queue.drain();
		await enqueueMessage(join(dir, "queue"), "written by the CLI");
		await sleep(100);
		await queue.drain();
		expect(bodies).toEqual(["left by the last run", "written by the CLI"]);
		expect(await files("queue")).toEqual([]);
	});

	it("handles a bounded number of messages at once", async () => {
		let running = 0;
		let most = 0;
		const queue = makeQueue(
			async () => {
				most = Math.max(most, ++running);
				await sleep(20);
				running--;
				return { batchItemFailures: [] };
			},
			{ concurrency: 4 },
		);
		await queue.start();
		await Promise.all(Array.from({ length: 20 }, (_, i) => queue.send(`m${i}`)));
		await queue.drain();
		expect(most).toBe(4);
	});

	it("holds messages back while those in flight add up to maxBytesInFlight; one too large runs alone", async () => {
		let bytes = 0;
		const seen: { body: string; inFlight: number }[] = [];
		const handler: Handler = async (event) => {
			const body = event.Records[0]?.body ?? "";
			bytes += body.length;
			seen.push({ body, inFlight: bytes });
			await sleep(15);
			bytes -= body.length;
			return { batchItemFailures: [] };
		};
		const limits = { concurrency: 8, sizeOf: (body: string) => body.length, maxBytesInFlight: 10 };
		const queue = makeQueue(handler, limits);
		await queue.start();
		const large = "c".repeat(16);
		const bodies = ["aaaa", "bbbb", large, "dddd", "ee", "ffff", "gggg"];
		await Promise.all(bodies.map((body) => queue.send(body)));
		await queue.drain();
		expect(seen.map(({ body }) => body).sort()).toEqual([...bodies].sort());
		for (const { body, inFlight } of seen) {
			if (body === large) expect(inFlight, "the large one, alone").toBe(16);
			else expect(inFlight, body).toBeLessThanOrEqual(10);
		}

		// Eight at once are allowed, but only two of four bytes fit the budget.
		seen.length = 0;
		await Promise.all(Array.from({ length: 12 }, () => queue.send("xxxx")));
		await queue.drain();
		expect(Math.max(...seen.map(({ inFlight }) => inFlight))).toBe(8);
	});

	it("weighs an upload's notification by the object's size, anything else as nothing", () => {
		const notification = (size: unknown) =>
			JSON.stringify({ Records: [{ s3: { object: { key: "incoming/p/a.zip", size } } }] });
		expect(uploadBytesOf(notification(52_428_800))).toBe(52_428_800);
		expect(uploadBytesOf(notification("12"))).toBe(0);
		expect(uploadBytesOf(JSON.stringify({ Event: "s3:TestEvent" }))).toBe(0);
		expect(uploadBytesOf("not json")).toBe(0);
	});

	it("counts receives and dead-letters a message after maxReceiveCount, on disk", async () => {
		const counts: string[] = [];
		const queue = makeQueue(async (event) => {
			const [record] = event.Records;
			counts.push(record?.attributes.ApproximateReceiveCount ?? "");
			return { batchItemFailures: [{ itemIdentifier: record?.messageId ?? "" }] };
		});
		await queue.start();
		await queue.send("poison");
		await queue.drain();
		expect(counts).toEqual(["1", "2", "3"]);
		expect(queue.deadLetters).toEqual([{ body: "poison", receiveCount: 3 }]);
		expect(await files("queue")).toEqual([]);
		expect(await files("dlq")).toHaveLength(1);
	});

	it("waits while a dependency is down instead of burning receives, then delivers", async () => {
		let down = true;
		let probes = 0;
		const receives: string[] = [];
		const queue = makeQueue(
			async (event) => {
				const [record] = event.Records;
				receives.push(record?.attributes.ApproximateReceiveCount ?? "");
				if (down) throw new Error("connect ECONNREFUSED");
				return { batchItemFailures: [] };
			},
			{
				maxBackoffMs: 50,
				probe: async () => {
					probes++;
					return down ? "DynamoDB Local" : undefined;
				},
			},
		);
		await queue.start();
		await Promise.all(["a", "b", "c"].map((body) => queue.send(body)));
		await sleep(400);
		// Paused: the first failures did not count, and no new receive started.
		expect(receives.length).toBeLessThanOrEqual(3);
		expect(probes).toBeGreaterThan(3);
		down = false;
		await queue.drain();
		expect(queue.deadLetters).toEqual([]);
		expect(receives.filter((count) => count !== "1")).toEqual([]);
	});

	it("on stop, leaves what it could not deliver in time on disk for the next start", async () => {
		const delivered = new Set<string>();
		const handler: Handler = async (event) => {
			await sleep(100);
			for (const record of event.Records) delivered.add(record.body);
			return { batchItemFailures: [] };
		};
		const queue = makeQueue(handler);
		await queue.start();
		await Promise.all(Array.from({ length: 12 }, (_, i) => queue.send(`m${i}`)));
		const left = await queue.stop(50);
		expect(left).toBe(12);
		expect(await files("queue")).toHaveLength(12);

		const next = makeQueue(handler);
		await next.start();
		await next.drain();
		expect(delivered.size).toBe(12);
		expect(await files("queue")).toEqual([]);
	});
});
