import { readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { inflateSync } from "node:zlib";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { describe, expect, it } from "vitest";
import { FEED_STYLESHEET } from "#shared/domain/feeds/feed-stylesheet.ts";
import { buildFeedDocument } from "#shared/domain/render/feed-document.ts";
import {
	FAVICON_ICO,
	FEED_ICONS,
	feedIconFiles,
	feedIconPaths,
} from "#shared/domain/render/feed-icons.ts";
import { FEED_STYLESHEET_PI, renderFeedXsl } from "#shared/domain/render/feed-xsl.ts";
import { uiFor } from "#shared/domain/render/i18n.ts";
import { renderAtom } from "#shared/domain/render/render-atom.ts";
import { renderJsonFeed } from "#shared/domain/render/render-json-feed.ts";
import { renderRss } from "#shared/domain/render/render-rss.ts";
import { siteStylesheet } from "#shared/domain/render/stylesheet.ts";
import { feedEntriesFor } from "#shared/domain/targets.ts";
import { makeArticle } from "../helpers/articles.ts";

const SITE = "https://news.example.org";

function documents() {
	const [row] = feedEntriesFor(makeArticle());
	if (!row) throw new Error("a published article has a Latest News row");
	const base = { siteUrl: SITE, language: "en", feed: "latest" as const, items: [row.item] };
	return [
		buildFeedDocument({ ...base, archivePages: 1 }),
		buildFeedDocument({ ...base, page: { index: 0, count: 1 } }),
	];
}

/** Width, height, bit depth and colour type from a PNG's signature and IHDR chunk. */
function pngHeader(bytes: Uint8Array) {
	const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
	expect([...bytes.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
	expect(new TextDecoder().decode(bytes.subarray(12, 16))).toBe("IHDR");
	return {
		width: view.getUint32(16),
		height: view.getUint32(20),
		depth: bytes[24],
		colour: bytes[25],
	};
}

/** The header and inflated image data of a PNG (one IDAT, as ours have), or of an ICO's PNG. */
function pixelsOf(bytes: Uint8Array): { header: string; data: Buffer } {
	const png = bytes[0] === 0 ? bytes.subarray(22) : bytes;
	const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
	const idat = 33;
	expect(new TextDecoder().decode(png.subarray(idat + 4, idat + 8))).toBe("IDAT");
	const length = view.getUint32(idat);
	return {
		header: Buffer.from(png.subarray(0, idat)).toString("hex"),
		data: inflateSync(png.subarray(idat + 8, idat + 8 + length)),
	};
}

describe("feeds in a browser: the XSLT stylesheet", () => {
	it("every RSS and Atom document, feed or archive, names it right after the XML declaration", () => {
		expect(FEED_STYLESHEET_PI).toBe('<?xml-stylesheet type="text/xsl" href="/feeds/feed.xsl"?>');
		for (const doc of documents()) {
			for (const out of [renderRss(doc), renderAtom(doc)]) {
				const [declaration, pi] = out.split("\n");
				expect(declaration).toBe('<?xml version="1.0" encoding="utf-8"?>');
				expect(pi).toBe(FEED_STYLESHEET_PI);
				expect(XMLValidator.validate(out)).toBe(true);
			}
		}
	});

	it("is one well-formed XSLT 1.0 document for RSS 2.0 and Atom 1.0, in the site's stylesheet", () => {
		const xsl = renderFeedXsl();
		expect(XMLValidator.validate(xsl)).toBe(true);
		expect(FEED_STYLESHEET.contentType).toBe("text/xsl; charset=utf-8");
		const root = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "@" }).parse(xsl)[
			"xsl:stylesheet"
		];
		expect(root["@version"]).toBe("1.0");
		expect(root["@xmlns:atom"]).toBe("http://www.w3.org/2005/Atom");
		const matches = [root["xsl:template"]].flat().map((template) => template["@match"]);
		expect(matches).toEqual(["/", "item", "atom:entry"]);
		// The page links the site's stylesheet: the feeds' CSP allows no inline style.
		expect(xsl).toContain(`href="/${siteStylesheet().key}"`);
		expect(xsl).not.toMatch(/<style|style="/);
		// The subscribe box in each language the pages have, English otherwise.
		for (const language of ["en", "zh", "zh-Hant", "ja"]) {
			expect(xsl).toContain(uiFor(language).strings.feedPreview);
		}
		expect(xsl).toContain(
			`<xsl:when test="$lang = &apos;zh-hant&apos; or starts-with($lang, &apos;zh-hant-&apos;)">`,
		);
	});
});

describe("feed icons", () => {
	it("are PNGs of the sizes each format asks for, and /favicon.ico holds a PNG", () => {
		const files = new Map(feedIconFiles().map((file) => [file.path, file]));
		// The keys the home target claims are the files it writes.
		expect(feedIconPaths()).toEqual([...files.keys()]);
		for (const spec of Object.values(FEED_ICONS)) {
			const file = files.get(spec.path);
			expect(file?.contentType, spec.path).toBe("image/png");
			const header = pngHeader(file?.bytes ?? new Uint8Array());
			expect(header, spec.path).toEqual({
				width: spec.width,
				height: spec.height,
				depth: 8,
				colour: 6,
			});
		}
		expect(FEED_ICONS.icon).toMatchObject({ width: 512, height: 512 });
		expect(FEED_ICONS.favicon).toMatchObject({ width: 64, height: 64 });
		expect(FEED_ICONS.logo.width).toBe(2 * FEED_ICONS.logo.height);
		// RSS 2.0: at most 144 wide and 400 high.
		expect(FEED_ICONS.rssImage.width).toBeLessThanOrEqual(144);
		expect(FEED_ICONS.rssImage.height).toBeLessThanOrEqual(400);
		const ico = files.get(FAVICON_ICO.path)?.bytes ?? new Uint8Array();
		expect([...ico.subarray(0, 6)]).toEqual([0, 0, 1, 0, 1, 0]);
		expect(pngHeader(ico.subarray(22))).toMatchObject({ width: 32, height: 32 });
	});

	it("the copies in docs/icons are the publisher's (regenerate: node docs/icons/generate.ts)", () => {
		const dir = join(import.meta.dirname, "../../docs/icons");
		for (const file of feedIconFiles()) {
			const copy = new Uint8Array(readFileSync(join(dir, basename(file.path))));
			// Pixels, not bytes: each Node's zlib compresses the same pixels its own way.
			expect(pixelsOf(copy), file.path).toEqual(pixelsOf(file.bytes));
		}
	});

	it("every format names them by absolute URL", () => {
		const [doc] = documents();
		if (!doc) throw new Error("no document");
		const url = (path: string) => `${SITE}${path}`;
		const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "@" });
		const channel = xml.parse(renderRss(doc)).rss.channel;
		expect(channel.image).toEqual({
			url: url(FEED_ICONS.rssImage.path),
			title: doc.title,
			link: doc.homeUrl,
			width: FEED_ICONS.rssImage.width,
			height: FEED_ICONS.rssImage.height,
		});
		const feed = xml.parse(renderAtom(doc)).feed;
		expect(feed.icon).toBe(url(FEED_ICONS.favicon.path));
		expect(feed.logo).toBe(url(FEED_ICONS.logo.path));
		const json = JSON.parse(renderJsonFeed(doc));
		expect(json.icon).toBe(url(FEED_ICONS.icon.path));
		expect(json.favicon).toBe(url(FEED_ICONS.favicon.path));
	});
});
