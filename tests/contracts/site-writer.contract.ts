import { describe, expect, it } from "vitest";
import type { SiteDigestStore } from "#shared/ports/articles.ts";
import type { ObjectStore } from "#shared/ports/uploads.ts";
import { makeSiteWriter } from "#shared/publishing/site-writer.ts";

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

export interface SiteWriterSetup {
	site: ObjectStore;
	digests?: () => SiteDigestStore;
	etag?: (key: string) => Promise<string | undefined>;
}

/** What the site writer does on every bucket and digest store, whatever their backend. */
export function describeSiteWriter(name: string, setup: () => Promise<SiteWriterSetup>) {
	describe(`site writer: ${name}`, () => {
		it("replaces an object only where the site holds one, whatever the digests know", async () => {
			const { site, digests } = await setup();
			const html = { contentType: "text/html; charset=utf-8" };
			const text = async (key: string) => {
				const got = await site.get(key);
				return got && "bytes" in got ? new TextDecoder().decode(got.bytes) : undefined;
			};
			const first = makeSiteWriter(site, digests?.());
			await first.replace("en/articles/p/never", "<p>gone</p>", html);
			expect(await text("en/articles/p/never")).toBeUndefined();
			expect(first.changed.size).toBe(0);
			await first.put("en/articles/p/there", "<p>page</p>", html);

			const later = makeSiteWriter(site, digests?.());
			await later.replace("en/articles/p/there", "<p>gone</p>", html);
			expect(await text("en/articles/p/there")).toBe("<p>gone</p>");
			// Written behind the writer's back, so no digest knows it: read back.
			await site.put("en/articles/p/unrecorded", "<p>old</p>", html);
			await later.replace("en/articles/p/unrecorded", "<p>gone</p>", html);
			expect(await text("en/articles/p/unrecorded")).toBe("<p>gone</p>");
			expect([...later.changed].sort()).toEqual([
				"en/articles/p/there",
				"en/articles/p/unrecorded",
			]);
		});

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
