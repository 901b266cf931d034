import { createHash } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateBucketCommand, HeadObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import S3rver from "s3rver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoDbSiteDigests } from "#shared/adapters/dynamodb/dynamodb-site-digests.ts";
import { InMemoryObjectStore } from "#shared/adapters/memory/in-memory-object-store.ts";
import { InMemorySiteDigests } from "#shared/adapters/memory/in-memory-site-digests.ts";
import { InMemoryTables } from "#shared/adapters/memory/in-memory-tables.ts";
import { S3ObjectStore } from "#shared/adapters/s3/s3-object-store.ts";
import type { SiteDigestStore } from "#shared/ports/articles.ts";
import type { ObjectStore } from "#shared/ports/uploads.ts";
import { makeSiteWriter } from "#shared/publishing/site-writer.ts";
import { localS3Client } from "../../local/stack.ts";
import { startTestDynamoDb, type TestTable } from "../helpers/dynamodb.ts";

/** Counts the requests that reach the bucket: what a publish costs in S3 calls. */
function counting(store: ObjectStore) {
	const calls = { get: 0, put: 0, delete: 0, deleteMany: 0 };
	const counted: ObjectStore = {
		get: (key, options) => {
			calls.get += 1;
			return store.get(key, options);
		},
		put: (key, body, options) => {
			calls.put += 1;
			return store.put(key, body, options);
		},
		delete: (key) => {
			calls.delete += 1;
			return store.delete(key);
		},
		deleteMany: (keys) => {
			calls.deleteMany += 1;
			return store.deleteMany(keys);
		},
	};
	return { store: counted, calls };
}

const FEED = {
	contentType: "application/rss+xml; charset=utf-8",
	cacheControl: "public, max-age=60",
};

const text = async (store: ObjectStore, key: string) => {
	const got = await store.get(key);
	return got && "bytes" in got ? new TextDecoder().decode(got.bytes) : undefined;
};

interface Setup {
	site: ObjectStore;
	digests?: () => SiteDigestStore;
	etag?: (key: string) => Promise<string | undefined>;
}

function describeSiteWriter(name: string, setup: () => Promise<Setup>) {
	describe(`site writer: ${name}`, () => {
		it("writes new and changed bytes, and nothing (no S3 request with digests) when unchanged", async () => {
			const { site, digests, etag } = await setup();
			const { store, calls } = counting(site);
			const first = makeSiteWriter(store, digests?.());
			await Promise.all([
				first.put("feeds/en/latest.rss", "<rss>1</rss>", FEED),
				first.put("en/index.html", "<p>東京</p>", { contentType: "text/html; charset=utf-8" }),
			]);
			expect([...first.changed].sort()).toEqual(["en/index.html", "feeds/en/latest.rss"]);
			expect(calls.put).toBe(2);
			const tag = await etag?.("feeds/en/latest.rss");

			const again = makeSiteWriter(store, digests?.());
			calls.get = 0;
			calls.put = 0;
			await Promise.all([
				again.put("feeds/en/latest.rss", "<rss>1</rss>", FEED),
				again.put("en/index.html", new TextEncoder().encode("<p>東京</p>"), {
					contentType: "text/html; charset=utf-8",
				}),
			]);
			expect(again.changed.size).toBe(0);
			expect(calls.put).toBe(0);
			// With digests the comparison costs no S3 request; reading back costs one GET a key.
			expect(calls.get).toBe(digests ? 0 : 2);
			expect(again.requests).toEqual({ get: digests ? 0 : 2, put: 0, delete: 0 });
			if (etag) expect(await etag("feeds/en/latest.rss")).toBe(tag);

			const changed = makeSiteWriter(store, digests?.());
			await changed.put("feeds/en/latest.rss", "<rss>2</rss>", FEED);
			expect([...changed.changed]).toEqual(["feeds/en/latest.rss"]);
			expect(await text(site, "feeds/en/latest.rss")).toBe("<rss>2</rss>");
			if (etag) expect(await etag("feeds/en/latest.rss")).not.toBe(tag);
		});

		it("deletes only what exists, and remembers what it deleted", async () => {
			const { site, digests } = await setup();
			const { store, calls } = counting(site);
			const writer = makeSiteWriter(store, digests?.());
			await writer.put("en/articles/p/a", "<p>a</p>");
			await writer.put("media/en/p/a/x.png", new Uint8Array([1, 2, 3]));
			await writer.delete("en/articles/p/a");
			expect(await site.get("en/articles/p/a")).toBeUndefined();
			expect(writer.changed.has("en/articles/p/a")).toBe(true);

			const later = makeSiteWriter(store, digests?.());
			calls.delete = 0;
			calls.deleteMany = 0;
			await later.delete("en/articles/p/a");
			await later.deleteMany(["en/articles/p/a", "media/en/p/a/x.png", "media/en/p/a/x.png"]);
			expect([...later.changed]).toEqual(["media/en/p/a/x.png"]);
			expect(calls.delete).toBe(0);
			expect(calls.deleteMany).toBe(1);
			expect(await site.get("media/en/p/a/x.png")).toBeUndefined();
			await later.deleteMany([]);
			expect(calls.deleteMany).toBe(1);
		});

		it("a key written twice in one publish is compared with what it wrote first", async () => {
			const { site, digests } = await setup();
			const writer = makeSiteWriter(site, digests?.());
			await writer.put("feeds/index.opml", "<opml/>", FEED);
			await writer.put("feeds/index.opml", "<opml/>", FEED);
			expect(writer.requests.put).toBe(1);
			await writer.put("feeds/index.opml", "<opml>2</opml>", FEED);
			expect(writer.requests.put).toBe(2);
			expect(await text(site, "feeds/index.opml")).toBe("<opml>2</opml>");
		});
	});
}

describeSiteWriter("in memory, reading back", async () => ({ site: new InMemoryObjectStore() }));
describeSiteWriter("in memory, with digests", async () => {
	const tables = new InMemoryTables();
	return { site: new InMemoryObjectStore(), digests: () => new InMemorySiteDigests(tables) };
});

describe("site writer with digests: headers count", () => {
	it("rewrites an object whose bytes are the same but whose content type changed", async () => {
		const tables = new InMemoryTables();
		const site = new InMemoryObjectStore();
		const first = makeSiteWriter(site, new InMemorySiteDigests(tables));
		await first.put("feeds/index.opml", "<opml/>", { contentType: "text/xml" });
		const second = makeSiteWriter(site, new InMemorySiteDigests(tables));
		await second.put("feeds/index.opml", "<opml/>", { contentType: "text/x-opml; charset=utf-8" });
		expect(second.changed.has("feeds/index.opml")).toBe(true);
		expect(site.head("feeds/index.opml")?.contentType).toBe("text/x-opml; charset=utf-8");
	});
});

describe("site writer with digests: read ahead", () => {
	/** Digests in memory whose every read is recorded, by the keys it asked for. */
	function recordedDigests(tables: InMemoryTables) {
		const reads: string[][] = [];
		const store = new InMemorySiteDigests(tables);
		const digests: SiteDigestStore = {
			getDigests: (keys) => {
				reads.push([...keys].sort());
				return store.getDigests(keys);
			},
			putDigests: (entries) => store.putDigests(entries),
		};
		return { digests, reads };
	}

	it("reads the digests of expected keys in one request, and compares each write with them", async () => {
		const tables = new InMemoryTables();
		const site = new InMemoryObjectStore();
		await makeSiteWriter(site, new InMemorySiteDigests(tables)).put("a.html", "same");
		const { digests, reads } = recordedDigests(tables);
		const out = makeSiteWriter(site, digests);
		out.expect(["a.html", "b.html"]);
		// Written one after the other, as renders that end at different times write.
		await out.put("a.html", "same");
		await out.put("b.html", "new");
		await out.put("c.html", "not expected");
		expect(reads).toEqual([["a.html", "b.html"], ["c.html"]]);
		expect([...out.changed].sort()).toEqual(["b.html", "c.html"]);
	});

	it("a failed read ahead fails only the write that uses it", async () => {
		const failing: SiteDigestStore = {
			getDigests: async () => {
				throw new Error("digests unreachable");
			},
			putDigests: async () => undefined,
		};
		const out = makeSiteWriter(new InMemoryObjectStore(), failing);
		// Never written: its failed read must not surface as an unhandled rejection.
		out.expect(["never.html"]);
		out.expect(["used.html"]);
		await expect(out.put("used.html", "x")).rejects.toThrow("digests unreachable");
		await new Promise((resolve) => setImmediate(resolve));
	});
});

describe("site writer with digests: store, then settle", () => {
	/** Digests whose writes wait until `release()`, or fail with `fail()`. */
	function heldDigests(tables: InMemoryTables) {
		const store = new InMemorySiteDigests(tables);
		let open: () => void = () => undefined;
		let refuse: (error: Error) => void = () => undefined;
		const gate = new Promise<void>((resolve, reject) => {
			open = resolve;
			refuse = reject;
		});
		gate.catch(() => undefined);
		const digests: SiteDigestStore = {
			getDigests: (keys) => store.getDigests(keys),
			putDigests: async (entries) => {
				await gate;
				await store.putDigests(entries);
			},
		};
		return { digests, release: () => open(), fail: (error: Error) => refuse(error) };
	}

	it("resolves a store once the object is written, and settled() once its digest is recorded", async () => {
		const tables = new InMemoryTables();
		const site = new InMemoryObjectStore();
		const { digests, release } = heldDigests(tables);
		const out = makeSiteWriter(site, digests);
		// A photo, then the page that shows it: the page need not wait for the photo's record.
		await out.store("media/en/p/a/x.png", new Uint8Array([1, 2, 3]));
		expect(await site.get("media/en/p/a/x.png")).toBeDefined();
		expect(tables.siteDigests.has("media/en/p/a/x.png")).toBe(false);

		let settled = false;
		const settling = out.settled().then(() => {
			settled = true;
		});
		await new Promise((resolve) => setImmediate(resolve));
		expect(settled).toBe(false);
		release();
		await settling;
		expect(tables.siteDigests.has("media/en/p/a/x.png")).toBe(true);
		// Unchanged the next time: nothing written, nothing left to settle.
		await out.store("media/en/p/a/x.png", new Uint8Array([1, 2, 3]));
		await out.settled();
		expect(out.requests.put).toBe(1);
	});

	it("fails settled(), not the store nor the process, when a digest record fails", async () => {
		const { digests, fail } = heldDigests(new InMemoryTables());
		const out = makeSiteWriter(new InMemoryObjectStore(), digests);
		await out.store("media/en/p/a/y.png", new Uint8Array([4]));
		fail(new Error("digests unreachable"));
		await new Promise((resolve) => setImmediate(resolve));
		await expect(out.settled()).rejects.toThrow("digests unreachable");
	});
});

let s3rver: S3rver;
let s3: S3Client;
let s3Dir: string;
let db: TestTable;
let buckets = 0;

beforeAll(async () => {
	s3Dir = await mkdtemp(join(tmpdir(), "site-writer-"));
	s3rver = new S3rver({ address: "127.0.0.1", port: 0, silent: true, directory: s3Dir });
	const [{ port }, table] = await Promise.all([s3rver.run(), startTestDynamoDb()]);
	db = table;
	s3 = localS3Client(`http://127.0.0.1:${port}`);
});
afterAll(async () => {
	s3?.destroy();
	await Promise.all([s3rver?.close(), db?.stop()]);
	if (s3Dir) await rm(s3Dir, { recursive: true, force: true });
});

async function s3Setup(withDigests: boolean): Promise<Setup> {
	const bucket = `site-${++buckets}`;
	await s3.send(new CreateBucketCommand({ Bucket: bucket }));
	const table = withDigests ? await db.createTable() : "";
	return {
		site: new S3ObjectStore(s3, bucket),
		...(withDigests ? { digests: () => new DynamoDbSiteDigests(db.client, table) } : {}),
		etag: async (key) => (await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))).ETag,
	};
}

describeSiteWriter("s3rver, reading back", () => s3Setup(false));
describeSiteWriter("s3rver, with DynamoDB digests", () => s3Setup(true));

describe("site digests", () => {
	it("are the sha256 of the headers and the bytes, stable across runs", async () => {
		const tables = new InMemoryTables();
		await makeSiteWriter(new InMemoryObjectStore(), new InMemorySiteDigests(tables)).put("a", "x", {
			contentType: "t",
			cacheControl: "c",
		});
		expect(tables.siteDigests.get("a")).toBe(createHash("sha256").update("t\nc\nx").digest("hex"));
	});
});
