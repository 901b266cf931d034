import { PRIMARY_FORMAT } from "../feeds/formats.ts";
import { FEED_KINDS, type FeedName } from "../feeds/kinds.ts";
import { feedKindOf } from "../targets.ts";
import { feedPath, feedTitle, languageName } from "./feed-document.ts";
import { absoluteUrl } from "./html.ts";
import { XML_DECLARATION, xmlElement, xmlStartTag } from "./xml.ts";

/** A feed the OPML lists. */
export interface OpmlFeed {
	language: string;
	feed: FeedName;
	/** What its parameter is shown as (see `feedTitle`). */
	name?: string;
}

// By kind in the order of FEED_KINDS (a language's own feeds first, as its front page shows
// them; then partners, then subjects), then by name.
function byFeedOrder(a: FeedName, b: FeedName): number {
	const rank = (feed: FeedName) =>
		FEED_KINDS.findIndex((row) => row.kind === feedKindOf(feed).kind);
	return rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0);
}

/**
 * OPML 2.0 (http://opml.org/spec2.opml): every feed of the site, one folder outline per
 * language, each feed an outline of `type="rss"` (OPML's word for any feed) with its title,
 * its URL in the primary format (RSS), the page it belongs to and its language. No dates:
 * the list changes only when a feed appears.
 */
export function renderOpml(input: { siteUrl: string; feeds: readonly OpmlFeed[] }): string {
	const { siteUrl } = input;
	const byLanguage = new Map<string, OpmlFeed[]>();
	for (const feed of input.feeds) {
		const list = byLanguage.get(feed.language) ?? [];
		list.push(feed);
		byLanguage.set(feed.language, list);
	}
	const lines = [
		XML_DECLARATION,
		'<opml version="2.0">',
		"  <head>",
		`    ${xmlElement("title", {}, "Syndicate: every feed")}`,
		"  </head>",
		"  <body>",
	];
	for (const language of [...byLanguage.keys()].sort()) {
		const name = languageName(language);
		lines.push(`    ${xmlStartTag("outline", { text: name })}`);
		const feeds = new Map(
			(byLanguage.get(language) ?? [])
				.sort((a, b) => byFeedOrder(a.feed, b.feed))
				.map(({ feed, name }) => [feed, name]),
		);
		for (const [feed, name] of feeds) {
			const title = feedTitle(language, feed, name);
			lines.push(
				`      ${xmlElement("outline", {
					type: "rss",
					text: title,
					title,
					xmlUrl: absoluteUrl(siteUrl, feedPath(language, feed, PRIMARY_FORMAT.format)),
					htmlUrl: absoluteUrl(siteUrl, `/${language}/`),
					language,
					version: PRIMARY_FORMAT.opmlVersion,
				})}`,
			);
		}
		lines.push("    </outline>");
	}
	lines.push("  </body>", "</opml>", "");
	return lines.join("\n");
}
