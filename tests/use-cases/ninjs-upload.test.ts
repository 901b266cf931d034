import { describe, expect, it } from "vitest";
import { InMemoryObjectStore } from "#shared/adapters/memory/in-memory-object-store.ts";
import { InMemoryTables } from "#shared/adapters/memory/in-memory-tables.ts";
import type { BundleWarning } from "#shared/domain/report.ts";
import { exampleBundle } from "../helpers/bundles.ts";
import { composeProcess } from "../helpers/compose-process.ts";
import { inMemoryStores } from "../helpers/memory-stores.ts";

/** A world of its own with the demo agreement granted; `name`'s bundle uploaded into it. */
async function ingestExample(name: string) {
	const uploads = new InMemoryObjectStore();
	const site = new InMemoryObjectStore();
	const stores = {
		uploads,
		site,
		...(await inMemoryStores(new InMemoryTables(), new Date("2023-01-01T00:00:00Z"))),
	};
	const useCases = composeProcess(stores, {
		siteUrl: "https://news.example.org",
		owner: "ninjs-test",
		clock: () => new Date("2026-03-01T00:00:00Z"),
	});
	const bytes = await exampleBundle(name);
	const key = "incoming/science-news/upload.zip";
	await uploads.put(key, bytes, { contentType: "application/zip" });
	const result = await useCases.ingestUpload({
		key,
		size: bytes.byteLength,
		eTag: "etag-1",
		sequencer: "0001",
		eventTime: "2026-03-01T00:00:00Z",
	});
	if (!result) throw new Error(`${name} was not ingested`);
	const read = async (objectKey: string) => {
		const object = await site.get(objectKey);
		return object && "bytes" in object ? new TextDecoder().decode(object.bytes) : undefined;
	};
	return { report: result.report, site, read };
}

describe("a ninjs bundle, as a partner's system exports it", () => {
	it("is published like a manifest bundle, its unmapped fields reported", async () => {
		const { report, read } = await ingestExample("hitachi-china-en-ninjs");
		expect(report).toMatchObject({
			status: "published",
			articleId: "2023-02-hitachi-china-green-league-ninjs",
			version: 1,
			language: "en",
			errors: [],
		});
		expect(report?.warnings).toContainEqual(
			expect.objectContaining({ code: "NINJS_FIELD_NOT_USED", path: "urgency" }),
		);
		expect(
			await read("en/articles/science-news/2023-02-hitachi-china-green-league-ninjs"),
		).toContain("Hitachi collaborates with partner companies");
	});

	it("publishes exactly what its manifest twin publishes: page, photos, feeds, ninjs and report", async () => {
		const ID = "2023-02-hitachi-china-green-league";
		const manifest = await ingestExample("hitachi-china-en");
		const ninjs = await ingestExample("hitachi-china-en-ninjs");
		// The twin's id is the manifest's with a suffix, so both can be on one site.
		const sameIds = (text: string | undefined) => text?.replaceAll(`${ID}-ninjs`, ID);

		const keys = manifest.site.keys();
		expect(ninjs.site.keys().map((key) => sameIds(key))).toEqual(keys);
		expect(keys).toContain(`en/articles/science-news/${ID}`);
		for (const key of keys) {
			const twin = key.replace(ID, `${ID}-ninjs`);
			expect(sameIds(await ninjs.read(twin)), key).toBe(await manifest.read(key));
		}

		// The same report but for what differs by nature: the upload's bytes, and the words on
		// the ninjs fields docs/bundle.md's mapping leaves out (the twin's urgency).
		const {
			bundle: _m,
			sha256: _mSha,
			warnings: manifestWarnings,
			...manifestReport
		} = manifest.report;
		const { bundle: _n, sha256: _nSha, warnings: ninjsWarnings, ...ninjsReport } = ninjs.report;
		expect({ ...ninjsReport, articleId: sameIds(ninjsReport.articleId) }).toEqual(manifestReport);
		const notUsed = (warning: BundleWarning) => warning.code === "NINJS_FIELD_NOT_USED";
		expect(ninjsWarnings?.filter(notUsed).map(({ path }) => path)).toEqual(["urgency"]);
		expect(ninjsWarnings?.filter((warning) => !notUsed(warning))).toEqual(manifestWarnings);
		expect(manifestWarnings?.map(({ code }) => code)).toEqual(["INLINE_IMAGE_REWRITTEN"]);
	});
});
