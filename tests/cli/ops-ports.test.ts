import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoDbHealthStore } from "#shared/adapters/dynamodb/dynamodb-health-store.ts";
import { InMemoryHealthStore } from "#shared/adapters/memory/in-memory-health-store.ts";
import { notifiedObjectsOf } from "#shared/domain/notified-objects.ts";
import { describeError } from "#shared/lib/describe-error.ts";
import { recordingIngestFailures } from "#shared/lib/health-notes.ts";
import type { HealthStore, IngestQueues } from "#shared/ports/uploads.ts";
import { makeListDeadLetters } from "#shared/use-cases/list-dead-letters.ts";
import { FolderIngestQueues } from "../../local/folder-ingest-queues.ts";
import { listMessages, readMessage, writeMessage } from "../../local/queue-folder.ts";
import { startTestDynamoDb, type TestTable } from "../helpers/dynamodb.ts";

const at = (iso: string) => new Date(iso);

/** One suite every HealthStore adapter passes. */
function healthStoreContract(name: string, make: () => Promise<HealthStore>) {
	describe(`${name} as a HealthStore`, () => {
		it("keeps the newest sweep and publish, whatever order they are noted in", async () => {
			const store = await make();
			expect(await store.readHealth()).toEqual({});
			await store.recordSweep(at("2026-03-01T10:00:05Z"), 3);
			await store.recordSweep(at("2026-03-01T10:00:01Z"), 9);
			await store.recordPublish(at("2026-03-01T10:00:02Z"), 4);
			expect(await store.readHealth()).toEqual({
				lastSweep: { at: "2026-03-01T10:00:05.000Z", targets: 3 },
				lastPublish: { at: "2026-03-01T10:00:02.000Z", targets: 4 },
			});
		});

		it("counts the failures of one upload and keeps the first time and the last error", async () => {
			const store = await make();
			const key = "incoming/p/a b+c.zip";
			expect(await store.getIngestFailure(key, "v1")).toBeUndefined();
			await store.recordIngestFailure({
				key,
				uploadId: "v1",
				error: "first",
				at: at("2026-03-01T10:00:00Z"),
			});
			await store.recordIngestFailure({
				key,
				uploadId: "v1",
				error: "x".repeat(5000),
				at: at("2026-03-01T10:00:09Z"),
			});
			await store.recordIngestFailure({
				key,
				uploadId: "v2",
				error: "other",
				at: at("2026-03-01T10:00:10Z"),
			});
			const failure = await store.getIngestFailure(key, "v1");
			expect(failure).toMatchObject({
				key,
				uploadId: "v1",
				failures: 2,
				firstFailedAt: "2026-03-01T10:00:00.000Z",
				lastFailedAt: "2026-03-01T10:00:09.000Z",
			});
			expect(failure?.lastError).toHaveLength(1000);
			expect(await store.getIngestFailure(key, "v2")).toMatchObject({
				failures: 1,
				lastError: "other",
			});
		});

		it("keeps every discarded dead letter, newest first", async () => {
			const store = await make();
			expect(await store.listDiscards(10)).toEqual([]);
			const discard = (messageId: string, when: string) => ({
				messageId,
				keys: [`incoming/p/${messageId}.zip`],
				reason: `reason ${messageId}`,
				by: "ops",
				at: at(when).toISOString(),
			});
			await store.recordDiscard(discard("m-2", "2026-03-01T10:00:05Z"));
			await store.recordDiscard(discard("m-1", "2026-03-01T10:00:01Z"));
			await store.recordDiscard({ ...discard("m-3", "2026-03-01T10:00:09Z"), keys: [] });
			expect(await store.listDiscards(10)).toEqual([
				{ ...discard("m-3", "2026-03-01T10:00:09Z"), keys: [] },
				discard("m-2", "2026-03-01T10:00:05Z"),
				discard("m-1", "2026-03-01T10:00:01Z"),
			]);
			expect((await store.listDiscards(2)).map((d) => d.messageId)).toEqual(["m-3", "m-2"]);
			expect(await store.listDiscards(0)).toEqual([]);
		});
	});
}

let dynamodb: TestTable;
beforeAll(async () => {
	dynamodb = await startTestDynamoDb();
});
afterAll(async () => {
	await dynamodb?.stop();
});

healthStoreContract("InMemoryHealthStore", async () => new InMemoryHealthStore());
healthStoreContract(
	"DynamoDbHealthStore",
	async () => new DynamoDbHealthStore(dynamodb.client, await dynamodb.createTable()),
);

const EVENT = JSON.stringify({
	Records: [
		{
			eventName: "ObjectCreated:Put",
			eventTime: "2026-03-01T10:00:00.000Z",
			s3: {
				bucket: { name: "ingest" },
				object: {
					key: "incoming/p/hello+world%2Bx.zip",
					eTag: "e1",
					versionId: "v1",
					sequencer: "0A",
				},
			},
		},
	],
});

describe("dead letters and failure notes", () => {
	it("reads the objects of an S3 notification as ingest decodes them, and nothing from other bodies", () => {
		expect(notifiedObjectsOf(EVENT)).toEqual([
			{
				bucket: "ingest",
				key: "incoming/p/hello world+x.zip",
				versionId: "v1",
				eTag: "e1",
				sequencer: "0A",
				eventTime: "2026-03-01T10:00:00.000Z",
			},
		]);
		expect(notifiedObjectsOf("poison")).toEqual([]);
		expect(notifiedObjectsOf('{"Event":"s3:TestEvent"}')).toEqual([]);
	});

	it("notes why ingest failed under the upload, and rethrows; a note that cannot be written changes nothing", async () => {
		const health = new InMemoryHealthStore();
		const clock = () => at("2026-03-01T10:00:00Z");
		const failing = recordingIngestFailures(
			async () => {
				throw Object.assign(new Error("The specified version\ndoes not exist."), {
					name: "NoSuchVersion",
				});
			},
			health,
			clock,
		);
		const event = { key: "incoming/p/a.zip", size: 1, versionId: "v1", eventTime: "" };
		await expect(failing(event)).rejects.toThrow("The specified version");
		expect(await health.getIngestFailure("incoming/p/a.zip", "v1")).toMatchObject({
			failures: 1,
			lastError: "NoSuchVersion: The specified version does not exist.",
		});
		const broken = new InMemoryHealthStore();
		broken.recordIngestFailure = async () => {
			throw new Error("table down");
		};
		await expect(
			recordingIngestFailures(
				async () => Promise.reject(new Error("ingest broke")),
				broken,
				clock,
			)(event),
		).rejects.toThrow("ingest broke");
		expect(describeError("plain")).toBe("plain");
	});

	it("lists a dead letter with its upload, failure note and report; a body that is no notification says so", async () => {
		const health = new InMemoryHealthStore();
		await health.recordIngestFailure({
			key: "incoming/p/hello world+x.zip",
			uploadId: "v1",
			error: "boom",
			at: at("2026-03-01T10:00:03Z"),
		});
		const queues: IngestQueues = {
			depths: async () => ({ ingest: { waiting: 0 }, deadLetter: { waiting: 2 } }),
			listDeadLetters: async () => [
				{ messageId: "m1", body: EVENT, receiveCount: 3, sentAt: "2026-03-01T10:00:00.000Z" },
				{
					messageId: "m2",
					body: "poison",
					receiveCount: 5,
					firstReceivedAt: "2026-03-01T09:00:00.000Z",
				},
			],
			redrive: async () => [],
			discard: async () => [],
		};
		const list = makeListDeadLetters({
			queues,
			health,
			uploads: {
				getUpload: async () => undefined,
				listUploads: async () => [],
				markNewest: async (record) => record,
				getNewest: async () => undefined,
			},
		});
		expect(await list()).toEqual([
			{
				messageId: "m1",
				receiveCount: 3,
				sentAt: "2026-03-01T10:00:00.000Z",
				bucket: "ingest",
				key: "incoming/p/hello world+x.zip",
				versionId: "v1",
				failures: 1,
				firstFailedAt: "2026-03-01T10:00:03.000Z",
				lastFailedAt: "2026-03-01T10:00:03.000Z",
				lastError: "boom",
				reportStatus: null,
			},
			{
				messageId: "m2",
				receiveCount: 5,
				sentAt: null,
				bucket: null,
				key: null,
				versionId: null,
				failures: null,
				firstFailedAt: "2026-03-01T09:00:00.000Z",
				lastFailedAt: null,
				lastError: "the message is not an S3 notification",
				reportStatus: null,
			},
		]);
	});
});

describe("FolderIngestQueues (the local stack's queue folders)", () => {
	let dir: string;
	beforeAll(async () => {
		dir = await mkdtemp(join(tmpdir(), "syndicate-queues-"));
	});
	afterAll(async () => {
		await rm(dir, { recursive: true, force: true });
	});

	it("lists dead letters oldest first and moves the chosen ones back as fresh messages", async () => {
		const queue = join(dir, "queue");
		const dlq = join(dir, "dlq");
		await mkdir(dlq, { recursive: true });
		for (const [i, id] of ["a", "b", "c"].entries()) {
			await writeMessage(dlq, `00000000000000${i}-000001-${id}.json`, {
				messageId: id,
				body: `body ${id}`,
				sentTimestamp: Date.parse("2026-03-01T10:00:00Z") + i,
				receiveCount: 3,
				firstReceiveTimestamp: Date.parse("2026-03-01T10:00:01Z"),
			});
		}
		const queues = new FolderIngestQueues(queue, dlq);
		expect(await queues.depths()).toEqual({ ingest: { waiting: 0 }, deadLetter: { waiting: 3 } });
		expect(await queues.listDeadLetters(2)).toEqual([
			{
				messageId: "a",
				body: "body a",
				receiveCount: 3,
				sentAt: "2026-03-01T10:00:00.000Z",
				firstReceivedAt: "2026-03-01T10:00:01.000Z",
			},
			expect.objectContaining({ messageId: "b" }),
		]);
		expect(await queues.discard(["c", "nope"])).toEqual(["c"]);
		expect((await queues.listDeadLetters(10)).map((m) => m.messageId)).toEqual(["a", "b"]);
		expect(await queues.redrive(["b", "nope"])).toEqual(["b"]);
		const [moved] = await listMessages(queue);
		expect(await readMessage(queue, moved ?? "")).toMatchObject({
			body: "body b",
			receiveCount: 0,
		});
		expect(await queues.redrive()).toEqual(["a"]);
		expect(await queues.depths()).toEqual({ ingest: { waiting: 2 }, deadLetter: { waiting: 0 } });
		expect(await queues.discard()).toEqual([]);
		expect(await queues.redrive()).toEqual([]);
	});
});
