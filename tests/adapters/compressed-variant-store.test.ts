import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { CreateBucketCommand, HeadObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import S3rver from "s3rver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InMemoryObjectStore } from "#shared/adapters/memory/in-memory-object-store.ts";
import { InMemorySiteDigests } from "#shared/adapters/memory/in-memory-site-digests.ts";
import { InMemoryTables } from "#shared/adapters/memory/in-memory-tables.ts";
import { S3ObjectStore } from "#shared/adapters/s3/s3-object-store.ts";
import { CompressedVariantStore } from "#shared/adapters/zlib/compressed-variant-store.ts";
import { EDGE_UNCOMPRESSED_EXTENSIONS } from "#shared/domain/compressed-variants.ts";
import { FEED_FORMATS, OPML_CONTENT_TYPE } from "#shared/domain/feeds/formats.ts";
import type { ObjectStore } from "#shared/ports/uploads.ts";
import { makeSiteWriter } from "#shared/publishing/site-writer.ts";
import { localS3Client } from "../../local/stack.ts";
import { describeObjectStoreContract } from "../contracts/object-store.contract.ts";

const ATOM = {
	contentType: "application/atom+xml; charset=utf-8",
	cacheControl: "public, max-age=60",
};
const RSS = {
	contentType: "application/rss+xml; charset=utf-8",
	cacheControl: "public, max-age=60",
};
// Large enough for compression to matter, and to round-trip a multi-byte body.
const FEED = `<feed xmlns="http://www.w3.org/2005/Atom">${"<entry><title>東京 &amp; 大阪</title></entry>".repeat(200)}</feed>`;

function bytesOf(result: Awaited<ReturnType<ObjectStore["get"]>>): Uint8Array {
	if (!result || !("bytes" in result)) throw new Error(`no bytes: ${JSON.stringify(result)}`);
	return result.bytes;
}

function variantStore() {
	const bucket = new InMemoryObjectStore();
	return { bucket, store: new CompressedVariantStore(bucket) };
}

describeObjectStoreContract("CompressedVariantStore on InMemoryObjectStore", async () => {
	return new CompressedVariantStore(new InMemoryObjectStore());
});

describe("the list of formats CloudFront does not compress", () => {
	// The media types of CloudFront's list ("File types that CloudFront compresses",
	// ServingCompressedFiles.html) among those the site serves.
	const cloudFrontCompresses = ["application/rss+xml", "application/json", "text/html"];

	it("names exactly the site's feed formats and OPML that CloudFront leaves uncompressed", () => {
		const served = [
			...FEED_FORMATS.map(({ format, contentType }) => ({ extension: format, contentType })),
			{ extension: "opml", contentType: OPML_CONTENT_TYPE },
		];
		const uncompressed = served
			.filter(({ contentType }) => !cloudFrontCompresses.includes(contentType.split(";")[0] ?? ""))
			.map(({ extension }) => extension);
		expect([...EDGE_UNCOMPRESSED_EXTENSIONS].sort()).toEqual(uncompressed.sort());
	});
});

describe("CompressedVariantStore", () => {
	it.each([
		"feeds/en/latest.atom",
		"feeds/en/partners/science-news.json",
		"feeds/zh-Hant/subjects/energy.atom",
		"feeds/index.opml",
	])("stores %s with a Brotli and a gzip copy that decompress to its bytes", async (key) => {
		const { bucket, store } = variantStore();
		await store.put(key, FEED, ATOM);
		expect(bucket.keys()).toEqual([key, `${key}.br`, `${key}.gz`].sort());
		const original = bytesOf(await bucket.get(key));
		expect(new TextDecoder().decode(original)).toBe(FEED);
		const br = bytesOf(await bucket.get(`${key}.br`));
		const gz = bytesOf(await bucket.get(`${key}.gz`));
		expect(new Uint8Array(brotliDecompressSync(br))).toEqual(original);
		expect(new Uint8Array(gunzipSync(gz))).toEqual(original);
		expect(br.byteLength).toBeLessThan(original.byteLength / 4);
		expect(gz.byteLength).toBeLessThan(original.byteLength / 4);
		// The document's own headers, and the coding of each copy.
		expect(bucket.head(`${key}.br`)).toMatchObject({ ...ATOM, contentEncoding: "br" });
		expect(bucket.head(`${key}.gz`)).toMatchObject({ ...ATOM, contentEncoding: "gzip" });
		expect(bucket.head(key)?.contentEncoding).toBeUndefined();
	});

	it.each([
		["an RSS feed, which CloudFront compresses", "feeds/en/latest.rss"],
		["a page", "en/index.html"],
		["an archive document, written once and never again", "feeds/en/latest/archive/3.atom"],
		["a partner feed's archive", "feeds/en/partners/science-news/archive/1.json"],
		["a JSON file outside the feeds", "media/en/p/a/data.json"],
	])("stores %s as it is, without copies", async (_, key) => {
		const { bucket, store } = variantStore();
		await store.put(key, FEED, RSS);
		expect(bucket.keys()).toEqual([key]);
		expect(store.variantsOf(key)).toEqual([]);
	});

	it("writes the copies before the document, and not the document when a copy fails", async () => {
		const bucket = new InMemoryObjectStore();
		const order: string[] = [];
		let failing = false;
		const recording: ObjectStore = {
			get: (key, options) => bucket.get(key, options),
			put: async (key, body, options) => {
				if (failing && key.endsWith(".gz")) throw new Error("S3 is down");
				order.push(key);
				await bucket.put(key, body, options);
			},
			delete: (key) => bucket.delete(key),
			deleteMany: (keys) => bucket.deleteMany(keys),
		};
		const store = new CompressedVariantStore(recording);
		await store.put("feeds/en/latest.json", "{}", ATOM);
		expect(order.at(-1)).toBe("feeds/en/latest.json");
		expect(order.slice(0, 2).sort()).toEqual([
			"feeds/en/latest.json.br",
			"feeds/en/latest.json.gz",
		]);

		failing = true;
		await expect(store.put("feeds/en/updated.json", "{}", ATOM)).rejects.toThrow("S3 is down");
		expect(bucket.keys()).not.toContain("feeds/en/updated.json");
	});

	it("deletes a document's copies with it, one at a time or many at once", async () => {
		const { bucket, store } = variantStore();
		for (const key of ["feeds/en/latest.atom", "feeds/en/latest.json", "feeds/en/latest.rss"]) {
			await store.put(key, FEED, ATOM);
		}
		await store.put("feeds/index.opml", FEED, ATOM);
		await store.delete("feeds/en/latest.atom");
		await store.delete("feeds/en/latest.rss");
		expect(bucket.keys()).toEqual([
			"feeds/en/latest.json",
			"feeds/en/latest.json.br",
			"feeds/en/latest.json.gz",
			"feeds/index.opml",
			"feeds/index.opml.br",
			"feeds/index.opml.gz",
		]);
		await store.deleteMany(["feeds/en/latest.json", "feeds/index.opml", "never-there"]);
		expect(bucket.keys()).toEqual([]);
	});

	it("makes a digest-keeping writer rewrite documents stored before it wrote copies, once", async () => {
		const tables = new InMemoryTables();
		const digests = new InMemorySiteDigests(tables);
		const bucket = new InMemoryObjectStore();
		const documents = ["feeds/en/latest.atom", "feeds/en/latest.rss", "feeds/index.opml"];
		// Published before the store wrote copies: digests recorded, no copies in the bucket.
		const before = makeSiteWriter(bucket, digests);
		await Promise.all(documents.map((key) => before.put(key, FEED, ATOM)));
		expect(bucket.keys()).toEqual([...documents].sort());

		const after = makeSiteWriter(new CompressedVariantStore(bucket), digests);
		await Promise.all(documents.map((key) => after.put(key, FEED, ATOM)));
		expect([...after.changed].sort()).toEqual(["feeds/en/latest.atom", "feeds/index.opml"]);
		expect(bucket.keys()).toContain("feeds/en/latest.atom.gz");
		expect(bucket.keys()).toContain("feeds/index.opml.br");

		const again = makeSiteWriter(new CompressedVariantStore(bucket), digests);
		await Promise.all(documents.map((key) => again.put(key, FEED, ATOM)));
		expect(again.changed.size).toBe(0);
		expect(again.requests).toEqual({ get: 0, put: 0, delete: 0 });
	});
});

describe("CompressedVariantStore on S3 (s3rver)", () => {
	let s3rver: S3rver;
	let s3: S3Client;
	let dir: string;

	beforeAll(async () => {
		dir = await mkdtemp(join(tmpdir(), "compressed-variants-"));
		s3rver = new S3rver({ address: "127.0.0.1", port: 0, silent: true, directory: dir });
		const { port } = await s3rver.run();
		s3 = localS3Client(`http://127.0.0.1:${port}`);
		await s3.send(new CreateBucketCommand({ Bucket: "site" }));
	});
	afterAll(async () => {
		s3?.destroy();
		await s3rver?.close();
		if (dir) await rm(dir, { recursive: true, force: true });
	});

	it("stores each copy with the document's Content-Type and Cache-Control and its Content-Encoding", async () => {
		const store = new CompressedVariantStore(new S3ObjectStore(s3, "site"));
		await store.put("feeds/en/latest.atom", FEED, ATOM);
		const head = (Key: string) => s3.send(new HeadObjectCommand({ Bucket: "site", Key }));
		for (const [suffix, coding] of [
			[".br", "br"],
			[".gz", "gzip"],
		]) {
			expect(await head(`feeds/en/latest.atom${suffix}`)).toMatchObject({
				ContentType: ATOM.contentType,
				CacheControl: ATOM.cacheControl,
				ContentEncoding: coding,
			});
		}
		expect((await head("feeds/en/latest.atom")).ContentEncoding).toBeUndefined();
		const read = bytesOf(await store.get("feeds/en/latest.atom.gz"));
		expect(gunzipSync(read).toString("utf8")).toBe(FEED);
	});
});
