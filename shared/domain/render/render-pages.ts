import type { Article, StoredImage } from "../article.ts";
import { articlePath, imagePath } from "../article.ts";
import { BUNDLE_IMAGE_ATTR } from "../media.ts";
import { type FeedItem, subjectSlug } from "../targets.ts";
import {
	absoluteUrl,
	attrOf,
	escapeHtml,
	type FragmentElement,
	type FragmentNode,
	mapImages,
	parseFragment,
	serializeFragment,
} from "./html.ts";
import {
	fill,
	langAttr,
	languageNameIn,
	nativeLanguageName,
	type Ui,
	type UiStrings,
	uiFor,
} from "./i18n.ts";
import { siteIcon, siteStylesheet } from "./stylesheet.ts";

const SITE_NAME = "Syndicate";
const OPML_PATH = "/feeds/index.opml";

// The formats of docs/feeds.md, in the order pages offer them.
const FORMATS = [
	{ format: "rss", name: "RSS", type: "application/rss+xml" },
	{ format: "atom", name: "Atom", type: "application/atom+xml" },
	{ format: "json", name: "JSON Feed", type: "application/feed+json" },
] as const;

/**
 * A feed of docs/feeds.md by its path name: `latest`, `updated`, `most-viewed`,
 * `partners/{partnerId}` or `subjects/{slug}`.
 */
type FeedName = "latest" | "updated" | "most-viewed" | `partners/${string}` | `subjects/${string}`;

/** A feed as a page offers it: its path name and its title in the page's interface language. */
interface FeedLink {
	language: string;
	name: FeedName;
	title: string;
}

// Built from the path contract (`/feeds/{lang}/{name}.{format}`), each name segment encoded.
function feedUrl(siteUrl: string, feed: Pick<FeedLink, "language" | "name">, format: string) {
	const name = feed.name.split("/").map(encodeURIComponent).join("/");
	return absoluteUrl(siteUrl, `/feeds/${encodeURIComponent(feed.language)}/${name}.${format}`);
}

function href(siteUrl: string, path: string): string {
	return escapeHtml(absoluteUrl(siteUrl, path));
}

function frontPath(language: string): string {
	return `/${encodeURIComponent(language)}/`;
}

/** `2023-02-20`: the same in every language, and no clock or locale data involved. */
function formatDate(instant: string): string {
	return new Date(instant).toISOString().slice(0, 10);
}

function time(instant: string): string {
	return `<time datetime="${escapeHtml(new Date(instant).toISOString())}">${formatDate(instant)}</time>`;
}

/** What every part of a page needs: where the site is, and the language around it. */
interface Context {
	siteUrl: string;
	/** The language of the element the part goes into. */
	lang: string;
	ui: Ui;
	/** ` lang="…"` for interface text, when it is not in {@link lang} (a missing translation). */
	uiLang: string;
}

function contextFor(siteUrl: string, language: string): Context {
	const ui = uiFor(language);
	return { siteUrl, lang: language, ui, uiLang: langAttr(language, ui.lang) };
}

function t(ctx: Context, key: keyof UiStrings): string {
	return escapeHtml(ctx.ui.strings[key]);
}

/** Interface text inside other text: in a `<span lang>` only where it is a fallback. */
function label(ctx: Context, key: keyof UiStrings): string {
	return ctx.uiLang ? `<span${ctx.uiLang}>${t(ctx, key)}</span>` : t(ctx, key);
}

// The attribution is written in English (permissions.md): say so on pages in other languages.
function attribution(ctx: Context, text: string): string {
	return `<p class="attribution"${langAttr(ctx.lang, "en")}>${escapeHtml(text)}</p>`;
}

function feedFormatLinks(ctx: Context, feed: Pick<FeedLink, "language" | "name">): string {
	return FORMATS.map(
		({ format, name, type }) =>
			`<a href="${escapeHtml(feedUrl(ctx.siteUrl, feed, format))}" type="${type}">${name}</a>`,
	).join(" · ");
}

/** The feed links under a list's heading: the list, to subscribe to. */
function feedLine(ctx: Context, feed: Pick<FeedLink, "language" | "name">): string {
	return `<p class="feed-links">${label(ctx, "feed")}: ${feedFormatLinks(ctx, feed)}</p>`;
}

/**
 * The "Subscribe" section: what a feed is, how to use one, and the feeds of this page, each
 * with an address to copy. Browsers no longer render feeds (XSLT is gone), so this is where a
 * reader learns what to do with them.
 */
function subscribeSection(ctx: Context, feeds: readonly FeedLink[]): string {
	const opmlUrl = absoluteUrl(ctx.siteUrl, OPML_PATH);
	const opml = `<a href="${escapeHtml(opmlUrl)}" type="text/x-opml"><code class="url">${escapeHtml(opmlUrl)}</code></a>`;
	const list = feeds
		.map(
			(feed) => `<dt>${escapeHtml(feed.title)}</dt>
<dd>${feedFormatLinks(ctx, feed)}<br><code class="url">${escapeHtml(feedUrl(ctx.siteUrl, feed, "rss"))}</code></dd>`,
		)
		.join("\n");
	return `<section class="subscribe" id="subscribe" aria-labelledby="subscribe-title"${ctx.uiLang}>
<h2 id="subscribe-title">${t(ctx, "subscribe")}</h2>
<p>${t(ctx, "subscribeWhat")}</p>
<p>${t(ctx, "subscribeFormats")}</p>
<p>${fill(t(ctx, "subscribeOpml"), { opml })}</p>
${
	feeds.length > 0
		? `<h3>${t(ctx, "subscribeThisPage")}</h3>
<dl>
${list}
</dl>`
		: ""
}
</section>`;
}

/** `<link rel="alternate">` for each feed in each format: readers subscribe from the page. */
function alternates(siteUrl: string, feeds: readonly FeedLink[]): string {
	return feeds
		.flatMap((feed) =>
			FORMATS.map(
				({ format, name, type }) =>
					`<link rel="alternate" type="${type}" title="${escapeHtml(`${feed.title} (${name})`)}" href="${escapeHtml(feedUrl(siteUrl, feed, format))}">`,
			),
		)
		.join("\n");
}

function languageMenu(ctx: Context, languages: readonly string[]): string {
	if (languages.length === 0) return "";
	const items = languages.map(
		(language) =>
			`<li><a href="${href(ctx.siteUrl, frontPath(language))}" hreflang="${escapeHtml(language)}"${langAttr(ctx.lang, language)}>${escapeHtml(nativeLanguageName(language))}</a></li>`,
	);
	return `<nav aria-label="${t(ctx, "languages")}"${ctx.uiLang}><ul class="lang-list">
${items.join("\n")}
</ul></nav>`;
}

function layout(input: {
	ctx: Context;
	title: string;
	/** Absent on the 404 page, which answers for any path. */
	canonicalPath?: string;
	feeds: readonly FeedLink[];
	/** The header's links: the page's own front page, or every language's. */
	nav: string;
	main: string;
}): string {
	const { ctx } = input;
	const { siteUrl } = ctx;
	const stylesheet = siteStylesheet();
	const canonical =
		input.canonicalPath === undefined
			? ""
			: `\n<link rel="canonical" href="${href(siteUrl, input.canonicalPath)}">`;
	const feeds = input.feeds.length > 0 ? `\n${alternates(siteUrl, input.feeds)}` : "";
	return `<!doctype html>
<html lang="${escapeHtml(ctx.lang)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(input.title)}</title>
<link rel="stylesheet" href="${href(siteUrl, `/${stylesheet.key}`)}">
<link rel="icon" type="image/svg+xml" href="${href(siteUrl, `/${siteIcon().key}`)}">${canonical}${feeds}
</head>
<body>
<a class="skip" href="#main"${ctx.uiLang}>${t(ctx, "skipToContent")}</a>
<header class="site-header"><div class="wrap">
<a class="brand" href="${href(siteUrl, "/")}">${SITE_NAME}</a>
${input.nav}
</div></header>
<main id="main" class="wrap">
${input.main}
</main>
<footer class="site-footer"><div class="wrap"><a href="${href(siteUrl, "/")}">${SITE_NAME}</a> · <a href="${href(siteUrl, OPML_PATH)}" type="text/x-opml">OPML</a></div></footer>
</body>
</html>
`;
}

/** The header of a page in one language: its Latest News and its Subscribe section. */
function languageNav(ctx: Context, language: string): string {
	return `<nav aria-label="${t(ctx, "home")}"${ctx.uiLang}><ul>
<li><a href="${href(ctx.siteUrl, frontPath(language))}">${t(ctx, "latestNews")}</a></li>
<li><a href="#subscribe">${t(ctx, "subscribe")}</a></li>
</ul></nav>`;
}

function heading(level: number): string {
	return `h${Math.min(Math.max(level, 1), 6)}`;
}

/** Latest News: headline, date, teaser, photo if permitted, attribution. */
function itemList(ctx: Context, items: readonly FeedItem[], level: number): string {
	if (items.length === 0) return `<p${ctx.uiLang}>${t(ctx, "noArticles")}</p>`;
	const h = heading(level);
	const lis = items.map((item) => {
		// The headline says what the photo shows: a thumbnail is decoration (empty alt).
		const thumb = item.image
			? `<img class="thumb" src="${href(ctx.siteUrl, item.image.path)}" alt="">\n`
			: "";
		const summary = item.summary ? `<p>${escapeHtml(item.summary)}</p>\n` : "";
		return `<li${langAttr(ctx.lang, item.language)}>
${thumb}<${h}><a href="${href(ctx.siteUrl, item.path)}">${escapeHtml(item.headline)}</a></${h}>
<p class="meta">${time(item.firstCreated)}${item.byline ? ` · ${escapeHtml(item.byline)}` : ""}</p>
${summary}${attribution(ctx, item.attribution)}
</li>`;
	});
	return `<ol class="items">\n${lis.join("\n")}\n</ol>`;
}

/** A side list: headline and date (of the update, for Recent Updates). */
function compactList(ctx: Context, items: readonly FeedItem[], date: "first" | "version"): string {
	if (items.length === 0) return `<p${ctx.uiLang}>${t(ctx, "noArticles")}</p>`;
	const lis = items.map(
		(item) =>
			`<li${langAttr(ctx.lang, item.language)}><a href="${href(ctx.siteUrl, item.path)}">${escapeHtml(item.headline)}</a><br><span class="meta">${time(date === "first" ? item.firstCreated : item.versionCreated)}</span></li>`,
	);
	return `<ol class="items compact">\n${lis.join("\n")}\n</ol>`;
}

function pager(ctx: Context, newerPath?: string, olderPath?: string): string {
	if (newerPath === undefined && olderPath === undefined) return "";
	const newer =
		newerPath === undefined
			? "<span></span>"
			: `<a href="${href(ctx.siteUrl, newerPath)}" rel="prev">${t(ctx, "newerArticles")}</a>`;
	const older =
		olderPath === undefined
			? ""
			: `<a href="${href(ctx.siteUrl, olderPath)}" rel="next">${t(ctx, "olderArticles")}</a>`;
	return `<nav class="pager"${ctx.uiLang}>${newer}${older}</nav>`;
}

function feedTitle(ctx: Context, key: keyof UiStrings, language: string): string {
	return `${ctx.ui.strings[key]} · ${languageNameIn(ctx.ui.lang, language)}`;
}

function latestFeed(ctx: Context, language: string): FeedLink {
	return { language, name: "latest", title: feedTitle(ctx, "latestNews", language) };
}

/**
 * The feeds of a language's lists, titled in the interface language. A feed with no items is
 * not written at all, so an empty list offers none.
 */
function frontFeeds(ctx: Context, section: FrontSection): FeedLink[] {
	const { language } = section;
	const lists = [
		[section.latest, latestFeed(ctx, language)],
		[
			section.updated,
			{ language, name: "updated", title: feedTitle(ctx, "recentUpdates", language) },
		],
		[
			section.mostViewed,
			{ language, name: "most-viewed", title: feedTitle(ctx, "mostViewed", language) },
		],
	] as const;
	return lists.filter(([items]) => items.length > 0).map(([, feed]) => feed);
}

/** Latest News with Recent Updates and Most Viewed beside it (a column on wide screens). */
function frontColumns(
	ctx: Context,
	section: {
		language: string;
		latest: readonly FeedItem[];
		updated: readonly FeedItem[];
		mostViewed: readonly FeedItem[];
	},
	options: { level: number; olderPath?: string },
): string {
	const { language } = section;
	const h = heading(options.level);
	const sub = heading(options.level + 1);
	const id = (name: string) => `${name}-${escapeHtml(language)}`;
	const side = (
		name: "updated" | "most-viewed",
		key: keyof UiStrings,
		items: readonly FeedItem[],
	) => `<section aria-labelledby="${id(name)}">
<${sub} id="${id(name)}"${ctx.uiLang}>${t(ctx, key)}</${sub}>
${items.length > 0 ? `${feedLine(ctx, { language, name })}\n` : ""}${compactList(ctx, items, name === "updated" ? "version" : "first")}
</section>`;
	return `<div class="columns">
<section aria-labelledby="${id("latest")}">
<${h} id="${id("latest")}"${ctx.uiLang}>${t(ctx, "latestNews")}</${h}>
${section.latest.length > 0 ? `${feedLine(ctx, { language, name: "latest" })}\n` : ""}${itemList(ctx, section.latest, options.level + 1)}
${pager(ctx, undefined, options.olderPath)}
</section>
<aside>
${side("updated", "recentUpdates", section.updated)}
${side("most-viewed", "mostViewed", section.mostViewed)}
</aside>
</div>`;
}

/**
 * The inline photos of a body: a reference the sanitizer kept becomes the published photo when
 * the agreement permits photos, with its credit; otherwise it goes, its figure and caption with
 * it. Returns the body and the photos it placed, which are then not repeated above it.
 */
function placeInlinePhotos(
	ctx: Context,
	article: Article,
	bodyHtml: string,
): { html: string; placed: Set<string> } {
	if (!bodyHtml.includes(BUNDLE_IMAGE_ATTR) && !bodyHtml.includes("<img")) {
		return { html: bodyHtml, placed: new Set() };
	}
	const photos = new Map(
		article.permission.imagesAllowed ? article.images.map((image) => [image.file, image]) : [],
	);
	const placed = new Set<string>();
	const credits = new Map<FragmentElement, string>();
	const nodes = mapImages(parseFragment(bodyHtml), (img, inFigure): FragmentNode[] => {
		const file = attrOf(img, BUNDLE_IMAGE_ATTR);
		const photo = file === undefined ? undefined : photos.get(file);
		if (!photo) return [];
		placed.add(photo.file);
		const element: FragmentElement = {
			type: "element",
			name: "img",
			attrs: [
				["src", absoluteUrl(ctx.siteUrl, imagePath(article, photo))],
				["alt", attrOf(img, "alt") || photo.alt || ""],
			],
			children: [],
		};
		const credit = photo.credit ? creditHtml(ctx, photo.credit) : undefined;
		if (credit === undefined) return [element];
		if (inFigure) {
			credits.set(element, credit);
			return [element];
		}
		return [element, { type: "text", html: `<small>${credit}</small>` }];
	});
	return { html: serializeFragment(withFigureCredits(nodes, credits)), placed };
}

function creditHtml(ctx: Context, credit: string): string {
	return `<span class="credit"${ctx.uiLang}>${fill(t(ctx, "photoCredit"), { credit: escapeHtml(credit) })}</span>`;
}

/** Adds the credits of a figure's photos to its caption (a caption is made when it has none). */
function withFigureCredits(
	nodes: FragmentNode[],
	credits: ReadonlyMap<FragmentElement, string>,
): FragmentNode[] {
	if (credits.size === 0) return nodes;
	const imagesOf = (node: FragmentNode): FragmentElement[] =>
		node.type === "text"
			? []
			: node.name === "img"
				? [node]
				: node.children.flatMap((child) => imagesOf(child));
	return nodes.map((node) => {
		if (node.type === "text") return node;
		if (node.name !== "figure")
			return { ...node, children: withFigureCredits(node.children, credits) };
		const text = imagesOf(node)
			.map((img) => credits.get(img))
			.filter((credit) => credit !== undefined)
			.join(" ");
		if (text === "") return node;
		const credit: FragmentNode = { type: "text", html: ` ${text}` };
		const hasCaption = node.children.some((c) => c.type === "element" && c.name === "figcaption");
		const children = hasCaption
			? node.children.map((child) =>
					child.type === "element" && child.name === "figcaption"
						? { ...child, children: [...child.children, credit] }
						: child,
				)
			: [
					...node.children,
					{ type: "element", name: "figcaption", attrs: [], children: [credit] } as FragmentNode,
				];
		return { ...node, children };
	});
}

function leadPhoto(ctx: Context, article: Article, image: StoredImage): string {
	const caption = [
		image.caption ? escapeHtml(image.caption) : "",
		image.credit ? creditHtml(ctx, image.credit) : "",
	]
		.filter((part) => part !== "")
		.join(" ");
	return `<figure><img src="${href(ctx.siteUrl, imagePath(article, image))}" alt="${escapeHtml(image.alt ?? "")}">${caption ? `<figcaption>${caption}</figcaption>` : ""}</figure>`;
}

/**
 * The article page of docs/feeds.md: headline, dates, byline, photos (with caption and credit) only
 * where the agreement permits them, the body, the attribution, the feeds of its partner and
 * subjects, and the way back to Latest News.
 */
export function renderArticlePage(input: {
	article: Article;
	bodyHtml: string;
	siteUrl: string;
	/** The partner's name as registered; its id where it is not known. */
	partnerName?: string;
}): string {
	const { article, siteUrl } = input;
	const { language } = article;
	const ctx = contextFor(siteUrl, language);
	const body = placeInlinePhotos(ctx, article, input.bodyHtml);
	const lead = article.permission.imagesAllowed
		? article.images
				.filter((image) => !body.placed.has(image.file))
				.map((image) => leadPhoto(ctx, article, image))
				.join("\n")
		: "";
	const updated =
		article.version > 1 && article.versionCreated !== article.firstCreated
			? ` · ${label(ctx, "updated")} ${time(article.versionCreated)}`
			: "";
	const meta = `<p class="meta">${article.byline ? `<span class="byline">${escapeHtml(article.byline)}</span> · ` : ""}${label(ctx, "published")} ${time(article.firstCreated)}${updated}</p>`;
	const original = article.original;
	const source = original
		? `<p class="original">${label(ctx, "original")}: ${[
				original.headline
					? `<cite lang="${escapeHtml(original.language)}">${escapeHtml(original.headline)}</cite>`
					: "",
				original.publication
					? original.url
						? `<a href="${escapeHtml(original.url)}" hreflang="${escapeHtml(original.language)}">${escapeHtml(original.publication)}</a>`
						: escapeHtml(original.publication)
					: original.url
						? `<a href="${escapeHtml(original.url)}" hreflang="${escapeHtml(original.language)}">${escapeHtml(original.url)}</a>`
						: "",
				original.publishedAt ? escapeHtml(original.publishedAt) : "",
				ctx.uiLang
					? `<span${ctx.uiLang}>${escapeHtml(languageNameIn(ctx.ui.lang, original.language))}</span>`
					: escapeHtml(languageNameIn(ctx.ui.lang, original.language)),
			]
				.filter((part) => part !== "")
				.join(", ")}</p>`
		: "";
	// The permission record's attribution holds the agreement's notice; the manifest's own
	// rights are evidence, never printed as rights (permissions.md).
	const { attribution: attributionText } = article.permission;
	const partnerName = input.partnerName ?? article.partnerId;
	const articleFeeds: FeedLink[] = [
		{
			language,
			name: `partners/${article.partnerId}`,
			title: fill(ctx.ui.strings.partnerFeed, { partner: partnerName }),
		},
		// One feed per slug; a subject with no letters or digits has none.
		...[...new Map(article.subjects.map((subject) => [subjectSlug(subject), subject]))]
			.filter(([slug]) => slug !== "")
			.map(
				([slug, subject]): FeedLink => ({
					language,
					name: `subjects/${slug}`,
					title: fill(ctx.ui.strings.subjectFeed, { subject }),
				}),
			),
	];
	const follow = articleFeeds
		.map((feed) => `<li>${escapeHtml(feed.title)}: ${feedFormatLinks(ctx, feed)}</li>`)
		.join("\n");
	const latest = latestFeed(ctx, language);
	const main = `<article class="story">
<header>
<h1>${escapeHtml(article.headline)}</h1>
${meta}
</header>
${lead ? `${lead}\n` : ""}<div class="body">
${body.html}
</div>
<footer class="rights">
${attribution(ctx, attributionText)}
${source}
</footer>
</article>
<section class="follow" aria-labelledby="follow-title"${ctx.uiLang}>
<h2 id="follow-title">${t(ctx, "articleFeeds")}</h2>
<ul>
${follow}
</ul>
</section>
<p class="back"${ctx.uiLang}><a href="${href(siteUrl, frontPath(language))}">${t(ctx, "backToLatestNews")}</a></p>
${subscribeSection(ctx, [latest])}`;
	return layout({
		ctx,
		title: `${article.headline} · ${SITE_NAME}`,
		canonicalPath: articlePath(article),
		feeds: [latest, ...articleFeeds],
		nav: languageNav(ctx, language),
		main,
	});
}

/** One language's lists, as the front page and the home page show them. */
export interface FrontSection {
	language: string;
	latest: readonly FeedItem[];
	updated: readonly FeedItem[];
	mostViewed: readonly FeedItem[];
}

/**
 * A language's front page (`/{lang}/`): Latest News, with Recent Updates and Most Viewed beside
 * it, each list with its feed, and a link to older articles when there are any.
 */
export function renderFrontPage(input: {
	siteUrl: string;
	language: string;
	latest: readonly FeedItem[];
	updated: readonly FeedItem[];
	mostViewed: readonly FeedItem[];
	/** Where Latest News goes on: an archive page or document. */
	olderPath?: string;
}): string {
	const { siteUrl, language } = input;
	const ctx = contextFor(siteUrl, language);
	const feeds = frontFeeds(ctx, input);
	return layout({
		ctx,
		title: `${ctx.ui.strings.latestNews} · ${SITE_NAME}`,
		canonicalPath: frontPath(language),
		feeds,
		nav: languageNav(ctx, language),
		main: `${frontColumns(ctx, input, { level: 1, ...(input.olderPath ? { olderPath: input.olderPath } : {}) })}
${subscribeSection(ctx, feeds)}`,
	});
}

/** An HTML page of older Latest News, linked from the front page and from its neighbours. */
export function renderArchivePage(input: {
	siteUrl: string;
	language: string;
	title: string;
	items: readonly FeedItem[];
	newerPath?: string;
	olderPath?: string;
}): string {
	const { siteUrl, language } = input;
	const ctx = contextFor(siteUrl, language);
	const feeds = [latestFeed(ctx, language)];
	return layout({
		ctx,
		title: `${input.title} · ${SITE_NAME}`,
		feeds,
		nav: languageNav(ctx, language),
		main: `<h1>${escapeHtml(input.title)}</h1>
${itemList(ctx, input.items, 2)}
${pager(ctx, input.newerPath, input.olderPath)}
${subscribeSection(ctx, feeds)}`,
	});
}

/** The site's home page (`/`): every language's front page lists, each in its language. */
export function renderHomePage(input: {
	siteUrl: string;
	sections: readonly FrontSection[];
}): string {
	const { siteUrl } = input;
	const ctx = contextFor(siteUrl, "en");
	const languages = input.sections.map((section) => section.language);
	const sections = input.sections.map((section) => {
		const inner = contextFor(siteUrl, section.language);
		const language = escapeHtml(section.language);
		return `<section class="home-lang" lang="${language}" aria-labelledby="home-${language}">
<h2 id="home-${language}"><a href="${href(siteUrl, frontPath(section.language))}">${escapeHtml(nativeLanguageName(section.language))}</a></h2>
${frontColumns(inner, section, { level: 3 })}
</section>`;
	});
	const feeds = input.sections.flatMap((section) => frontFeeds(ctx, section));
	return layout({
		ctx,
		title: `${ctx.ui.strings.latestNews} · ${SITE_NAME}`,
		canonicalPath: "/",
		feeds,
		nav: languageMenu(ctx, languages),
		main: `<h1>${t(ctx, "latestNews")}</h1>
${sections.length > 0 ? sections.join("\n") : `<p>${t(ctx, "noArticles")}</p>`}
${subscribeSection(ctx, feeds)}`,
	});
}

/**
 * The page for any path that is not there (`404.html`), in English and every language the
 * site has a translation for, with the way to each language's front page and home.
 */
export function renderNotFoundPage(input: {
	siteUrl: string;
	languages: readonly string[];
}): string {
	const { siteUrl } = input;
	const ctx = contextFor(siteUrl, "en");
	const seen = new Set<string>([ctx.ui.lang]);
	const translations = input.languages.flatMap((language) => {
		const ui = uiFor(language);
		if (seen.has(ui.lang)) return [];
		seen.add(ui.lang);
		return [
			`<section lang="${escapeHtml(ui.lang)}">
<h2>${escapeHtml(ui.strings.notFoundTitle)}</h2>
<p>${escapeHtml(ui.strings.notFoundText)} <a href="${href(siteUrl, frontPath(language))}">${escapeHtml(ui.strings.latestNews)}</a></p>
</section>`,
		];
	});
	const fronts = input.languages
		.map(
			(language) =>
				`<li><a href="${href(siteUrl, frontPath(language))}" hreflang="${escapeHtml(language)}"${langAttr(ctx.lang, language)}>${escapeHtml(nativeLanguageName(language))}</a></li>`,
		)
		.join("\n");
	return layout({
		ctx,
		title: `${ctx.ui.strings.notFoundTitle} · ${SITE_NAME}`,
		feeds: [],
		nav: languageMenu(ctx, input.languages),
		main: `<h1>${t(ctx, "notFoundTitle")}</h1>
<p>${t(ctx, "notFoundText")}</p>
<nav aria-label="${t(ctx, "languages")}">
<ul>
<li><a href="${href(siteUrl, "/")}">${t(ctx, "home")}</a></li>
${fronts}
</ul>
</nav>
${translations.join("\n")}`,
	});
}

export { siteIcon, siteStylesheet };
