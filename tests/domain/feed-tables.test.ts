import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { compressedVariantsOf } from "#shared/domain/compressed-variants.ts";
import {
	essenceOf,
	FEED_DOCUMENT_TYPES,
	FEED_FORMATS,
	OPML,
	PRIMARY_FORMAT,
} from "#shared/domain/feeds/formats.ts";
import {
	FEED_KINDS,
	type FeedName,
	FRONT_PAGE_KINDS,
	MAIN_FEED_KIND,
} from "#shared/domain/feeds/kinds.ts";
import { feedPath, feedTitle } from "#shared/domain/render/feed-document.ts";
import { escapeHtml } from "#shared/domain/render/html.ts";
import { translatedLanguages, uiFor } from "#shared/domain/render/i18n.ts";
import { renderArticlePage } from "#shared/domain/render/render-article-page.ts";
import { renderOpml } from "#shared/domain/render/render-opml.ts";
import { renderFrontPage } from "#shared/domain/render/render-pages.ts";
import { feedEntriesFor, feedKindRowOf, feedOfKey, parseFeedName } from "#shared/domain/targets.ts";
import { FEED_ENCODING_CODE } from "../../infra/constructs/feed-encoding-code.ts";
import { isCompressible, mediaTypeOf } from "../../local/edge-http.ts";
import { makeArticle } from "../helpers/articles.ts";

// Everything here reads FEED_KINDS and FEED_FORMATS: a new row is checked without a new test.

const SITE = "https://news.example.org";
const ARTICLE = makeArticle({
	version: 2,
	versionCreated: "2024-02-01T00:00:00Z",
	subjects: ["Energy", "Policy"],
});
const ITEM = feedEntriesFor(ARTICLE)[0]?.item;

/** Feeds of every kind: the sample article's rows, and each kind ranked by views. */
const FEEDS_BY_KIND = new Map(
	FEED_KINDS.map((row) => [
		row.kind,
		row.rows === "views"
			? [row.kind as FeedName]
			: feedEntriesFor(ARTICLE)
					.map((entry) => feedOfKey(entry.feedKey).feed)
					.filter((feed) => feedKindRowOf(feed) === row),
	]),
);
const ALL_FEEDS = [...FEEDS_BY_KIND.values()].flat();

const handler = runInNewContext(`${FEED_ENCODING_CODE}; handler`) as (event: unknown) => {
	uri: string;
};
const edgeRewrite = (uri: string) =>
	handler({ request: { uri, headers: { "accept-encoding": { value: "br" } } } }).uri;

/** The links of a page to one feed, in every format, with each format's media type. */
function formatLinks(html: string, feed: FeedName): void {
	for (const { format, contentType, label } of FEED_FORMATS) {
		const url = escapeHtml(`${SITE}${feedPath("en", feed, format)}`);
		expect(html).toContain(`<a href="${url}" type="${essenceOf(contentType)}">${label}</a>`);
		const alternate = html
			.split("\n")
			.find(
				(line) =>
					line.startsWith(`<link rel="alternate" type="${essenceOf(contentType)}" `) &&
					line.endsWith(` href="${url}">`),
			);
		expect(alternate).toBeDefined();
	}
}

describe("the table of formats", () => {
	it.each(FEED_DOCUMENT_TYPES)(
		"has the local edge serve .$extension with its media type, compressed",
		(type) => {
			expect(mediaTypeOf(`feeds/en/latest.${type.extension}`, "application/octet-stream")).toBe(
				type.contentType,
			);
			expect(isCompressible(type.contentType)).toBe(true);
		},
	);

	it.each(FEED_DOCUMENT_TYPES)(
		"has compressed copies of .$extension, and the CloudFront Function serving them, as it says",
		({ extension, edgeCompressed }) => {
			const path = `/feeds/en/latest.${extension}`;
			expect(compressedVariantsOf(path).length > 0).toBe(edgeCompressed);
			expect(edgeRewrite(path)).toBe(edgeCompressed ? `${path}.br` : path);
		},
	);
});

describe("the table of kinds", () => {
	it.each(FEED_KINDS)("has feeds of kind $kind whose names parse back", ({ kind }) => {
		const feeds = FEEDS_BY_KIND.get(kind) ?? [];
		expect(feeds.length).toBeGreaterThan(0);
		for (const feed of feeds) expect(parseFeedName(feed)).toBe(feed);
	});

	it.each(FEED_KINDS)("titles kind $kind in every language with interface text", ({ uiKey }) => {
		for (const language of ["en", ...translatedLanguages]) {
			const text = uiFor(language).strings[uiKey];
			expect(text).not.toBe("");
		}
	});

	it("lists every feed in the OPML, in the kinds' order, by its primary format", () => {
		const opml = renderOpml({
			siteUrl: SITE,
			feeds: [...ALL_FEEDS].reverse().map((feed) => ({ language: "en", feed })),
		});
		const urls = [...opml.matchAll(/xmlUrl="([^"]+)"/g)].map(([, url]) => url);
		expect(urls).toEqual(
			ALL_FEEDS.map((feed) => `${SITE}${feedPath("en", feed, PRIMARY_FORMAT.format)}`),
		);
		for (const feed of ALL_FEEDS)
			expect(opml).toContain(`title="${escapeHtml(feedTitle("en", feed))}"`);
	});

	it("offers each front page kind's feed on a front page, in every format", () => {
		if (!ITEM) throw new Error("the sample article has no rows");
		const lists = Object.fromEntries(FRONT_PAGE_KINDS.map(({ list }) => [list, [ITEM]]));
		const html = renderFrontPage({ siteUrl: SITE, language: "en", ...lists } as Parameters<
			typeof renderFrontPage
		>[0]);
		for (const row of FRONT_PAGE_KINDS) {
			expect(html).toContain(`id="${row.kind}-en">${uiFor("en").strings[row.uiKey]}<`);
			formatLinks(html, row.kind);
		}
	});

	it("offers an article's feeds of each kind placed on articles, and the main feed, in every format", () => {
		const html = renderArticlePage({ article: ARTICLE, bodyHtml: "<p>Text</p>", siteUrl: SITE });
		const placed = FEED_KINDS.filter(({ place }) => place === "article");
		for (const feed of [
			MAIN_FEED_KIND.kind,
			...placed.flatMap(({ kind }) => FEEDS_BY_KIND.get(kind) ?? []),
		]) {
			formatLinks(html, feed);
		}
		const primary = `${SITE}${feedPath("en", MAIN_FEED_KIND.kind, PRIMARY_FORMAT.format)}`;
		expect(html).toContain(`<code class="url">${primary}</code>`);
		const opml = `${SITE}${OPML.path}`;
		expect(html).toContain(
			`<a href="${opml}" type="${essenceOf(OPML.contentType)}">${OPML.label}</a>`,
		);
	});
});
