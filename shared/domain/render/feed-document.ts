import type { FeedItem, FeedName } from "../targets.ts";
import { absoluteUrl, escapeHtml } from "./html.ts";

export type FeedFormat = "rss" | "atom" | "json";

export const feedContentTypes: Record<FeedFormat, string> = {
	rss: "application/rss+xml; charset=utf-8",
	atom: "application/atom+xml; charset=utf-8",
	json: "application/feed+json; charset=utf-8",
};

/** Everything a feed renderer needs; renderers read no clock and no configuration. */
export interface FeedDocument {
	id: string;
	title: string;
	description: string;
	language: string;
	homeUrl: string;
	selfUrls: Record<FeedFormat, string>;
	updated: Date;
	items: readonly FeedItem[];
	siteUrl: string;
}

const FEED_TITLES: Record<FeedName, string> = { latest: "Latest News" };

/** Site path of a feed in one format (site.md). */
export function feedPath(language: string, feed: FeedName, format: FeedFormat): string {
	return `/feeds/${language}/${feed}.${format}`;
}

/** A language's name in English, for titles: `zh` → `Chinese`. */
export function languageName(language: string): string {
	try {
		return new Intl.DisplayNames(["en"], { type: "language" }).of(language) ?? language;
	} catch {
		return language;
	}
}

// An empty feed still needs a stable `updated`: the Unix epoch keeps the bytes unchanged.
const EMPTY_FEED_UPDATED = new Date(0);

/** Builds the document of one feed from its items, newest first. */
export function buildFeedDocument(input: {
	siteUrl: string;
	language: string;
	feed: FeedName;
	items: readonly FeedItem[];
}): FeedDocument {
	const { siteUrl, language, feed, items } = input;
	const newest = items.reduce<string | undefined>(
		(max, item) => (max === undefined || item.versionCreated > max ? item.versionCreated : max),
		undefined,
	);
	return {
		id: `urn:syndicate:feed:${language}:${feed}`,
		title: `Syndicate: ${FEED_TITLES[feed]} (${languageName(language)})`,
		description: `${FEED_TITLES[feed]} in ${languageName(language)}, translated and syndicated with the permission of each article's copyright holder.`,
		language,
		homeUrl: absoluteUrl(siteUrl, `/${language}/`),
		selfUrls: {
			rss: absoluteUrl(siteUrl, feedPath(language, feed, "rss")),
			atom: absoluteUrl(siteUrl, feedPath(language, feed, "atom")),
			json: absoluteUrl(siteUrl, feedPath(language, feed, "json")),
		},
		updated: newest ? new Date(newest) : EMPTY_FEED_UPDATED,
		items,
		siteUrl,
	};
}

/** The HTML of an item in every format: photo if permitted, teaser, attribution, link. */
export function itemContentHtml(item: FeedItem, siteUrl: string): string {
	const url = absoluteUrl(siteUrl, item.path);
	const parts: string[] = [];
	if (item.image) {
		parts.push(
			`<p><img src="${escapeHtml(absoluteUrl(siteUrl, item.image.path))}" alt="${escapeHtml(item.image.alt ?? "")}"></p>`,
		);
	}
	if (item.summary) parts.push(`<p>${escapeHtml(item.summary)}</p>`);
	parts.push(`<p class="attribution">${escapeHtml(item.attribution)}</p>`);
	parts.push(`<p><a href="${escapeHtml(url)}">Read the full article</a></p>`);
	return parts.join("\n");
}
