import { Zip, ZipPassThrough } from "fflate";
import { describe, expect, it } from "vitest";
import { type Article, imageKey } from "#shared/domain/article.ts";
import { readBundleContent } from "#shared/domain/bundle-content.ts";
import { type BundleIssue, BundleRejectedError } from "#shared/domain/errors.ts";
import { openBundle } from "#shared/domain/read-bundle.ts";
import { itemContentHtml } from "#shared/domain/render/feed-document.ts";
import { renderArticlePage } from "#shared/domain/render/render-article-page.ts";
import { type FeedItem, feedEntriesFor } from "#shared/domain/targets.ts";
import { makeArticle } from "../helpers/articles.ts";
import { makeBundle, makeManifest, PNG } from "../helpers/bundles.ts";

const read = async (zip: Uint8Array) => readBundleContent(await openBundle(zip));

/** The issues of a rejection; anything thrown but a BundleRejectedError fails the test. */
async function rejection(work: Promise<unknown>): Promise<BundleIssue[]> {
	try {
		await work;
	} catch (error) {
		if (error instanceof BundleRejectedError) return [...error.issues];
		throw error;
	}
	throw new Error("expected a rejection");
}

/** A zip of these entries in this order, repeated names included (fflate's `zipSync` takes a map). */
function zipEntries(entries: readonly (readonly [string, Uint8Array | string])[]): Uint8Array {
	const chunks: Uint8Array[] = [];
	const zip = new Zip((error, chunk) => {
		if (error) throw error;
		chunks.push(chunk);
	});
	for (const [name, content] of entries) {
		const file = new ZipPassThrough(name);
		zip.add(file);
		file.push(typeof content === "string" ? new TextEncoder().encode(content) : content, true);
	}
	zip.end();
	return Buffer.concat(chunks);
}

const manifestJson = (overrides: Record<string, unknown> = {}) =>
	JSON.stringify(makeManifest(overrides));

/** The manifest as JSON with `raw` (JSON text) as the value of `field`, to build what JSON.stringify would not. */
function manifestWithRaw(raw: string, place: (marker: string) => Record<string, unknown>): string {
	const marker = "__RAW_VALUE__";
	return manifestJson(place(marker)).replace(JSON.stringify(marker), raw);
}

const deepArrays = (depth: number) => `${"[".repeat(depth)}${"]".repeat(depth)}`;
const deepObjects = (depth: number) => `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;
const rights = makeManifest().rights as Record<string, unknown>;

describe("hostile bundles", () => {
	it("drops constructor, __proto__ and prototype keys inside rights, original and images", async () => {
		const hostile =
			'{"constructor":{"prototype":{"polluted":true}},"__proto__":{"polluted":true},"prototype":1}';
		const json = manifestJson({
			rights: { ...rights, extra: "__R__" },
			original: { language: "ja", headline: "Original", extra: "__O__" },
			images: [{ file: "images/photo.png", extra: "__I__" }],
		})
			.replace('"extra":"__R__"', hostile.slice(1, -1))
			.replace('"extra":"__O__"', hostile.slice(1, -1))
			.replace('"extra":"__I__"', hostile.slice(1, -1));
		const { manifest } = await read(makeBundle({ files: { "manifest.json": json } }));
		for (const part of [manifest.rights, manifest.original, manifest.images[0]]) {
			for (const key of ["constructor", "__proto__", "prototype"]) {
				expect(Object.hasOwn(part as object, key)).toBe(false);
			}
			expect(Object.getPrototypeOf(part)).toBe(Object.prototype);
		}
		expect(({} as Record<string, unknown>).polluted).toBeUndefined();
		expect(JSON.stringify(manifest)).not.toMatch(/constructor|__proto__|prototype|polluted/);
	});

	it("rejects a manifest over 128 KiB as TOO_LARGE: a 450 KB byline, a 500 KB unknown field", async () => {
		for (const json of [
			manifestJson({ byline: "b".repeat(450_000) }),
			manifestJson({ notes: "n".repeat(500_000) }),
		]) {
			expect(await rejection(read(makeBundle({ files: { "manifest.json": json } })))).toEqual([
				expect.objectContaining({ code: "TOO_LARGE", path: "manifest.json" }),
			]);
		}
	});

	it("rejects 3,000 images referencing one file as MANIFEST_INVALID on images", async () => {
		const images = Array.from({ length: 3000 }, () => ({ file: "images/photo.png" }));
		const zip = makeBundle({ manifest: makeManifest({ images }) });
		expect(await rejection(read(zip))).toEqual([
			expect.objectContaining({ code: "MANIFEST_INVALID", path: "images" }),
		]);
	});

	it("rejects nesting deeper than 10 levels, 40 or 5,000 deep, anywhere, without a RangeError", async () => {
		const cases: [string, string][] = [
			[manifestWithRaw(deepArrays(40), (m) => ({ notes: m })), `notes${"[0]".repeat(9)}`],
			[manifestWithRaw(deepArrays(5000), (m) => ({ notes: m })), `notes${"[0]".repeat(9)}`],
			[manifestWithRaw(deepObjects(5000), (m) => ({ notes: m })), `notes${".a".repeat(9)}`],
			[
				manifestWithRaw(deepArrays(40), (m) => ({ rights: { ...rights, extra: m } })),
				`rights.extra${"[0]".repeat(8)}`,
			],
			[
				manifestWithRaw(deepObjects(5000), (m) => ({ rights: { ...rights, extra: m } })),
				`rights.extra${".a".repeat(8)}`,
			],
		];
		for (const [json, path] of cases) {
			expect(await rejection(read(makeBundle({ files: { "manifest.json": json } })))).toEqual([
				expect.objectContaining({ code: "MANIFEST_INVALID", path }),
			]);
		}
	});

	it("rejects an entry name given twice as DUPLICATE_ENTRY instead of letting the last win", async () => {
		const base: [string, Uint8Array | string][] = [
			["manifest.json", manifestJson()],
			["article.html", "<p>Body text of the article.</p>"],
			["images/photo.png", PNG],
		];
		const cases: [[string, Uint8Array | string], string][] = [
			[["manifest.json", manifestJson({ headline: "Another headline" })], "manifest.json"],
			[["article.html", "<p>Another body.</p>"], "article.html"],
			[["images/photo.png", PNG], "images/photo.png"],
			[["./article.html", "<p>Another body.</p>"], "./article.html"],
			[["images/./photo.png", PNG], "images/./photo.png"],
		];
		for (const [extra, path] of cases) {
			expect(await rejection(read(zipEntries([...base, extra])))).toEqual([
				expect.objectContaining({ code: "DUPLICATE_ENTRY", path }),
			]);
		}
		// The same name, composed and decomposed, is the same entry once NFC-normalised.
		const composed = "images/caf\u00e9.png";
		const decomposed = "images/cafe\u0301.png";
		expect(
			await rejection(read(zipEntries([...base, [composed, PNG], [decomposed, PNG]]))),
		).toEqual([expect.objectContaining({ code: "DUPLICATE_ENTRY", path: decomposed })]);
	});

	it("rejects bidi controls and other format characters in entry names as UNSAFE_PATH", async () => {
		for (const bad of ["\u202e", "\u202a", "\u2066", "\u2069", "\u200b", "\u200e", "\ufeff"]) {
			const path = `images/x${bad}gnp.png`;
			expect(await rejection(read(makeBundle({ files: { [path]: PNG } })))).toEqual([
				expect.objectContaining({ code: "UNSAFE_PATH", path }),
			]);
		}
	});

	it("rejects bidi controls and other format characters in file references as MANIFEST_INVALID", async () => {
		for (const bad of ["\u202e", "\u2067", "\u200b", "\u200e", "\ufeff"]) {
			const manifest = makeManifest({
				body: `article${bad}.html`,
				images: [{ file: `images/photo${bad}.png` }],
			});
			expect(await rejection(read(makeBundle({ manifest })))).toEqual([
				expect.objectContaining({ code: "MANIFEST_INVALID", path: "body" }),
				expect.objectContaining({ code: "MANIFEST_INVALID", path: "images[0].file" }),
			]);
		}
	});

	it("keeps a manifest at every limit well under 200 KB once parsed", async () => {
		const file = `images/${"p".repeat(100)}/${"p".repeat(143)}.png`;
		const s = (n: number) => "x".repeat(n);
		const full = {
			headline: s(300),
			summary: s(1000),
			byline: s(300),
			body: `${"a".repeat(150)}/${"a".repeat(99)}.html`,
			subjects: Array.from({ length: 20 }, (_, i) => `${"s".repeat(60)}-${i}`),
			original: {
				language: "ja",
				headline: s(300),
				url: `https://example.org/${"u".repeat(2048 - 20)}`,
				publication: s(300),
				publishedAt: "2024-01-09",
			},
			rights: { holder: s(300), translator: s(300), agreement: "a".repeat(128), notice: s(1000) },
		};
		// 50 images with every text at its limit would pass 128 KiB: fill up to just under it.
		const image = { file, caption: s(1000), credit: s(300), alt: s(1000) };
		const images: Record<string, unknown>[] = Array.from({ length: 50 }, () => image);
		let json = manifestJson({ ...full, images });
		while (json.length > 131_072) {
			images.pop();
			json = manifestJson({ ...full, images: [...images, { file }] });
		}
		expect(json.length).toBeGreaterThan(128_000);
		const zip = makeBundle({
			files: { "manifest.json": json, [full.body]: "<p>Body.</p>", [file]: PNG },
		});
		const { manifest } = await read(zip);
		expect(Buffer.byteLength(JSON.stringify(manifest))).toBeLessThan(150_000);
	});
});

describe("hostile image names", () => {
	const SITE = "https://news.example.org";
	const file = "images/50% off #1?x=y/caf\u00e9 photo.png";
	const article = makeArticle({
		images: [{ ...(makeArticle().images[0] as Article["images"][number]), file }],
	});
	const url = `${SITE}/media/en/science-news/2024-01-test-article/images/50%25%20off%20%231%3Fx%3Dy/caf%C3%A9%20photo.png`;

	it("are URL-encoded, segment by segment, wherever they become a URL", () => {
		const item = feedEntriesFor(article)[0]?.item;
		expect(item?.image?.path).toBe(new URL(url).pathname);
		expect(itemContentHtml(item as FeedItem, SITE)).toContain(`<img src="${url}"`);
		const page = renderArticlePage({ article, bodyHtml: "<p>Body.</p>", siteUrl: SITE });
		expect(page).toContain(`<img src="${url}"`);
		const segments = new URL(url).pathname.split("/").map(decodeURIComponent);
		expect(segments.slice(-2).join("/")).toBe(file.split("/").slice(-2).join("/"));
	});

	it("keep their raw name in the site bucket key", () => {
		expect(imageKey(article, { file })).toBe(`media/en/science-news/2024-01-test-article/${file}`);
	});
});
