import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { InMemoryObjectStore } from "#shared/adapters/memory/in-memory-object-store.ts";
import { InMemoryTables } from "#shared/adapters/memory/in-memory-tables.ts";
import type { BundleWarning } from "#shared/domain/report.ts";
import { EXAMPLES, exampleBundle, makeBundle, PNG } from "../helpers/bundles.ts";
import { composeProcess } from "../helpers/compose-process.ts";
import { inMemoryStores } from "../helpers/memory-stores.ts";

const EXAMPLE = JSON.parse(
	readFileSync(join(EXAMPLES, "bundles/hitachi-china-en-ninjs/ninjs.json"), "utf8"),
);

/** A world of its own with the demo agreement granted, into which bundles are uploaded in turn. */
async function world() {
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
	let uploaded = 0;
	const upload = async (bytes: Uint8Array) => {
		uploaded += 1;
		const key = `incoming/science-news/upload-${uploaded}.zip`;
		await uploads.put(key, bytes, { contentType: "application/zip" });
		const result = await useCases.ingestUpload({
			key,
			size: bytes.byteLength,
			eTag: `etag-${uploaded}`,
			sequencer: String(uploaded).padStart(4, "0"),
			eventTime: "2026-03-01T00:00:00Z",
		});
		if (!result) throw new Error(`${key} was not ingested`);
		return result.report;
	};
	const read = async (objectKey: string) => {
		const object = await site.get(objectKey);
		return object && "bytes" in object ? new TextDecoder().decode(object.bytes) : undefined;
	};
	return { upload, site, read };
}

/** `name`'s bundle uploaded into a world of its own. */
async function ingestExample(name: string) {
	const { upload, site, read } = await world();
	return { report: await upload(await exampleBundle(name)), site, read };
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
			expect.objectContaining({ code: "NINJS_FIELD_NOT_USED", path: "ninjs.json:urgency" }),
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

		// The same report but for what differs by nature: the upload's bytes, the words on the
		// ninjs fields docs/bundle.md's mapping leaves out (the twin's urgency), and the paths,
		// each the ninjs field a warning's manifest path was mapped from.
		const {
			bundle: _m,
			sha256: _mSha,
			warnings: manifestWarnings,
			...manifestReport
		} = manifest.report;
		const { bundle: _n, sha256: _nSha, warnings: ninjsWarnings, ...ninjsReport } = ninjs.report;
		expect({ ...ninjsReport, articleId: sameIds(ninjsReport.articleId) }).toEqual(manifestReport);
		const notUsed = (warning: BundleWarning) => warning.code === "NINJS_FIELD_NOT_USED";
		expect(ninjsWarnings?.filter(notUsed).map(({ path }) => path)).toEqual(["ninjs.json:urgency"]);
		const inNinjs: Record<string, string> = { body: "ninjs.json:bodies[0]" };
		expect(ninjsWarnings?.filter((warning) => !notUsed(warning))).toEqual(
			manifestWarnings?.map(({ path, ...warning }) => ({
				...warning,
				path: path === undefined ? path : inNinjs[path],
			})),
		);
		expect(manifestWarnings?.map(({ code, path }) => [code, path])).toEqual([
			["INLINE_IMAGE_REWRITTEN", "body"],
		]);
	});

	it("names the ninjs field in every path of its report, however late the problem is found", async () => {
		const { upload } = await world();
		const bundle = (fields: Record<string, unknown>, files: Record<string, undefined> = {}) =>
			makeBundle({
				files: {
					"manifest.json": undefined,
					"article.html": undefined,
					"images/photo.png": undefined,
					"ninjs.json": JSON.stringify({ ...EXAMPLE, ...fields }),
					"images/forum.png": PNG,
					...files,
				},
			});
		const paths = (findings: readonly { code: string; path?: string }[] | undefined) =>
			findings?.map(({ code, path }) => [code, path]);
		const future = { firstCreated: "2027-01-01T00:00:00Z", versionCreated: "2027-01-01T00:00:00Z" };

		const clamped = await upload(bundle(future));
		expect(clamped.status).toBe("published");
		expect(paths(clamped.warnings?.filter((warning) => warning.code === "DATE_CLAMPED"))).toEqual([
			["DATE_CLAMPED", "ninjs.json:firstCreated"],
			["DATE_CLAMPED", "ninjs.json:versionCreated"],
		]);

		const conflict = await upload(bundle({ ...future, urgency: 3 }));
		expect(paths(conflict.errors)).toEqual([["VERSION_CONFLICT", "ninjs.json:version"]]);

		const missing = await upload(bundle({ version: "2" }, { "images/forum.png": undefined }));
		expect(paths(missing.errors)).toEqual([
			["IMAGE_MISSING", "ninjs.json:associations[0].renditions[0].href"],
		]);
	});
});
