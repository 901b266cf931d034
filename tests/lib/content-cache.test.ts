import { describe, expect, it } from "vitest";
import { InMemoryObjectStore } from "#shared/adapters/memory/in-memory-object-store.ts";
import { cachingContent } from "#shared/lib/content-cache.ts";
import type { ObjectStore } from "#shared/ports/uploads.ts";

const SHA = "a".repeat(64);
const BODY = `content/${SHA}/body.html`;
const PHOTO = `content/${SHA}/images/photo.png`;
// The archived bundle, named by the same hash: the publisher reads photos from it.
const ARCHIVE = `archive/science-news/${SHA}.zip`;

/** The store beneath, counting the reads that reach it. */
function countingStore() {
	const store = new InMemoryObjectStore();
	const reads: string[] = [];
	const counted: ObjectStore = {
		get: (key, options) => {
			reads.push(key);
			return store.get(key, options);
		},
		put: (key, body, options) => store.put(key, body, options),
		delete: (key) => store.delete(key),
		deleteMany: (keys) => store.deleteMany(keys),
	};
	return { store, counted, reads };
}

const text = (object: Awaited<ReturnType<ObjectStore["get"]>>) =>
	object && "bytes" in object ? new TextDecoder().decode(object.bytes) : undefined;

describe("article content kept in memory by the process that wrote it", () => {
	it("reads back what it stored without asking the store; the store has it too", async () => {
		const { store, counted, reads } = countingStore();
		const cache = cachingContent(counted);
		await cache.put(BODY, "<p>Body</p>", { contentType: "text/html" });
		await cache.put(PHOTO, new Uint8Array([1, 2, 3]), { contentType: "image/png" });
		await cache.put(ARCHIVE, new Uint8Array([4, 5]), { contentType: "application/zip" });
		expect(text(await cache.get(BODY))).toBe("<p>Body</p>");
		expect(await cache.get(PHOTO)).toEqual({ bytes: new Uint8Array([1, 2, 3]) });
		expect(await cache.get(ARCHIVE)).toEqual({ bytes: new Uint8Array([4, 5]) });
		expect(reads).toEqual([]);
		expect(text(await store.get(BODY))).toBe("<p>Body</p>");
	});

	it("a put replaces what is kept, a delete forgets it", async () => {
		const { counted, reads } = countingStore();
		const cache = cachingContent(counted);
		await cache.put(BODY, "first");
		await cache.put(BODY, "second");
		expect(text(await cache.get(BODY))).toBe("second");
		await cache.delete(BODY);
		expect(await cache.get(BODY)).toBeUndefined();
		expect(reads).toEqual([BODY]);
	});

	it("keeps only content keys, and not a version asked for by id or over maxBytes", async () => {
		const { counted, reads } = countingStore();
		const cache = cachingContent(counted);
		await cache.put("reports/science-news/a.zip.json", "{}");
		await cache.get("reports/science-news/a.zip.json");
		// An upload's own key is not named by its hash: a re-upload changes its bytes.
		await cache.put("incoming/science-news/a.zip", "zip");
		await cache.get("incoming/science-news/a.zip");
		await cache.put(BODY, "0123456789");
		expect(await cache.get(BODY, { maxBytes: 4 })).toEqual({ tooLarge: 10 });
		expect(reads).toEqual(["reports/science-news/a.zip.json", "incoming/science-news/a.zip", BODY]);
	});

	it("forgets the least recently used past its budget, and reads it again from the store", async () => {
		const { counted, reads } = countingStore();
		const cache = cachingContent(counted, 40);
		const keys = [0, 1, 2].map((i) => `content/${String(i).repeat(64)}/body.html`);
		for (const key of keys) await cache.put(key, "x".repeat(10));
		await cache.get(keys[0] ?? "");
		await cache.put(`content/${"3".repeat(64)}/body.html`, "x".repeat(10));
		await cache.put(`content/${"4".repeat(64)}/body.html`, "x".repeat(10));
		expect(reads).toEqual([]);
		// 50 bytes kept would be over 40: the oldest unread (key 1) went first.
		expect(text(await cache.get(keys[1] ?? ""))).toBe("x".repeat(10));
		expect(reads).toEqual([keys[1]]);
		await cache.get(keys[0] ?? "");
		expect(reads).toEqual([keys[1]]);
	});

	it("keeps its own copy of bytes that are a view into a larger buffer (a photo in a zip)", async () => {
		const { counted } = countingStore();
		const cache = cachingContent(counted);
		const zip = new Uint8Array([9, 9, 1, 2, 3, 9, 9]);
		await cache.put(PHOTO, zip.subarray(2, 5));
		zip.fill(0);
		expect(await cache.get(PHOTO)).toEqual({ bytes: new Uint8Array([1, 2, 3]) });
	});
});
