import { mkdtemp, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
	CompleteMultipartUploadCommand,
	CopyObjectCommand,
	CreateBucketCommand,
	CreateMultipartUploadCommand,
	GetObjectCommand,
	HeadObjectCommand,
	PutObjectCommand,
	type S3Client,
	UploadPartCommand,
} from "@aws-sdk/client-s3";
import type { S3Event } from "aws-lambda";
import S3rver from "s3rver";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseS3Notification } from "../../functions/lib/s3-event.ts";
import { LocalUploadInventory } from "../../local/local-upload-inventory.ts";
import { localS3Client } from "../../local/stack.ts";
import { LocalVersionStore } from "../../local/version-store.ts";
import { type VersionedUploads, versionUploads } from "../../local/versioned-uploads.ts";
import { makeBundle, makeManifest } from "../helpers/bundles.ts";

const BUCKET = "syndicate-ingest";

interface Server {
	s3: S3Client;
	notifications: string[];
	gate: VersionedUploads;
	stop(): Promise<void>;
}

let dir: string;
let server: Server;

async function startServer(): Promise<Server> {
	const s3rver = new S3rver({
		address: "127.0.0.1",
		port: 0,
		directory: join(dir, "s3"),
		silent: true,
	});
	const notifications: string[] = [];
	const gate = await versionUploads(s3rver, {
		bucket: BUCKET,
		prefix: "incoming/",
		region: "us-east-1",
		versions: new LocalVersionStore(join(dir, "versions")),
		notify: async (body) => {
			notifications.push(body);
		},
	});
	const { port } = (await s3rver.run()) as AddressInfo;
	const s3 = localS3Client(`http://127.0.0.1:${port}`);
	await s3.send(new CreateBucketCommand({ Bucket: BUCKET })).catch(() => undefined);
	return {
		s3,
		notifications,
		gate,
		async stop() {
			s3.destroy();
			await s3rver.close();
		},
	};
}

beforeEach(async () => {
	dir = await mkdtemp(join(tmpdir(), "versioned-uploads-"));
	server = await startServer();
});
afterEach(async () => {
	await server.stop();
	await rm(dir, { recursive: true, force: true });
});

function objectOf(body: string) {
	const event = JSON.parse(body) as S3Event;
	const [record] = event.Records;
	if (!record) throw new Error("no record");
	return { eventName: record.eventName, ...record.s3.object };
}

async function getBytes(key: string, versionId?: string): Promise<Buffer> {
	const response = await server.s3.send(
		new GetObjectCommand({ Bucket: BUCKET, Key: key, VersionId: versionId }),
	);
	return Buffer.from(await (response.Body?.transformToByteArray() ?? new Uint8Array()));
}

describe("versioned uploads on s3rver", () => {
	it("keeps both of two quick uploads to one key, each with its own version and event", async () => {
		const key = "incoming/science-news/same key+x.zip";
		const first = makeBundle({ manifest: makeManifest({ id: "first" }) });
		const second = makeBundle({ manifest: makeManifest({ id: "second" }) });
		const [a, b] = await Promise.all([
			server.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: first })),
			server.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: second })),
		]);
		expect(a.VersionId).toBeDefined();
		expect(b.VersionId).toBeDefined();
		expect(a.VersionId).not.toBe(b.VersionId);

		const events = server.notifications.map(objectOf);
		expect(events).toHaveLength(2);
		for (const event of events) {
			expect(event.eventName).toBe("ObjectCreated:Put");
			// Encoded as S3 encodes keys; the handler decodes it once.
			expect(event.key).toBe("incoming/science-news/same+key%2Bx.zip");
		}
		const [older, newer] = [...events].sort((x, y) =>
			x.sequencer.padStart(32, "0").localeCompare(y.sequencer.padStart(32, "0")),
		);
		expect(older?.sequencer).not.toBe(newer?.sequencer);
		// The current object is the upload with the greater sequencer.
		const current = await getBytes(key);
		const newerVersion = newer?.versionId;
		expect(current.equals(await getBytes(key, newerVersion))).toBe(true);

		const byVersion = new Map([
			[a.VersionId, first],
			[b.VersionId, second],
		]);
		for (const [versionId, bytes] of byVersion) {
			expect((await getBytes(key, versionId)).equals(Buffer.from(bytes))).toBe(true);
			const head = await server.s3.send(
				new HeadObjectCommand({ Bucket: BUCKET, Key: key, VersionId: versionId }),
			);
			expect(head).toMatchObject({ ContentLength: bytes.byteLength, VersionId: versionId });
			expect(head.ETag).toMatch(/^"[0-9a-f]{32}"$/);
			expect(head.LastModified).toBeInstanceOf(Date);
		}
		const parsed = server.notifications.flatMap(parseS3Notification);
		expect(parsed.map((upload) => upload.key)).toEqual([key, key]);
		expect(new Set(parsed.map((upload) => upload.versionId))).toEqual(
			new Set([a.VersionId, b.VersionId]),
		);
	});

	it("answers NoSuchVersion for a version that is not that key's", async () => {
		await server.s3.send(
			new PutObjectCommand({ Bucket: BUCKET, Key: "incoming/p/a.zip", Body: "a" }),
		);
		const [event] = server.notifications.map(objectOf);
		await expect(getBytes("incoming/p/other.zip", event?.versionId)).rejects.toMatchObject({
			name: "NoSuchVersion",
		});
		await expect(getBytes("incoming/p/a.zip", "../../etc/passwd")).rejects.toBeDefined();
	});

	it("leaves keys outside incoming/ and other buckets alone", async () => {
		await server.s3.send(
			new PutObjectCommand({ Bucket: BUCKET, Key: "reports/p/a.zip.json", Body: "{}" }),
		);
		expect(server.notifications).toEqual([]);
		const inventory = new LocalUploadInventory(new LocalVersionStore(join(dir, "versions")));
		const listed = [];
		for await (const upload of inventory.list("incoming/")) listed.push(upload);
		expect(listed).toEqual([]);
	});

	it("versions multipart uploads and copies too", async () => {
		const key = "incoming/p/multi.zip";
		const { UploadId } = await server.s3.send(
			new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: key }),
		);
		const parts = [Buffer.alloc(1024, 1), Buffer.alloc(512, 2)];
		const etags = [];
		for (const [i, body] of parts.entries()) {
			const { ETag } = await server.s3.send(
				new UploadPartCommand({
					Bucket: BUCKET,
					Key: key,
					UploadId,
					PartNumber: i + 1,
					Body: body,
				}),
			);
			etags.push({ ETag, PartNumber: i + 1 });
		}
		await server.s3.send(
			new CompleteMultipartUploadCommand({
				Bucket: BUCKET,
				Key: key,
				UploadId,
				MultipartUpload: { Parts: etags },
			}),
		);
		await server.s3.send(
			new CopyObjectCommand({
				Bucket: BUCKET,
				Key: "incoming/p/copy.zip",
				CopySource: `${BUCKET}/${key}`,
			}),
		);
		const events = server.notifications.map(objectOf);
		expect(events.map((e) => [e.eventName, e.key, e.size])).toEqual([
			["ObjectCreated:CompleteMultipartUpload", key, 1536],
			["ObjectCreated:Copy", "incoming/p/copy.zip", 1536],
		]);
		for (const event of events)
			expect((await getBytes(decodeURIComponent(event.key), event.versionId)).length).toBe(1536);
	});

	it("refuses uploads once it stops accepting, and versions nothing for them", async () => {
		server.gate.stopAccepting();
		await expect(
			server.s3.send(
				new PutObjectCommand({ Bucket: BUCKET, Key: "incoming/p/late.zip", Body: "late" }),
			),
		).rejects.toMatchObject({ $metadata: { httpStatusCode: 503 } });
		// The handler's own writes go on while the queue drains.
		await server.s3.send(
			new PutObjectCommand({ Bucket: BUCKET, Key: "reports/p/a.zip.json", Body: "{}" }),
		);
		expect(server.notifications).toEqual([]);
	});

	it("keeps sequencers increasing across restarts", async () => {
		await server.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: "incoming/p/a", Body: "1" }));
		await server.stop();
		server = await startServer();
		await server.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: "incoming/p/a", Body: "2" }));
		const inventory = new LocalUploadInventory(new LocalVersionStore(join(dir, "versions")));
		const versions = [];
		for await (const upload of inventory.list("incoming/")) versions.push(upload);
		expect(versions.map((v) => v.size)).toEqual([1, 1]);
		// This server's only event is the second upload's: after the first one's.
		const [event] = server.notifications.map(objectOf);
		expect(versions[1]?.versionId).toBe(event?.versionId);
		expect((versions[0]?.versionId ?? "") < (versions[1]?.versionId ?? "")).toBe(true);
	});
});
