import { describe, expect, it } from "vitest";
import { InMemoryAgreementStore } from "#shared/adapters/memory/in-memory-agreement-store.ts";
import {
	InMemoryArticleStore,
	InMemoryFeedStore,
} from "#shared/adapters/memory/in-memory-article-store.ts";
import { InMemoryObjectStore } from "#shared/adapters/memory/in-memory-object-store.ts";
import { InMemoryPublishLedger } from "#shared/adapters/memory/in-memory-publish-ledger.ts";
import { InMemoryTables } from "#shared/adapters/memory/in-memory-tables.ts";
import { InMemoryUploadStore } from "#shared/adapters/memory/in-memory-upload-store.ts";
import { wireUseCases } from "#shared/use-cases/wire-use-cases.ts";
import { makeAgreement } from "../helpers/agreements.ts";
import { makeBundle, makeManifest, PNG } from "../helpers/bundles.ts";

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
		const agreements = new InMemoryAgreementStore(tables);
		await agreements.putPartner({ partnerId: "science-news", name: "The Science News" });
		await agreements.putAgreement(makeAgreement(), {
			at: new Date(START),
			action: "grant",
			by: "test",
			reason: "test",
		});
		const stores = {
			uploads,
			site,
			articles: new InMemoryArticleStore(tables),
			feeds: new InMemoryFeedStore(tables),
			uploadRecords: new InMemoryUploadStore(tables),
			agreements,
			ledger: new InMemoryPublishLedger(tables),
		};
		const options = { siteUrl: "https://news.example.org", owner: "photos-test", clock };

		const bytes = makeBundle({
			manifest: makeManifest({
				id: "a1",
				embargoUntil: new Date(START + HOUR).toISOString(),
			}),
		});
		const key = "incoming/science-news/a1.zip";
		await uploads.put(key, bytes, { contentType: "application/zip" });
		const ingested = await wireUseCases(stores, options).ingestUpload({
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
		await wireUseCases(stores, options).scheduledSweep();
		const photo = await site.get(PHOTO);
		expect(photo && "bytes" in photo ? [...photo.bytes] : photo).toEqual([...PNG]);
	});
});
