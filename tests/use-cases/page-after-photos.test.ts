import { describe, expect, it } from "vitest";
import { InMemoryObjectStore } from "#shared/adapters/memory/in-memory-object-store.ts";
import { InMemorySiteDigests } from "#shared/adapters/memory/in-memory-site-digests.ts";
import { InMemoryTables } from "#shared/adapters/memory/in-memory-tables.ts";
import type { SiteDigestStore } from "#shared/ports/articles.ts";
import { makeBundle, makeManifest } from "../helpers/bundles.ts";
import { composeProcess } from "../helpers/compose-process.ts";
import { inMemoryStores } from "../helpers/memory-stores.ts";

const START = Date.parse("2026-03-01T00:00:00Z");
const PAGE = "en/articles/science-news/a1";
const PHOTO = "media/en/science-news/a1/images/photo.png";

describe("a new article's page and its photos", () => {
	it("the page is written once its photo is served, without waiting for the photo's digest record; the publish ends after it", async () => {
		const tables = new InMemoryTables();
		const site = new InMemoryObjectStore();
		const uploads = new InMemoryObjectStore();
		const recorded = new InMemorySiteDigests(tables);
		let open: () => void = () => undefined;
		const gate = new Promise<void>((resolve) => {
			open = resolve;
		});
		// The photo's digest record is held until the test lets it through.
		const digests: SiteDigestStore = {
			getDigests: (keys) => recorded.getDigests(keys),
			putDigests: async (entries) => {
				if (entries.has(PHOTO)) await gate;
				await recorded.putDigests(entries);
			},
		};
		const stores = { uploads, site, ...(await inMemoryStores(tables, new Date(START))) };
		const wired = composeProcess(
			stores,
			{ siteUrl: "https://news.example.org", owner: "page-test", clock: () => new Date(START) },
			{ publish: { digests } },
		);
		const bytes = makeBundle({ manifest: makeManifest({ id: "a1" }) });
		const key = "incoming/science-news/a1.zip";
		await uploads.put(key, bytes, { contentType: "application/zip" });
		let ended = false;
		const ingesting = wired
			.ingestUpload({
				key,
				size: bytes.byteLength,
				eTag: "etag-1",
				sequencer: "01",
				eventTime: new Date(START).toISOString(),
			})
			.finally(() => {
				ended = true;
			});

		// Real time, not turns of the loop: the first render loads the zip reader's module.
		const deadline = Date.now() + 10_000;
		while (!(await site.get(PAGE)) && !ended && Date.now() < deadline)
			await new Promise((resolve) => setTimeout(resolve, 5));
		expect(await site.get(PAGE), "the page, while the photo's digest is held").toBeDefined();
		expect(await site.get(PHOTO)).toBeDefined();
		expect(tables.siteDigests.has(PHOTO)).toBe(false);
		// The publish, and so the page's lease, waits for the record.
		expect(ended).toBe(false);

		open();
		const result = await ingesting;
		expect(result?.report.status).toBe("published");
		expect(tables.siteDigests.has(PHOTO)).toBe(true);
	});
});
