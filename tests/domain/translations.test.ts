import { XMLParser, XMLValidator } from "fast-xml-parser";
import { describe, expect, it } from "vitest";
import { type Article, articlePath } from "#shared/domain/article.ts";
import { buildFeedDocument } from "#shared/domain/render/feed-document.ts";
import { renderArticlePage } from "#shared/domain/render/render-article-page.ts";
import { renderAtom } from "#shared/domain/render/render-atom.ts";
import { renderJsonFeed } from "#shared/domain/render/render-json-feed.ts";
import { renderRss } from "#shared/domain/render/render-rss.ts";
import { renderSitemap, sitemapPages } from "#shared/domain/render/render-sitemap.ts";
import { feedEntriesFor } from "#shared/domain/targets.ts";
import { articleKeyOf, hreflangAlternates } from "#shared/domain/translations.ts";
import { makeArticle } from "../helpers/articles.ts";
import { expandOffline, type Node, nodes, value } from "../helpers/jsonld.ts";

const SITE = "https://news.example.org";
const ID = "2024-01-test-article";
const path = (language: string) => `/${language}/articles/science-news/${ID}`;
const ZH = { language: "zh", path: path("zh") };
const JA = { language: "ja", path: path("ja") };
const SCHEMA = "https://schema.org/";

function itemOf(article: Article) {
	const [row] = feedEntriesFor(article);
	if (!row) throw new Error("a published article has a Latest News row");
	return row.item;
}

function translatedDocument() {
	const en = makeArticle();
	const alone = makeArticle({ articleId: "alone" });
	return buildFeedDocument({
		siteUrl: SITE,
		language: "en",
		feed: "latest",
		items: [en, alone].map(itemOf),
		translations: new Map([[articleKeyOf(en), [ZH, JA]]]),
	});
}

/** The JSON-LD document of a page: the one `application/ld+json` block, parsed. */
function jsonLdOf(html: string): Record<string, unknown> {
	const match = html.match(/<script type="application\/ld\+json">([^<]*)<\/script>/);
	if (!match?.[1]) throw new Error("no JSON-LD block");
	return JSON.parse(match[1]);
}

describe("hreflang alternates", () => {
	const en = { partnerId: "science-news", articleId: ID, language: "en" };

	it("lists every version, itself included, in language order, and the original's as x-default", () => {
		expect(hreflangAlternates(en, [ZH, JA], "ja")).toEqual([
			{ hreflang: "en", path: path("en") },
			{ hreflang: "ja", path: path("ja") },
			{ hreflang: "zh", path: path("zh") },
			{ hreflang: "x-default", path: path("ja") },
		]);
	});

	it("names no x-default where the original's language has no public version here", () => {
		expect(hreflangAlternates(en, [ZH], "ja").map((link) => link.hreflang)).toEqual(["en", "zh"]);
		expect(hreflangAlternates(en, [], undefined)).toEqual([{ hreflang: "en", path: path("en") }]);
	});
});

describe("translations in feeds", () => {
	it("Atom: one hreflang alternate per translation, beside the entry's own link; well-formed", () => {
		const atom = renderAtom(translatedDocument());
		expect(XMLValidator.validate(atom)).toBe(true);
		const feed = new XMLParser({
			ignoreAttributes: false,
			attributeNamePrefix: "@",
			isArray: (name) => name === "entry" || name === "link",
		}).parse(atom).feed;
		const alternates = (entry: { link: Record<string, string>[] }) =>
			entry.link.filter((link) => link["@rel"] === "alternate");
		const [translated, alone] = feed.entry;
		expect(alternates(translated)).toEqual([
			{ "@rel": "alternate", "@type": "text/html", "@href": `${SITE}${path("en")}` },
			{
				"@rel": "alternate",
				"@type": "text/html",
				"@hreflang": "zh",
				"@href": `${SITE}${path("zh")}`,
			},
			{
				"@rel": "alternate",
				"@type": "text/html",
				"@hreflang": "ja",
				"@href": `${SITE}${path("ja")}`,
			},
		]);
		expect(alternates(alone)).toHaveLength(1);
	});

	it("JSON Feed: `_syndicate.translations` lists each one's language and URL, and only where there are any", () => {
		const feed = JSON.parse(renderJsonFeed(translatedDocument()));
		const [translated, alone] = feed.items;
		expect(translated._syndicate.translations).toEqual([
			{ language: "zh", url: `${SITE}${path("zh")}` },
			{ language: "ja", url: `${SITE}${path("ja")}` },
		]);
		expect(alone._syndicate).not.toHaveProperty("translations");
	});

	it("RSS has no way to say it, and says nothing", () => {
		expect(renderRss(translatedDocument())).not.toContain(path("zh"));
	});
});

describe("the sitemap", () => {
	const items = [
		makeArticle(),
		makeArticle({ language: "zh" }),
		makeArticle({ articleId: "alone" }),
	].map(itemOf);

	it("is well-formed sitemaps.org XML with xhtml:link alternates of each page", () => {
		const [only, ...more] = renderSitemap(SITE, sitemapPages(["en", "zh"], items));
		expect(more).toEqual([]);
		expect(only?.path).toBe("/sitemap.xml");
		const xml = only?.xml ?? "";
		expect(XMLValidator.validate(xml)).toBe(true);
		expect(xml).toContain(
			'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:xhtml="http://www.w3.org/1999/xhtml">',
		);
		expect(xml).toContain(`  <url>
    <loc>${SITE}${path("zh")}</loc>
    <xhtml:link rel="alternate" hreflang="en" href="${SITE}${path("en")}"/>
    <xhtml:link rel="alternate" hreflang="zh" href="${SITE}${path("zh")}"/>
  </url>`);
		expect(xml).toContain(`  <url>
    <loc>${SITE}/</loc>
    <xhtml:link rel="alternate" hreflang="en" href="${SITE}/en/"/>
    <xhtml:link rel="alternate" hreflang="zh" href="${SITE}/zh/"/>
    <xhtml:link rel="alternate" hreflang="x-default" href="${SITE}/"/>
  </url>`);
	});

	it("names the x-default each page names: the original's version, where it is public here", () => {
		const original = { language: "en", publication: "The Science News" };
		const versions = [
			makeArticle({ original }),
			makeArticle({ language: "zh", original }),
			makeArticle({ articleId: "alone", language: "zh", original }),
		];
		const pages = sitemapPages(["en", "zh"], versions.map(itemOf));
		for (const article of versions) {
			const others = versions
				.filter((one) => one.articleId === article.articleId && one !== article)
				.map((one) => ({ language: one.language, path: articlePath(one) }));
			const listed = pages.find((one) => one.path === articlePath(article));
			expect(listed?.alternates).toEqual(hreflangAlternates(article, others, "en"));
		}
		expect(pages.find((one) => one.path === path("zh"))?.alternates).toContainEqual({
			hreflang: "x-default",
			path: path("en"),
		});
		// Its original (en) is not public here: no x-default, as on its page.
		expect(pages.find((one) => one.path.endsWith("/alone"))?.alternates).toEqual([
			{ hreflang: "zh", path: "/zh/articles/science-news/alone" },
		]);
	});

	it("past its limits, is a sitemap index of parts, each within them", () => {
		const documents = renderSitemap(SITE, sitemapPages(["en", "zh"], items), {
			urls: 2,
			bytes: 100_000,
		});
		expect(documents.map((one) => one.path)).toEqual([
			"/sitemap.xml",
			"/sitemaps/1.xml",
			"/sitemaps/2.xml",
			"/sitemaps/3.xml",
		]);
		const [index, ...parts] = documents;
		expect(index?.xml).toContain(
			'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
		);
		expect(index?.xml).toContain(`<sitemap><loc>${SITE}/sitemaps/3.xml</loc></sitemap>`);
		for (const part of parts) {
			expect(XMLValidator.validate(part.xml)).toBe(true);
			expect(part.xml.match(/<url>/g)?.length).toBeLessThanOrEqual(2);
		}
		const bySize = renderSitemap(SITE, sitemapPages(["en"], items), { urls: 100, bytes: 700 });
		for (const part of bySize.slice(1))
			expect(new TextEncoder().encode(part.xml).length).toBeLessThanOrEqual(700);
	});
});

describe("the article page's language versions", () => {
	const zhArticle = makeArticle({
		language: "zh",
		original: { language: "ja", headline: "グリーン連盟", url: "https://example.jp/a" },
	});

	it("links every version in the head, and offers the others in a labelled switcher", () => {
		const html = renderArticlePage({
			article: zhArticle,
			bodyHtml: "<p>正文</p>",
			siteUrl: SITE,
			translations: [{ language: "en", path: path("en") }],
		});
		const head = html.slice(0, html.indexOf("</head>"));
		expect(head).toContain(`<link rel="alternate" hreflang="en" href="${SITE}${path("en")}">`);
		expect(head).toContain(`<link rel="alternate" hreflang="zh" href="${SITE}${path("zh")}">`);
		expect(head).not.toContain("x-default");
		expect(html).toContain(`<nav class="lang-switch" aria-label="其他语言版本">`);
		expect(html).toContain(`<a href="${SITE}${path("en")}" hreflang="en" lang="en">English</a>`);
	});

	it("describes itself as a schema.org NewsArticle that expands offline", async () => {
		const html = renderArticlePage({
			article: zhArticle,
			bodyHtml: "<p>正文</p>",
			siteUrl: SITE,
			translations: [{ language: "en", path: path("en") }],
			translator: "JST",
		});
		const [article] = await expandOffline(jsonLdOf(html));
		expect(article?.["@type"]).toEqual([`${SCHEMA}NewsArticle`]);
		const node = article as Node;
		expect(node["@id"]).toBe(`${SITE}${path("zh")}`);
		expect(value(node, `${SCHEMA}inLanguage`)).toBe("zh");
		expect(value(node, `${SCHEMA}datePublished`)).toBe("2024-01-10T00:00:00.000Z");
		expect(value(node, `${SCHEMA}headline`)).toBe(zhArticle.headline);
		expect(value(nodes(node, `${SCHEMA}copyrightHolder`)[0] ?? {}, `${SCHEMA}name`)).toBe(
			"The Science News Ltd.",
		);
		expect(value(nodes(node, `${SCHEMA}translator`)[0] ?? {}, `${SCHEMA}name`)).toBe("JST");
		expect(nodes(node, `${SCHEMA}image`)).toHaveLength(1);
		const [original] = nodes(node, `${SCHEMA}translationOfWork`);
		expect(value(original ?? {}, `${SCHEMA}inLanguage`)).toBe("ja");
		expect(value(original ?? {}, `${SCHEMA}url`)).toBe("https://example.jp/a");
		expect(nodes(original ?? {}, `${SCHEMA}workTranslation`).map((one) => one["@id"])).toEqual([
			`${SITE}${path("zh")}`,
			`${SITE}${path("en")}`,
		]);
	});

	it("keeps a headline's `</script>` inside its JSON-LD block, which holds no markup at all", () => {
		const hostile = "</script><script>alert(1)</script> & \u2028";
		const html = renderArticlePage({
			article: makeArticle({ headline: hostile }),
			bodyHtml: "<p>x</p>",
			siteUrl: SITE,
		});
		const block =
			html.match(/<script type="application\/ld\+json">([\s\S]*?)<\/script>/)?.[1] ?? "";
		expect(block).not.toMatch(/[<>&\u2028]/);
		expect(jsonLdOf(html).headline).toBe(hostile);
		expect(html.match(/<script/g)).toHaveLength(1);
	});

	it("names the agreement's translator only, never the manifest's claim", () => {
		const html = renderArticlePage({ article: makeArticle(), bodyHtml: "<p>x</p>", siteUrl: SITE });
		expect(jsonLdOf(html)).not.toHaveProperty("translator");
	});

	it("names no photo where the agreement does not permit photos", () => {
		const article = makeArticle({
			permission: { ...makeArticle().permission, imagesAllowed: false },
		});
		const html = renderArticlePage({ article, bodyHtml: "<p>x</p>", siteUrl: SITE });
		expect(jsonLdOf(html)).not.toHaveProperty("image");
	});
});
