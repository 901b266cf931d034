import { mkdtemp, readdir, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
	CreateBucketCommand,
	DeleteObjectCommand,
	GetObjectCommand,
	HeadObjectCommand,
	ListObjectsCommand,
	ListObjectsV2Command,
	PutObjectCommand,
	paginateListObjectsV2,
	type S3Client,
} from "@aws-sdk/client-s3";
import S3rver from "s3rver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deleteWithoutBlocking } from "../../local/s3rver-deletes.ts";
import { behaveLikeS3 } from "../../local/s3rver-keys.ts";
import { localS3Client } from "../../local/stack.ts";

const BUCKET = "ingest";
const MANY = "many";
let dir: string;
let s3: S3Client;
let s3rver: S3rver;

beforeAll(async () => {
	dir = await mkdtemp(join(tmpdir(), "s3rver-keys-"));
	s3rver = new S3rver({ address: "127.0.0.1", port: 0, directory: dir, silent: true });
	behaveLikeS3(s3rver);
	deleteWithoutBlocking(s3rver);
	const { port } = (await s3rver.run()) as AddressInfo;
	s3 = localS3Client(`http://127.0.0.1:${port}`);
	for (const Bucket of [BUCKET, MANY]) await s3.send(new CreateBucketCommand({ Bucket }));
});

afterAll(async () => {
	s3.destroy();
	await s3rver.close();
	await rm(dir, { recursive: true, force: true });
});

const put = (Bucket: string, Key: string, Body = Key) =>
	s3.send(new PutObjectCommand({ Bucket, Key, Body }));
const text = async (Key: string) =>
	(await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key }))).Body?.transformToString();
const listed = async (Prefix?: string) =>
	((await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix }))).Contents ?? []).map(
		({ Key }) => Key,
	);

describe("local S3 keys are literal", () => {
	it("keeps a key with `..` segments under its own prefix: no partner reaches another's report", async () => {
		await put(BUCKET, "reports/a/x.zip.json", "a's report");
		const sneaky = "incoming/b/../../reports/a/x.zip.json";
		await put(BUCKET, sneaky, "b's upload");
		expect(await text("reports/a/x.zip.json")).toBe("a's report");
		expect(await text(sneaky)).toBe("b's upload");
		expect(await listed("incoming/")).toEqual([sneaky]);
		// Nothing of the bucket's escapes its folder on disk.
		expect(await readdir(dir)).toEqual(expect.arrayContaining([BUCKET, MANY]));
		expect((await readdir(dir)).length).toBe(2);
	});

	it("round-trips dot and empty segments as keys of their own: PUT, GET, HEAD, LIST, DELETE", async () => {
		const keys = [
			"d/b",
			"d/x/../b",
			"d/./b",
			"d//b",
			"d/",
			"d/.//b",
			"d/../d/b",
			"d/%/b",
			"d/%../b",
			"d/..",
		];
		for (const key of keys) await put(BUCKET, key);
		for (const key of keys) {
			expect(await text(key), key).toBe(key);
			const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
			expect(head.ContentLength, key).toBe(Buffer.byteLength(key));
		}
		expect((await listed("d")).sort()).toEqual([...keys].sort());
		await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: "d/x/../b" }));
		expect(await text("d/b")).toBe("d/b");
		expect(await listed("d/x/")).toEqual([]);
		for (const key of keys.filter((k) => k !== "d/x/../b")) expect(await text(key), key).toBe(key);
	});
});

describe("local S3 listings page as S3 does", () => {
	// 1,150 keys in a few folders: more than the 1,000 one answer holds.
	const keys = Array.from({ length: 1150 }, (_, i) => `f${i % 3}/k${String(i).padStart(5, "0")}`);

	beforeAll(async () => {
		for (let i = 0; i < keys.length; i += 50)
			await Promise.all(keys.slice(i, i + 50).map((key) => put(MANY, key)));
	});

	it("lists more than 1,000 keys through the SDK's paginator, each exactly once, in order", async () => {
		const seen: string[] = [];
		let pages = 0;
		for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: MANY })) {
			pages++;
			for (const { Key } of page.Contents ?? []) seen.push(Key ?? "");
		}
		expect(pages).toBe(2);
		expect(seen).toEqual([...keys].sort());
	});

	it("honours MaxKeys, StartAfter and continuation tokens", async () => {
		const first = await s3.send(new ListObjectsV2Command({ Bucket: MANY, MaxKeys: 7 }));
		expect(first.IsTruncated).toBe(true);
		expect(first.KeyCount).toBe(7);
		expect(first.NextContinuationToken).toBeTruthy();
		const next = await s3.send(
			new ListObjectsV2Command({
				Bucket: MANY,
				MaxKeys: 7,
				ContinuationToken: first.NextContinuationToken,
			}),
		);
		expect(next.ContinuationToken).toBe(first.NextContinuationToken);
		const sorted = [...keys].sort();
		expect([...(first.Contents ?? []), ...(next.Contents ?? [])].map(({ Key }) => Key)).toEqual(
			sorted.slice(0, 14),
		);
		const after = await s3.send(
			new ListObjectsV2Command({ Bucket: MANY, StartAfter: sorted[1000], MaxKeys: 1000 }),
		);
		expect(after.StartAfter).toBe(sorted[1000]);
		expect(after.IsTruncated).toBe(false);
		expect((after.Contents ?? []).map(({ Key }) => Key)).toEqual(sorted.slice(1001));
	});

	it("counts common prefixes against MaxKeys and pages through them", async () => {
		const prefixes: string[] = [];
		const sizes: number[] = [];
		for await (const page of paginateListObjectsV2(
			{ client: s3, pageSize: 2 },
			{ Bucket: MANY, Delimiter: "/" },
		)) {
			expect(page.Contents ?? []).toEqual([]);
			sizes.push(page.KeyCount ?? 0);
			for (const { Prefix } of page.CommonPrefixes ?? []) prefixes.push(Prefix ?? "");
		}
		expect(prefixes).toEqual(["f0/", "f1/", "f2/"]);
		expect(sizes).toEqual([2, 1]);
	});

	it("pages ListObjects version 1 by Marker and NextMarker", async () => {
		const seen: string[] = [];
		let marker: string | undefined;
		do {
			const page = await s3.send(
				new ListObjectsCommand({ Bucket: MANY, Marker: marker, Prefix: "f1/", MaxKeys: 100 }),
			);
			for (const { Key } of page.Contents ?? []) seen.push(Key ?? "");
			marker = page.IsTruncated ? (page.NextMarker ?? seen.at(-1)) : undefined;
		} while (marker);
		expect(seen).toEqual(keys.filter((key) => key.startsWith("f1/")).sort());
	});
});
