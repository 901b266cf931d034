import { describe, expect, it } from "vitest";
import type { Article } from "#shared/domain/article.ts";
import { BUNDLE_IMAGE_ATTR } from "#shared/domain/media.ts";
import { parseFragment } from "#shared/domain/render/html.ts";
import { uiFor } from "#shared/domain/render/i18n.ts";
import { renderArticlePage } from "#shared/domain/render/render-article-page.ts";
import {
	renderArchivePage,
	renderFrontPage,
	renderHomePage,
	renderNotFoundPage,
} from "#shared/domain/render/render-pages.ts";
import { siteStylesheet } from "#shared/domain/render/stylesheet.ts";
import { sanitizeBody } from "#shared/domain/sanitize-body.ts";
import { type FeedItem, feedEntriesFor } from "#shared/domain/targets.ts";
import { makeArticle } from "../helpers/articles.ts";

const SITE = "https://news.example.org";
const MEDIA = `${SITE}/media/en/science-news/2024-01-test-article/images/photo.png`;
const HOSTILE = `<script>alert(1)</script>"'&`;

function itemsOf(...articles: Article[]): FeedItem[] {
	return articles.flatMap(feedEntriesFor).map((entry) => entry.item);
}

function withoutImages(article: Article): Article {
	return { ...article, permission: { ...article.permission, imagesAllowed: false } };
}

function chinese(overrides: Partial<Article> = {}): Article {
	return makeArticle({
		language: "zh",
		headline: "日立与中国合作企业及高校携手开展低碳技术研发",
		summary: "日立与日立（中国）宣布开展合作。",
		byline: undefined,
		original: { language: "ja", publication: "The Science News", publishedAt: "2023-02-17" },
		...overrides,
	});
}

/** Every page must work under `default-src 'none'; style-src 'self'` and without JavaScript. */
function expectNoInlineCode(html: string): void {
	// A JSON-LD data block is not code (no browser runs it), and holds no markup at all.
	const code = html.replace(/<script type="application\/ld\+json">[^<>&]*<\/script>/g, "");
	expect(code).not.toMatch(/<script|<style|\sstyle=|\son[a-z]+=|javascript:/i);
	expect(html).toContain(`<link rel="stylesheet" href="${SITE}/${siteStylesheet().key}">`);
}

/** The `lang` of every element, and the text directly inside it. */
function langsOf(html: string): { lang: string; text: string }[] {
	const out: { lang: string; text: string }[] = [];
	const body = html.slice(html.indexOf("<body>"));
	const walk = (nodes: ReturnType<typeof parseFragment>, lang: string) => {
		for (const node of nodes) {
			if (node.type === "text") {
				if (node.html.trim()) out.push({ lang, text: node.html.trim() });
				continue;
			}
			const own = node.attrs.find(([name]) => name === "lang")?.[1];
			walk(node.children, own ?? lang);
		}
	};
	const page = /<html lang="([^"]+)">/.exec(html)?.[1] ?? "";
	walk(parseFragment(body), page);
	return out;
}

describe("the stylesheet", () => {
	it("is one content-named file, the same bytes every time", () => {
		const { key, css } = siteStylesheet();
		expect(key).toMatch(/^assets\/site-[0-9a-f]{8}\.css$/);
		expect(siteStylesheet()).toEqual({ key, css });
		expect(css).toContain("@media (min-width:56rem)");
		expect(css).toContain("WenQuanYi Zen Hei");
		expect(css.length).toBeLessThan(8_000);
	});
});

describe("the article page", () => {
	it("shows headline, dates, byline, photo with caption and credit, body and attribution", () => {
		const article = makeArticle({ version: 2, versionCreated: "2024-01-12T09:00:00+09:00" });
		const html = renderArticlePage({ article, bodyHtml: "<p>Body.</p>", siteUrl: SITE });
		expect(html).toMatch(/^<!doctype html>\n<html lang="en">/);
		expect(html).toContain("<h1>Tokyo &amp; Osaka &lt;agree&gt; on &quot;green&quot; rules</h1>");
		expect(html).toContain('<span class="byline">Hanako Yamada</span>');
		expect(html).toContain('Published <time datetime="2024-01-10T00:00:00.000Z">2024-01-10</time>');
		expect(html).toContain('Updated <time datetime="2024-01-12T00:00:00.000Z">2024-01-12</time>');
		expect(html).toContain(
			`<figure><img src="${MEDIA}" alt="Two people"><figcaption>A photo <span class="credit">Photo: The Science News Ltd.</span></figcaption></figure>`,
		);
		expect(html).toContain("<p>Body.</p>");
		expect(html).toContain(
			'<p class="attribution">This article has been translated by JST with permission from The Science News Ltd.',
		);
		expect(html).toContain(`<a href="${SITE}/en/">Back to Latest News</a>`);
		expect(html).toContain(
			`<link rel="canonical" href="${SITE}/en/articles/science-news/2024-01-test-article">`,
		);
		expectNoInlineCode(html);
	});

	it("leaves every photo out, lead and inline, where the agreement does not cover images", () => {
		const article = withoutImages(makeArticle());
		const body = `<p>Text</p><figure><img ${BUNDLE_IMAGE_ATTR}="images/photo.png" alt="x"><figcaption>Inline caption</figcaption></figure>`;
		const html = renderArticlePage({ article, bodyHtml: body, siteUrl: SITE });
		expect(html).not.toContain("<img");
		expect(html).not.toContain("<figure");
		expect(html).not.toContain("Inline caption");
		expect(html).not.toContain("Photo: ");
		expect(html).toContain("<p>Text</p>");
	});

	it("turns an inline photo of the bundle into the published photo, with its credit, shown once", () => {
		const body = sanitizeBody(
			'<p>Text</p><figure><img src="images/photo.png" alt=""><figcaption>Inline caption</figcaption></figure><p>Also <img src="images/photo.png" alt="again"> here</p>',
			{ body: "article.html", images: ["images/photo.png"] },
		).html;
		const html = renderArticlePage({ article: makeArticle(), bodyHtml: body, siteUrl: SITE });
		// The manifest's alt stands in for an empty one; the credit joins the body's caption.
		expect(html).toContain(
			`<figure><img src="${MEDIA}" alt="Two people"><figcaption>Inline caption <span class="credit">Photo: The Science News Ltd.</span></figcaption></figure>`,
		);
		expect(html).toContain(
			`<p>Also <img src="${MEDIA}" alt="again"><small><span class="credit">Photo: The Science News Ltd.</span></small> here</p>`,
		);
		expect(html).not.toContain(BUNDLE_IMAGE_ATTR);
		// Placed in the body, so not repeated above it.
		expect(html.match(/<figure>/g)).toHaveLength(1);
	});

	it("drops a reference to a photo the article does not have, leaving no dangling caption", () => {
		const body = `<figure><img ${BUNDLE_IMAGE_ATTR}="images/gone.png"><figcaption>Gone</figcaption></figure><p>Text</p>`;
		const html = renderArticlePage({ article: makeArticle(), bodyHtml: body, siteUrl: SITE });
		expect(html).not.toContain("Gone");
		expect(html).not.toContain(BUNDLE_IMAGE_ATTR);
		expect(html.slice(html.indexOf('<div class="body">'))).not.toContain("<figcaption>");
	});

	it("links the feeds of its partner and of each subject, and Latest News, in every format", () => {
		const article = makeArticle({ subjects: ["energy", "Électricité Verte"] });
		const html = renderArticlePage({
			article,
			bodyHtml: "<p>x</p>",
			siteUrl: SITE,
			partnerName: "The Science News Ltd.",
		});
		for (const format of ["rss", "atom", "json"]) {
			expect(html).toContain(`href="${SITE}/feeds/en/latest.${format}"`);
			expect(html).toContain(`href="${SITE}/feeds/en/partners/science-news.${format}"`);
			expect(html).toContain(`href="${SITE}/feeds/en/subjects/energy.${format}"`);
			expect(html).toContain(
				`href="${SITE}/feeds/en/subjects/%C3%A9lectricit%C3%A9-verte.${format}"`,
			);
		}
		expect(html).toContain(
			`<link rel="alternate" type="application/rss+xml" title="All articles from The Science News Ltd. (RSS)" href="${SITE}/feeds/en/partners/science-news.rss">`,
		);
		expect(html).toContain(
			`<link rel="alternate" type="application/feed+json" title="Latest News · English (JSON Feed)" href="${SITE}/feeds/en/latest.json">`,
		);
	});

	it("escapes every text and attribute value it takes from a partner", () => {
		const article = makeArticle({
			headline: HOSTILE,
			byline: HOSTILE,
			subjects: [HOSTILE],
			images: [
				{
					...(makeArticle().images[0] as Article["images"][number]),
					caption: HOSTILE,
					credit: HOSTILE,
					alt: HOSTILE,
				},
			],
			original: {
				language: "ja",
				publication: HOSTILE,
				url: `https://x.example/?q="><script>`,
				headline: HOSTILE,
			},
			rights: { ...makeArticle().rights, notice: HOSTILE },
			permission: { ...makeArticle().permission, attribution: HOSTILE },
		});
		const html = renderArticlePage({
			article,
			bodyHtml: "<p>x</p>",
			siteUrl: SITE,
			partnerName: HOSTILE,
		});
		expect(html).not.toContain("<script>");
		expect(html).not.toMatch(/"'&(?!amp;|lt;|gt;|quot;|#39;)/);
		expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;");
		expectNoInlineCode(html);
	});

	it("prints an attribution decided in Chinese as Chinese, names subjects and the partner", () => {
		const line = "本文由JST经The Science News Ltd.许可翻译。未经许可，禁止转载本文及照片。";
		const article = chinese({
			subjects: ["china", "green-technology"],
			subjectNames: { china: "中国" },
			permission: { ...chinese().permission, attribution: line, attributionLang: "zh" },
		});
		const zh = renderArticlePage({
			article,
			bodyHtml: "<p>正文。</p>",
			siteUrl: SITE,
			partnerName: "The Science News Ltd.",
		});
		expect(zh).toContain(`<p class="attribution">${line}</p>`);
		expect(zh).toContain("<li>主题：中国 — <a ");
		expect(zh).toContain("<li>主题：Green technology — <a ");
		expect(zh).toContain("<li>The Science News Ltd. 的全部文章 — <a ");
		expect(zh).not.toContain("主题：china");
		// A front page's list prints each item's attribution as the item carries it.
		const front = renderFrontPage({
			siteUrl: SITE,
			language: "zh",
			latest: itemsOf(article).slice(0, 1),
			updated: [],
			mostViewed: [],
		});
		expect(front).toContain(`<p class="attribution">${line}</p>`);
	});

	it("is in the article's language, and marks what is not: the English attribution, fallbacks", () => {
		const zh = renderArticlePage({ article: chinese(), bodyHtml: "<p>正文。</p>", siteUrl: SITE });
		expect(zh).toMatch(/<html lang="zh">/);
		expect(zh).toContain("返回最新消息");
		expect(zh).toContain("发布 <time");
		expect(zh).toContain('<p class="attribution" lang="en">This article has been translated');
		expect(zh).toContain("原文: The Science News, 2023-02-17, 日语");
		const english = langsOf(zh).filter(({ text }) =>
			/Back to|Subscribe|Latest News|Published/.test(text),
		);
		expect(english).toEqual([]);

		// No French interface text: the English fallback says it is English.
		const fr = renderArticlePage({
			article: makeArticle({ language: "fr" }),
			bodyHtml: "<p>Texte.</p>",
			siteUrl: SITE,
		});
		expect(fr).toMatch(/<html lang="fr">/);
		for (const { lang, text } of langsOf(fr)) {
			if (/^(Back to Latest News|Subscribe|Published|Skip to content)$/.test(text)) {
				expect(lang, text).toBe("en");
			}
		}
		expect(fr).toContain('<p class="back" lang="en">');
		expect(fr).toContain(
			'<section class="subscribe" id="subscribe" aria-labelledby="subscribe-title" lang="en">',
		);
	});

	it("explains feeds to a human in a Subscribe section, with the OPML list", () => {
		const html = renderArticlePage({ article: makeArticle(), bodyHtml: "<p>x</p>", siteUrl: SITE });
		expect(html).toContain('<section class="subscribe" id="subscribe"');
		expect(html).toContain('<h2 id="subscribe-title">Subscribe</h2>');
		expect(html).toMatch(/RSS and Atom are the classic feed formats/);
		expect(html).toContain(
			`<a href="${SITE}/feeds/index.opml" type="text/x-opml"><code class="url">${SITE}/feeds/index.opml</code></a>`,
		);
		expect(html).toContain(`<code class="url">${SITE}/feeds/en/latest.rss</code>`);
		expect(html).not.toContain("xml-stylesheet");
	});
});

describe("the front page", () => {
	it("shows Latest News with Recent Updates and Most Viewed beside it, each with its feed", () => {
		const first = makeArticle();
		const updated = makeArticle({
			articleId: "updated",
			version: 3,
			versionCreated: "2024-02-01T00:00:00Z",
		});
		const html = renderFrontPage({
			siteUrl: SITE,
			language: "en",
			latest: itemsOf(first, updated),
			updated: itemsOf(updated),
			mostViewed: itemsOf(first),
			olderPath: "/en/archive/2",
		});
		const latest = html.indexOf('id="latest-en"');
		const aside = html.indexOf("<aside>");
		expect(latest).toBeGreaterThan(0);
		expect(html.indexOf('id="updated-en"')).toBeGreaterThan(aside);
		expect(html.indexOf('id="most-viewed-en"')).toBeGreaterThan(aside);
		expect(html).toContain('<div class="columns">');
		for (const name of ["latest", "updated", "most-viewed"]) {
			expect(html).toContain(
				`<a href="${SITE}/feeds/en/${name}.atom" type="application/atom+xml">Atom</a>`,
			);
			expect(html).toContain(`<link rel="alternate" type="application/rss+xml"`);
		}
		expect(html).toContain(`<a href="${SITE}/en/articles/science-news/2024-01-test-article">`);
		expect(html).toContain("with permission from The Science News Ltd.");
		expect(html).toContain(`<img class="thumb" src="${MEDIA}" alt="">`);
		// Recent Updates dates the update, not the first publication.
		expect(html).toContain('<time datetime="2024-02-01T00:00:00.000Z">2024-02-01</time>');
		expect(html).toContain(`<a href="${SITE}/en/archive/2" rel="next">Older articles</a>`);
		expect(html).toContain('<section class="subscribe" id="subscribe"');
		expectNoInlineCode(html);
	});

	it("says there is nothing yet for each empty list, and offers no older link without one", () => {
		const html = renderFrontPage({
			siteUrl: SITE,
			language: "en",
			latest: [],
			updated: [],
			mostViewed: [],
		});
		expect(html.match(/<p>No articles yet\.<\/p>/g)).toHaveLength(3);
		expect(html).not.toContain("Older articles");
		// A feed with no items is not written: nothing links one.
		expect(html).not.toContain("/feeds/en/");
	});

	it("leaves a photo out of the list when the item has none (not permitted)", () => {
		const html = renderFrontPage({
			siteUrl: SITE,
			language: "en",
			latest: itemsOf(withoutImages(makeArticle())),
			updated: [],
			mostViewed: [],
		});
		expect(html).not.toContain("<img");
	});

	it("is in the page's language: Chinese and Japanese interface text, CJK fonts", () => {
		const zh = renderFrontPage({
			siteUrl: SITE,
			language: "zh",
			latest: itemsOf(chinese()),
			updated: [],
			mostViewed: [],
		});
		expect(zh).toMatch(/<html lang="zh">/);
		for (const text of ["最新消息", "最近更新", "最多阅读", "暂无文章。", "订阅"])
			expect(zh).toContain(text);
		expect(zh).toContain('<p class="attribution" lang="en">');
		const ja = renderFrontPage({
			siteUrl: SITE,
			language: "ja",
			latest: [],
			updated: [],
			mostViewed: [],
		});
		expect(ja).toMatch(/<html lang="ja">/);
		for (const text of ["最新ニュース", "最近の更新", "よく読まれている記事", "購読"])
			expect(ja).toContain(text);
		expect(ja).not.toMatch(/ lang="en"/);
		expect(uiFor("zh-TW").lang).toBe("zh-Hant");
		expect(uiFor("ko").lang).toBe("en");
	});

	it("escapes item text", () => {
		const item = {
			...(itemsOf(makeArticle())[0] as FeedItem),
			headline: HOSTILE,
			summary: HOSTILE,
			attribution: HOSTILE,
		};
		const html = renderFrontPage({
			siteUrl: SITE,
			language: "en",
			latest: [item],
			updated: [item],
			mostViewed: [item],
		});
		expect(html).not.toContain("<script>");
		expectNoInlineCode(html);
	});
});

describe("the home page", () => {
	it("shows each language's lists in that language, language names in their own", () => {
		const html = renderHomePage({
			siteUrl: SITE,
			sections: [
				{ language: "en", latest: itemsOf(makeArticle()), updated: [], mostViewed: [] },
				{ language: "zh", latest: itemsOf(chinese()), updated: [], mostViewed: [] },
			],
		});
		expect(html).toMatch(/<html lang="en">/);
		expect(html).toContain('<section class="home-lang" lang="zh" aria-labelledby="home-zh">');
		expect(html).toContain(`<h2 id="home-zh"><a href="${SITE}/zh/">中文</a></h2>`);
		expect(html).toContain(`<a href="${SITE}/zh/" hreflang="zh" lang="zh">中文</a>`);
		expect(html).toContain('<h3 id="latest-zh">最新消息</h3>');
		expect(html).toContain(`href="${SITE}/feeds/zh/latest.atom"`);
		expect(html).toContain(`<a href="${SITE}/en/articles/science-news/2024-01-test-article">`);
		expectNoInlineCode(html);
	});

	it("says there is nothing yet on an empty site", () => {
		expect(renderHomePage({ siteUrl: SITE, sections: [] })).toContain("No articles yet.");
	});
});

describe("the not-found page", () => {
	it("is a real page with the way home and to each language's front page", () => {
		const html = renderNotFoundPage({ siteUrl: SITE, languages: ["en", "zh", "ja"] });
		expect(html).toMatch(/^<!doctype html>\n<html lang="en">/);
		expect(html).toContain("<h1>Page not found</h1>");
		expect(html).toContain(`<a href="${SITE}/">Home</a>`);
		expect(html).toContain(`<a href="${SITE}/zh/" hreflang="zh" lang="zh">中文</a>`);
		expect(html).toContain(`<a href="${SITE}/ja/" hreflang="ja" lang="ja">日本語</a>`);
		expect(html).toContain('<section lang="zh">\n<h2>找不到页面</h2>');
		expect(html).toContain('<section lang="ja">\n<h2>ページが見つかりません</h2>');
		// It answers for any path: no canonical URL of its own.
		expect(html).not.toContain('rel="canonical"');
		expectNoInlineCode(html);
	});
});

describe("the archive page", () => {
	it("lists older Latest News with links both ways", () => {
		const html = renderArchivePage({
			siteUrl: SITE,
			language: "en",
			title: "Latest News, page 2",
			items: itemsOf(makeArticle()),
			newerPath: "/en/",
			olderPath: "/en/archive/3",
		});
		expect(html).toContain("<h1>Latest News, page 2</h1>");
		expect(html).toContain(`<a href="${SITE}/en/" rel="prev">Newer articles</a>`);
		expect(html).toContain(`<a href="${SITE}/en/archive/3" rel="next">Older articles</a>`);
		expectNoInlineCode(html);
	});
});
