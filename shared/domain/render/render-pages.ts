import { FRONT_PAGE_KINDS, type FrontPageList, MAIN_FEED_KIND } from "../feeds/kinds.ts";
import type { FeedItem } from "../targets.ts";
import { escapeHtml } from "./html.ts";
import { langAttr, nativeLanguageName, uiFor } from "./i18n.ts";
import {
	attribution,
	type Context,
	contextFor,
	frontPath,
	heading,
	href,
	SITE_NAME,
	t,
	time,
} from "./page-context.ts";
import { type FeedLink, feedLine, frontFeed, mainFeed, subscribeSection } from "./page-feeds.ts";
import { languageMenu, languageNav, layout } from "./page-layout.ts";
import { frontPageAlternates } from "./render-sitemap.ts";

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
${summary}${attribution(ctx, item)}
</li>`;
	});
	return `<ol class="items">\n${lis.join("\n")}\n</ol>`;
}

/** A side list: headline and date (of the update, for Recent Updates). */
function compactList(
	ctx: Context,
	items: readonly FeedItem[],
	date: "firstCreated" | "versionCreated",
): string {
	if (items.length === 0) return `<p${ctx.uiLang}>${t(ctx, "noArticles")}</p>`;
	const lis = items.map(
		(item) =>
			`<li${langAttr(ctx.lang, item.language)}><a href="${href(ctx.siteUrl, item.path)}">${escapeHtml(item.headline)}</a><br><span class="meta">${time(item[date])}</span></li>`,
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

/**
 * The feeds of a language's lists, titled in the interface language. A feed with no items is
 * not written at all, so an empty list offers none.
 */
function frontFeeds(ctx: Context, section: FrontSection): FeedLink[] {
	return FRONT_PAGE_KINDS.filter((row) => section[row.list].length > 0).map((row) =>
		frontFeed(ctx, row, section.language),
	);
}

/** The main list (Latest News) with the others beside it (a column on wide screens). */
function frontColumns(
	ctx: Context,
	section: FrontSection,
	options: { level: number; olderPath?: string },
): string {
	const { language } = section;
	const h = heading(options.level);
	const sub = heading(options.level + 1);
	const id = (name: string) => `${name}-${escapeHtml(language)}`;
	const main = MAIN_FEED_KIND;
	const mainItems = section[main.list];
	const side = FRONT_PAGE_KINDS.filter((row) => row.place === "side").map((row) => {
		const items = section[row.list];
		return `<section aria-labelledby="${id(row.kind)}">
<${sub} id="${id(row.kind)}"${ctx.uiLang}>${t(ctx, row.uiKey)}</${sub}>
${items.length > 0 ? `${feedLine(ctx, { language, name: row.kind })}\n` : ""}${compactList(ctx, items, row.date)}
</section>`;
	});
	return `<div class="columns">
<section aria-labelledby="${id(main.kind)}">
<${h} id="${id(main.kind)}"${ctx.uiLang}>${t(ctx, main.uiKey)}</${h}>
${mainItems.length > 0 ? `${feedLine(ctx, { language, name: main.kind })}\n` : ""}${itemList(ctx, mainItems, options.level + 1)}
${pager(ctx, undefined, options.olderPath)}
</section>
<aside>
${side.join("\n")}
</aside>
</div>`;
}

/** One language's lists, as the front page and the home page show them (FRONT_PAGE_KINDS). */
export type FrontSection = { language: string } & Record<FrontPageList, readonly FeedItem[]>;

/**
 * A language's front page (`/{lang}/`): Latest News, with Recent Updates and Most Viewed beside
 * it, each list with its feed, a link to older articles when there are any, and the links to
 * the other languages' front pages.
 */
export function renderFrontPage(
	input: FrontSection & {
		siteUrl: string;
		/** Where Latest News goes on: an archive page or document. */
		olderPath?: string;
		/** Every language of the site: their front pages are this one in other languages. */
		languages?: readonly string[];
	},
): string {
	const { siteUrl, language } = input;
	const ctx = contextFor(siteUrl, language);
	const feeds = frontFeeds(ctx, input);
	const languages = [...new Set([language, ...(input.languages ?? [])])];
	const others = languages
		.filter((one) => one !== language)
		.sort()
		.map((one) => ({ language: one, path: frontPath(one) }));
	return layout({
		ctx,
		title: `${ctx.ui.strings.latestNews} · ${SITE_NAME}`,
		canonicalPath: frontPath(language),
		hreflang: frontPageAlternates(languages),
		feeds,
		nav: languageNav(ctx, language, others),
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
	const feeds = [mainFeed(ctx, language)];
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
		// The home page is the front pages' `x-default`: the page for a reader of no language here.
		hreflang: frontPageAlternates(languages),
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

// publish-targets.ts renders every page through this module.

/**
 * What stays at an article's address once it is taken down, served with 410 Gone: a short
 * notice in the page's language, with the way back to its Latest News. Nothing of the
 * article is shown, not even its headline: the right to show it is what went.
 */
export function renderGonePage(input: { siteUrl: string; language: string }): string {
	const ctx = contextFor(input.siteUrl, input.language);
	return layout({
		ctx,
		title: `${ctx.ui.strings.goneTitle} · ${SITE_NAME}`,
		feeds: [],
		nav: languageMenu(ctx, [input.language]),
		main: `<h1${ctx.uiLang}>${t(ctx, "goneTitle")}</h1>
<p${ctx.uiLang}>${t(ctx, "goneText")} <a href="${href(input.siteUrl, frontPath(input.language))}">${t(ctx, "backToLatestNews")}</a></p>`,
	});
}
