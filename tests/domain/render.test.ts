import { XMLParser, XMLValidator } from "fast-xml-parser";
import { describe, expect, it } from "vitest";
import type { Article } from "#shared/domain/article.ts";
import { buildFeedDocument } from "#shared/domain/render/feed-document.ts";
import { renderArticlePage } from "#shared/domain/render/render-article-page.ts";
import { renderAtom } from "#shared/domain/render/render-atom.ts";
import { renderJsonFeed } from "#shared/domain/render/render-json-feed.ts";
import { renderRss } from "#shared/domain/render/render-rss.ts";
import { feedEntriesFor } from "#shared/domain/targets.ts";
import { makeArticle } from "../helpers/articles.ts";

const SITE = "https://news.example.org";

function latestItem(article: Article) {
	const [row] = feedEntriesFor(article);
	if (!row) throw new Error("a published article has a Latest News row");
	return row.item;
}

function makeDocument() {
	const older = makeArticle({
		articleId: "older",
		firstCreated: "2024-01-01T00:00:00Z",
		versionCreated: "2024-01-01T00:00:00Z",
	});
	// Each article's Latest News row (its first): the items of one feed.
	const items = [makeArticle(), older].map((article) => latestItem(article));
	return buildFeedDocument({ siteUrl: SITE, language: "en", feed: "latest", items });
}

const xml = new XMLParser({
	// Numeric character references are XML; this parser decodes them only with htmlEntities.
	htmlEntities: true,
	ignoreAttributes: false,
	attributeNamePrefix: "@",
	isArray: (name) => ["item", "entry", "category", "link"].includes(name),
});

describe("feed renderers", () => {
	it("RSS 2.0 is well-formed, with self link, language, guid, attribution and escaped text", () => {
		const out = renderRss(makeDocument());
		expect(XMLValidator.validate(out)).toBe(true);
		const channel = xml.parse(out).rss.channel;
		expect(channel.language).toBe("en");
		expect(channel["atom:link"]["@href"]).toBe(`${SITE}/feeds/en/latest.rss`);
		expect(channel["atom:link"]["@rel"]).toBe("self");
		const [item] = channel.item;
		expect(item.title).toBe('Tokyo & Osaka <agree> on "green" rules');
		expect(item.guid["#text"]).toBe("urn:syndicate:article:science-news:2024-01-test-article:en");
		expect(item.guid["@isPermaLink"]).toBe("false");
		expect(item.link[0]).toBe(`${SITE}/en/articles/science-news/2024-01-test-article`);
		expect(item["content:encoded"]).toContain(
			"with permission from The Science News Ltd. Unauthorized reproduction",
		);
		expect(item["dc:creator"]).toBe("Hanako Yamada");
		expect(item["dc:rights"]).toContain("translated by JST");
		expect(item.pubDate).toBe("Wed, 10 Jan 2024 00:00:00 GMT");
		expect(item.enclosure).toEqual({
			"@url": `${SITE}/media/en/science-news/2024-01-test-article/images/photo.png`,
			"@length": "68",
			"@type": "image/png",
		});
		expect(out).not.toContain("<author>");
		expect(out).not.toContain("CDATA");
		expect(out).toMatchSnapshot();
	});

	it("Atom 1.0 is well-formed, with xml:lang, self link, ids, authors and rights", () => {
		const out = renderAtom(makeDocument());
		expect(XMLValidator.validate(out)).toBe(true);
		const feed = xml.parse(out).feed;
		expect(feed["@xml:lang"]).toBe("en");
		expect(feed.id).toBe("urn:syndicate:feed:en:latest");
		expect(feed.link.find((l: Record<string, string>) => l["@rel"] === "self")["@href"]).toBe(
			`${SITE}/feeds/en/latest.atom`,
		);
		expect(feed.updated).toBe("2024-01-10T00:00:00.000Z");
		const [entry] = feed.entry;
		// type="text": the title is the plain headline, not HTML.
		expect(entry.title["@type"]).toBe("text");
		expect(entry.title["#text"]).toBe('Tokyo & Osaka <agree> on "green" rules');
		expect(entry.summary["#text"]).toBe("A teaser with <b>markup-like</b> text & an ampersand.");
		expect(entry.author.name).toBe("Hanako Yamada");
		expect(entry.rights["#text"]).toContain("translated by JST");
		expect(entry.link.find((l: Record<string, string>) => l["@rel"] === "enclosure")).toEqual({
			"@rel": "enclosure",
			"@type": "image/png",
			"@length": "68",
			"@href": `${SITE}/media/en/science-news/2024-01-test-article/images/photo.png`,
		});
		expect(entry.category.map((c: Record<string, string>) => c["@term"])).toEqual([
			"energy",
			"policy",
		]);
		expect(out).not.toMatch(/label=|scheme=|undefined|CDATA/);
		expect(out).toMatchSnapshot();
	});

	it("JSON Feed is version 1.1 with language, authors and attribution", () => {
		const feed = JSON.parse(renderJsonFeed(makeDocument()));
		expect(feed.version).toBe("https://jsonfeed.org/version/1.1");
		expect(feed.language).toBe("en");
		expect(feed.feed_url).toBe(`${SITE}/feeds/en/latest.json`);
		expect(feed.author).toBeUndefined();
		expect(feed.items).toHaveLength(2);
		for (const item of feed.items) {
			expect(item.id).toMatch(/^urn:syndicate:article:/);
			expect(item.url).toMatch(/^https:\/\//);
			expect(item.content_html).toContain("with permission from The Science News Ltd.");
			expect(item.authors).toHaveLength(1);
			expect(item._rights.attribution).toContain("with permission from The Science News Ltd.");
		}
		expect(feed.items[0].image).toBe(
			`${SITE}/media/en/science-news/2024-01-test-article/images/photo.png`,
		);
		expect(feed).toMatchSnapshot();
	});

	it("write a date of the years 0000-0099 with four digits in RSS, Atom and JSON Feed", () => {
		const ancient = makeArticle({
			firstCreated: "0050-01-01T09:00:00+09:00",
			versionCreated: "0050-01-01T09:00:00+09:00",
		});
		const doc = buildFeedDocument({
			siteUrl: SITE,
			language: "en",
			feed: "latest",
			items: [latestItem(ancient)],
		});
		const rss = xml.parse(renderRss(doc)).rss.channel;
		expect(rss.item[0].pubDate).toBe("Sat, 01 Jan 0050 00:00:00 GMT");
		expect(rss.lastBuildDate).toBe("Sat, 01 Jan 0050 00:00:00 GMT");
		const atom = xml.parse(renderAtom(doc)).feed;
		expect(atom.entry[0].published).toBe("0050-01-01T00:00:00.000Z");
		expect(JSON.parse(renderJsonFeed(doc)).items[0].date_published).toBe(
			"0050-01-01T00:00:00.000Z",
		);
	});

	it("render the same bytes for the same data: no clock inside", () => {
		expect(renderRss(makeDocument())).toBe(renderRss(makeDocument()));
		expect(renderAtom(makeDocument())).toBe(renderAtom(makeDocument()));
		// An empty feed's date comes from the store (when it last lost an item), or is the day
		// the feeds began: never the epoch, which validators call implausible.
		const empty = buildFeedDocument({ siteUrl: SITE, language: "zh", feed: "latest", items: [] });
		expect(renderAtom(empty)).toContain("<updated>2024-01-01T00:00:00.000Z</updated>");
		const emptied = buildFeedDocument({
			siteUrl: SITE,
			language: "zh",
			feed: "latest",
			items: [],
			emptySince: "2026-03-01T12:00:00.000Z",
		});
		expect(renderAtom(emptied)).toContain("<updated>2026-03-01T12:00:00.000Z</updated>");
		expect(renderRss(emptied)).toContain(
			"<lastBuildDate>Sun, 01 Mar 2026 12:00:00 GMT</lastBuildDate>",
		);
	});

	it("leave the photo out where the agreement does not cover images", () => {
		const article = makeArticle({
			permission: { ...makeArticle().permission, imagesAllowed: false },
		});
		const items = [latestItem(article)];
		const doc = buildFeedDocument({ siteUrl: SITE, language: "en", feed: "latest", items });
		expect(renderRss(doc)).not.toContain("<img");
		expect(JSON.parse(renderJsonFeed(doc)).items[0].image).toBeUndefined();
		expect(renderArticlePage({ article, bodyHtml: "<p>x</p>", siteUrl: SITE })).not.toContain(
			"<img",
		);
	});
});
