import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseS3Notification } from "../../functions/lib/s3-event.ts";
import { FolderUploadQueue } from "../../local/folder-upload-queue.ts";
import { LocalUploadInventory } from "../../local/local-upload-inventory.ts";
import { listMessages, type QueuedMessage } from "../../local/queue-folder.ts";
import { LocalVersionStore } from "../../local/version-store.ts";
import { uploadIdOf } from "../../shared/domain/upload.ts";
import type { UploadRecord, UploadStore } from "../../shared/ports/uploads.ts";
import { makeReconcileUploads } from "../../shared/use-cases/reconcile-uploads.ts";

const NOW = new Date("2030-01-02T03:04:05.000Z");

/** Only `getUpload` matters to reconcile. */
function makeUploadStore(recorded: { key: string; uploadId: string }[]): UploadStore {
	const has = (key: string, uploadId: string) =>
		recorded.some((r) => r.key === key && r.uploadId === uploadId);
	return {
		async getUpload(key, uploadId) {
			return has(key, uploadId) ? ({ key, uploadId } as UploadRecord) : undefined;
		},
		async listUploads() {
			return [];
		},
		async markNewest(record) {
			return record;
		},
		async getNewest() {
			return undefined;
		},
	};
}

let dir: string;
beforeEach(async () => {
	dir = await mkdtemp(join(tmpdir(), "reconcile-"));
});
afterEach(async () => {
	await rm(dir, { recursive: true, force: true });
});

describe("reconcile uploads (local inventory and queue folder)", () => {
	it("queues every stored version without an upload record, as S3 would have notified it", async () => {
		const versions = new LocalVersionStore(join(dir, "versions"));
		await versions.open();
		const key = "incoming/science-news/a b+c.zip";
		const done = await versions.put(key, new Uint8Array([1]), "application/zip", NOW);
		const lost = await versions.put(key, new Uint8Array([2, 2]), "application/zip", NOW);
		await versions.put("incoming/no-partner.zip", new Uint8Array([3]), "application/zip", NOW);

		const reconcile = makeReconcileUploads({
			inventory: new LocalUploadInventory(versions),
			uploads: makeUploadStore([{ key, uploadId: done.versionId }]),
			queue: new FolderUploadQueue(join(dir, "queue")),
			bucket: "syndicate-ingest",
			region: "us-east-1",
		});
		expect(await reconcile()).toEqual({ found: 3, recorded: 1, queued: 1, ignored: 1 });

		const names = await listMessages(join(dir, "queue"));
		expect(names).toHaveLength(1);
		const message = JSON.parse(
			await readFile(join(dir, "queue", names[0] ?? ""), "utf8"),
		) as QueuedMessage;
		expect(message.receiveCount).toBe(0);
		expect(message.body).toContain('"key":"incoming/science-news/a+b%2Bc.zip"');
		const [upload] = parseS3Notification(message.body);
		expect(upload).toEqual({
			key,
			size: 2,
			eTag: lost.eTag,
			versionId: lost.versionId,
			eventTime: NOW.toISOString(),
		});
		// The same identity its own event would have given it; no sequencer, so it sorts first.
		expect(uploadIdOf(upload ?? {})).toBe(lost.versionId);
	});

	it("queues nothing when every upload has its record", async () => {
		const versions = new LocalVersionStore(join(dir, "versions"));
		await versions.open();
		const a = await versions.put("incoming/p/a.zip", new Uint8Array([1]), "application/zip", NOW);
		const reconcile = makeReconcileUploads({
			inventory: new LocalUploadInventory(versions),
			uploads: makeUploadStore([{ key: a.key, uploadId: a.versionId }]),
			queue: new FolderUploadQueue(join(dir, "queue")),
			bucket: "syndicate-ingest",
			region: "us-east-1",
		});
		expect(await reconcile()).toEqual({ found: 1, recorded: 1, queued: 0, ignored: 0 });
		expect(await listMessages(join(dir, "queue"))).toEqual([]);
	});
});
