import type { Article } from "../article.ts";
import { essenceOf, FEED_FORMATS, OPML, PRIMARY_FORMAT } from "../feeds/formats.ts";
import { FEED_KINDS, type FeedName, MAIN_FEED_KIND } from "../feeds/kinds.ts";
import { absoluteUrl, escapeHtml } from "./html.ts";
import { fill, languageNameIn } from "./i18n.ts";
import { type Context, label, t } from "./page-context.ts";

/** A feed as a page offers it: its path name and its title in the page's interface language. */
export interface FeedLink {
	language: string;
	name: FeedName;
	title: string;
}

// Built from the path contract (`/feeds/{lang}/{name}.{format}`), each name segment encoded.
function feedUrl(siteUrl: string, feed: Pick<FeedLink, "language" | "name">, format: string) {
	const name = feed.name.split("/").map(encodeURIComponent).join("/");
	return absoluteUrl(siteUrl, `/feeds/${encodeURIComponent(feed.language)}/${name}.${format}`);
}

/** Links to a feed in every format, in the order of FEED_FORMATS. */
export function feedFormatLinks(ctx: Context, feed: Pick<FeedLink, "language" | "name">): string {
	return FEED_FORMATS.map(
		({ format, label: name, contentType }) =>
			`<a href="${escapeHtml(feedUrl(ctx.siteUrl, feed, format))}" type="${essenceOf(contentType)}">${name}</a>`,
	).join(" · ");
}

/** The feed links under a list's heading: the list, to subscribe to. */
export function feedLine(ctx: Context, feed: Pick<FeedLink, "language" | "name">): string {
	return `<p class="feed-links">${label(ctx, "feed")}: ${feedFormatLinks(ctx, feed)}</p>`;
}

/** A link to the OPML list, holding `text`. */
export function opmlLink(siteUrl: string, text: string): string {
	return `<a href="${escapeHtml(absoluteUrl(siteUrl, OPML.path))}" type="${essenceOf(OPML.contentType)}">${text}</a>`;
}

/**
 * The "Subscribe" section: what a feed is, how to use one, and the feeds of this page, each
 * with an address to copy. Browsers no longer render feeds (XSLT is gone), so this is where a
 * reader learns what to do with them.
 */
export function subscribeSection(ctx: Context, feeds: readonly FeedLink[]): string {
	const opmlUrl = absoluteUrl(ctx.siteUrl, OPML.path);
	const opml = opmlLink(ctx.siteUrl, `<code class="url">${escapeHtml(opmlUrl)}</code>`);
	const list = feeds
		.map(
			(feed) => `<dt>${escapeHtml(feed.title)}</dt>
<dd>${feedFormatLinks(ctx, feed)}<br><code class="url">${escapeHtml(feedUrl(ctx.siteUrl, feed, PRIMARY_FORMAT.format))}</code></dd>`,
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
export function alternates(siteUrl: string, feeds: readonly FeedLink[]): string {
	return feeds
		.flatMap((feed) =>
			FEED_FORMATS.map(
				({ format, label: name, contentType }) =>
					`<link rel="alternate" type="${essenceOf(contentType)}" title="${escapeHtml(`${feed.title} (${name})`)}" href="${escapeHtml(feedUrl(siteUrl, feed, format))}">`,
			),
		)
		.join("\n");
}

/** A front page's list's feed, titled in the interface language: `Latest News · English`. */
export function frontFeed(
	ctx: Context,
	row: { kind: FeedName; uiKey: (typeof FEED_KINDS)[number]["uiKey"] },
	language: string,
): FeedLink {
	const title = `${ctx.ui.strings[row.uiKey]} · ${languageNameIn(ctx.ui.lang, language)}`;
	return { language, name: row.kind, title };
}

/** The feed every page of a language offers in its Subscribe section: Latest News. */
export function mainFeed(ctx: Context, language: string): FeedLink {
	return frontFeed(ctx, MAIN_FEED_KIND, language);
}

/** The feeds an article page offers to follow: its partner's, one per subject. */
export function articleFeeds(ctx: Context, article: Article, partnerName: string): FeedLink[] {
	return FEED_KINDS.flatMap((row) =>
		row.place === "article" && "parameter" in row
			? [...row.rows(article, partnerName)].map(
					([parameter, name]): FeedLink => ({
						language: article.language,
						name: `${row.kind}/${parameter}`,
						title: fill(ctx.ui.strings[row.uiKey], { name }),
					}),
				)
			: [],
	);
}
