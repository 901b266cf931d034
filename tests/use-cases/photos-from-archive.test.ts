import { describe, expect, it } from "vitest";
import { InMemoryObjectStore } from "#shared/adapters/memory/in-memory-object-store.ts";
import { InMemoryTables } from "#shared/adapters/memory/in-memory-tables.ts";
import { makeBundle, makeManifest, PNG } from "../helpers/bundles.ts";
import { composeProcess } from "../helpers/compose-process.ts";
import { inMemoryStores } from "../helpers/memory-stores.ts";

const START = Date.parse("2026-03-01T00:00:00Z");
const HOUR = 3_600_000;
const PHOTO = "media/en/science-news/a1/images/photo.png";

describe("photos are kept in the archived bundle", () => {
	it("an embargoed article's photo is published from its archive by a process that never saw the upload", async () => {
		let now = START;
		const clock = () => new Date(now);
		const tables = new InMemoryTables();
		const uploads = new InMemoryObjectStore();
		const site = new InMemoryObjectStore();
		const stores = { uploads, site, ...(await inMemoryStores(tables, new Date(START))) };
		const options = { siteUrl: "https://news.example.org", owner: "photos-test", clock };

		const bytes = makeBundle({
			manifest: makeManifest({
				id: "a1",
				embargoUntil: new Date(START + HOUR).toISOString(),
			}),
		});
		const key = "incoming/science-news/a1.zip";
		await uploads.put(key, bytes, { contentType: "application/zip" });
		const ingested = await composeProcess(stores, options).ingestUpload({
			key,
			size: bytes.byteLength,
			eTag: "etag-1",
			sequencer: "01",
			eventTime: new Date(now).toISOString(),
		});
		expect(ingested?.report.status).toBe("embargoed");
		// The bundle, its sanitised body and its report: no copy of the photo.
		expect(uploads.keys().filter((k) => k !== key)).toEqual([
			expect.stringMatching(/^archive\/science-news\/[0-9a-f]{64}\.zip$/),
			expect.stringMatching(/^content\/[0-9a-f]{64}\/body\.html$/),
			"reports/science-news/a1.zip.json",
		]);
		expect(await site.get(PHOTO)).toBeUndefined();

		// Another process (the scheduled publish function), with nothing of the upload in memory.
		now += 2 * HOUR;
		await composeProcess(stores, options).scheduledSweep();
		const photo = await site.get(PHOTO);
		expect(photo && "bytes" in photo ? [...photo.bytes] : photo).toEqual([...PNG]);
	});
});
