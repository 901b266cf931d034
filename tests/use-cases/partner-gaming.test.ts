import { describe, expect, it } from "vitest";
import { InMemoryObjectStore } from "#shared/adapters/memory/in-memory-object-store.ts";
import { InMemoryTables } from "#shared/adapters/memory/in-memory-tables.ts";
import { makeBundle, makeManifest } from "../helpers/bundles.ts";
import { composeProcess } from "../helpers/compose-process.ts";
import { exifGpsSegment, jpegOfSize, pngOfSize, xmpSegment } from "../helpers/images.ts";
import { inMemoryStores } from "../helpers/memory-stores.ts";

const RECEIVED = Date.parse("2026-03-01T00:00:00Z");
const MINUTE = 60_000;

/** A pipeline in memory whose uploads are received at {@link RECEIVED}. */
async function makePipeline() {
	const clock = () => new Date(RECEIVED + MINUTE);
	const tables = new InMemoryTables();
	const uploads = new InMemoryObjectStore();
	const site = new InMemoryObjectStore();
	const stores = {
		uploads,
		site,
		...(await inMemoryStores(tables, new Date(RECEIVED - 1000 * MINUTE))),
	};
	const useCases = composeProcess(stores, {
		siteUrl: "https://news.example.org",
		owner: "gaming-test",
		clock,
	});
	let uploadsMade = 0;
	async function ingest(
		manifest: Record<string, unknown>,
		files: Record<string, Uint8Array | string | undefined> = {},
	) {
		const bytes = makeBundle({ manifest, files });
		const key = `incoming/science-news/upload-${++uploadsMade}.zip`;
		await uploads.put(key, bytes, { contentType: "application/zip" });
		const result = await useCases.ingestUpload({
			key,
			size: bytes.byteLength,
			eTag: `etag-${uploadsMade}`,
			sequencer: String(uploadsMade).padStart(4, "0"),
			eventTime: new Date(RECEIVED).toISOString(),
		});
		if (!result) throw new Error("an upload under incoming/science-news/ has a report");
		return result.report;
	}
	async function text(key: string): Promise<string | undefined> {
		const object = await site.get(key);
		return object && "bytes" in object ? new TextDecoder().decode(object.bytes) : undefined;
	}
	return { ingest, text, stores, site };
}

describe("partner dates are bounded by when we received the upload", () => {
	it("clamps a far-future firstCreated and versionCreated to the receipt, with a warning each", async () => {
		const { ingest, text, stores } = await makePipeline();
		const future = "9999-12-31T23:59:59Z";
		const report = await ingest(
			makeManifest({ id: "forever-first", firstCreated: future, versionCreated: future }),
		);
		expect(report.status).toBe("published");
		expect(report.warnings).toEqual([
			{
				code: "DATE_CLAMPED",
				path: "firstCreated",
				message: expect.stringContaining(future),
			},
			{
				code: "DATE_CLAMPED",
				path: "versionCreated",
				message: expect.stringContaining(future),
			},
		]);
		const article = await stores.articles.getArticle({
			partnerId: "science-news",
			articleId: "forever-first",
			language: "en",
		});
		expect(article?.firstCreated).toBe(new Date(RECEIVED).toISOString());
		expect(article?.versionCreated).toBe(new Date(RECEIVED).toISOString());
		const rss = await text("feeds/en/latest.rss");
		expect(rss).toContain("<lastBuildDate>Sun, 01 Mar 2026 00:00:00 GMT</lastBuildDate>");
		expect(rss).not.toContain("9999");
	});

	it("keeps a date up to five minutes ahead of the receipt (clock skew), and a far-future embargo", async () => {
		const { ingest } = await makePipeline();
		const skewed = new Date(RECEIVED + 5 * MINUTE).toISOString();
		const report = await ingest(
			makeManifest({
				id: "skewed",
				firstCreated: skewed,
				versionCreated: skewed,
				embargoUntil: "9999-12-31T23:59:59Z",
			}),
		);
		expect(report.status).toBe("embargoed");
		expect(report.warnings).toBeUndefined();
	});

	it("raises a versionCreated before firstCreated to firstCreated, with a warning", async () => {
		const { ingest, stores } = await makePipeline();
		const report = await ingest(
			makeManifest({
				id: "backwards",
				firstCreated: "2026-02-01T00:00:00Z",
				versionCreated: "2020-01-01T00:00:00+09:00",
			}),
		);
		expect(report.warnings).toEqual([
			{
				code: "DATE_CLAMPED",
				path: "versionCreated",
				message: expect.stringContaining("2020-01-01T00:00:00+09:00"),
			},
		]);
		const article = await stores.articles.getArticle({
			partnerId: "science-news",
			articleId: "backwards",
			language: "en",
		});
		expect(article?.versionCreated).toBe("2026-02-01T00:00:00Z");
	});
});

describe("language tags are what the agreement names", () => {
	it("refuses a tag with an extension or private-use subtag: no page, feed or OPML entry of its own", async () => {
		const { ingest, site } = await makePipeline();
		for (const language of ["en-x-evil", "en-US-u-ca-buddhist"]) {
			const report = await ingest(makeManifest({ id: "tagged", language }));
			expect(report.status).toBe("rejected");
			expect(report.errors).toEqual([
				{ code: "MANIFEST_INVALID", path: "language", message: expect.stringContaining(language) },
			]);
		}
		expect(site.keys().filter((key) => /-x-|-u-/i.test(key))).toEqual([]);
	});

	it("stores the tag in its canonical form", async () => {
		const { ingest } = await makePipeline();
		const report = await ingest(makeManifest({ id: "cased", language: "EN-us" }));
		expect(report.language).toBe("en-US");
	});
});

describe("only the agreement's attribution is printed as rights", () => {
	it("leaves the manifest's own holder and notice out of the page's rights footer and every feed", async () => {
		const { ingest, text } = await makePipeline();
		const claim = "Translated by JST with permission from The Science News Ltd.";
		const report = await ingest(
			makeManifest({
				id: "own-rights",
				rights: {
					holder: "Partner B Media",
					translator: "Partner B",
					agreement: "sn-jst-2023",
					notice: claim,
				},
			}),
		);
		expect(report.status).toBe("published");
		const page = await text("en/articles/science-news/own-rights");
		const footer = page?.slice(page.indexOf('<footer class="rights">'));
		expect(footer).toContain(
			"This article has been translated by JST with permission from The Science News Ltd. Unauthorized reproduction",
		);
		for (const document of [
			page,
			await text("feeds/en/latest.rss"),
			await text("feeds/en/latest.atom"),
			await text("feeds/en/latest.json"),
		]) {
			expect(document).toBeDefined();
			expect(document).not.toContain(claim);
			expect(document).not.toContain("Partner B");
		}
		const json = JSON.parse((await text("feeds/en/latest.json")) ?? "{}");
		expect(json.items[0]._rights.holder).toBe("The Science News Ltd.");
	});
});

describe("photos are published within bounds and without their metadata", () => {
	it("refuses a 30000x30000 PNG: it never becomes a thumbnail or an enclosure", async () => {
		const { ingest, site } = await makePipeline();
		const report = await ingest(makeManifest({ id: "huge-photo" }), {
			"images/photo.png": pngOfSize(30_000, 30_000),
		});
		expect(report.status).toBe("rejected");
		expect(report.errors.map((e) => [e.code, e.path])).toEqual([
			["IMAGE_TOO_LARGE", "images[0].file"],
		]);
		expect(site.keys().filter((key) => key.includes("huge-photo"))).toEqual([]);
	});

	it("serves a photo without its Exif GPS position or XMP, its feed length that of the bytes served", async () => {
		const { ingest, site, text } = await makePipeline();
		const photo = jpegOfSize(1200, 800, [exifGpsSegment(), xmpSegment()]);
		const report = await ingest(
			makeManifest({ id: "located", images: [{ file: "images/photo.jpg", alt: "A photo" }] }),
			{ "images/photo.png": undefined, "images/photo.jpg": photo },
		);
		expect(report.status).toBe("published");
		const served = await site.get("media/en/science-news/located/images/photo.jpg");
		const bytes = served && "bytes" in served ? Buffer.from(served.bytes) : undefined;
		expect(bytes?.subarray(0, 4)).toEqual(Buffer.from(photo.subarray(0, 4)));
		expect(bytes?.includes(Buffer.from("Exif"))).toBe(false);
		expect(bytes?.includes(Buffer.from("xmpmeta"))).toBe(false);
		expect(await text("feeds/en/latest.rss")).toContain(`length="${bytes?.length}"`);
	});
});

describe("a rejected upload's report", () => {
	// docs/bundle.md: warnings are reported with the errors, not only on accepted uploads.
	it("carries the warnings found beside its errors", async () => {
		const { ingest } = await makePipeline();
		const report = await ingest(
			makeManifest({
				id: "rejected-with-warnings",
				images: [{ file: "images/missing.png" }],
			}),
			{
				"article.html":
					'<p>Text</p><p><img src="images/missing.png"><img src="https://cdn.example/a.jpg"></p>',
				"images/photo.png": undefined,
			},
		);
		expect(report.status).toBe("rejected");
		expect(report.errors).toContainEqual(
			expect.objectContaining({ code: "IMAGE_MISSING", path: "images[0].file" }),
		);
		expect(report.warnings).toEqual([
			expect.objectContaining({ code: "INLINE_IMAGE_REWRITTEN", path: "body" }),
			expect.objectContaining({ code: "INLINE_IMAGE_DROPPED", path: "body" }),
		]);
	});
});
