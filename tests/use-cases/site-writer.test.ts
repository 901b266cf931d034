import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { InMemoryObjectStore } from "#shared/adapters/memory/in-memory-object-store.ts";
import { InMemorySiteDigests } from "#shared/adapters/memory/in-memory-site-digests.ts";
import { InMemoryTables } from "#shared/adapters/memory/in-memory-tables.ts";
import type { SiteDigestStore } from "#shared/ports/articles.ts";
import { makeSiteWriter } from "#shared/publishing/site-writer.ts";
import { describeSiteWriter } from "../contracts/site-writer.contract.ts";

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

	it("reads the digests of expected keys ahead in one request, and compares each write with them", async () => {
		const tables = new InMemoryTables();
		const site = new InMemoryObjectStore();
		await makeSiteWriter(site, new InMemorySiteDigests(tables)).put("a.html", "same");
		const { digests, reads } = recordedDigests(tables);
		const out = makeSiteWriter(site, digests);
		out.expect(["a.html", "b.html"]);
		// Asked before any write, in one request.
		expect(reads).toEqual([["a.html", "b.html"]]);
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
