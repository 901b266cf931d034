import { languageCovers } from "../agreement.ts";
import { FEED_FORMATS, type FeedFormat } from "../feeds/formats.ts";
import type { FeedKill } from "../feeds/kill-notices.ts";
import { type FeedName, feedKindRow, subjectName } from "../feeds/kinds.ts";
import { type FeedItem, feedKindOf, itemUpdated } from "../targets.ts";
import { articleKeyOf, type Translation } from "../translations.ts";
import { absoluteUrl, escapeHtml } from "./html.ts";
import { fill, languageNameIn, uiFor } from "./i18n.ts";

// The table lives in feeds/formats.ts; publish-targets.ts, the bench and tests import it from here.

/** One URL per format of the same document. */
export type FormatUrls = Record<FeedFormat, string>;

/** An item's whole text as feeds carry it (feed-full-text.ts). */
export interface FeedBody {
	/** The sanitized body, its photos at absolute URLs where the agreement allows them. */
	html: string;
	/** The photos (their {@link FeedItem} `image.path`s) the body already shows inline. */
	inlinePaths: readonly string[];
}

/** Everything a feed renderer needs; renderers read no clock and no configuration. */
export interface FeedDocument {
	id: string;
	title: string;
	description: string;
	language: string;
	homeUrl: string;
	selfUrls: FormatUrls;
	updated: Date;
	/** Newest first. */
	items: readonly FeedItem[];
	/** Kill notices of items that left the document (docs/feeds.md, "Kill notices"), newest first. */
	deleted?: readonly FeedKill[];
	siteUrl: string;
	/** RFC 5005: `true` in an archive document (`<fh:archive/>`), never in the feed itself. */
	archive: boolean;
	/** The subscription document, from an archive document (`current`). */
	currentUrls?: FormatUrls;
	/** The next older archive document (`prev-archive`; JSON Feed's `next_url`). */
	prevArchiveUrls?: FormatUrls;
	/** The next newer archive document (`next-archive`), from an archive document. */
	nextArchiveUrls?: FormatUrls;
	/** A WebSub hub that is told when the feed changes. */
	hubUrl?: string;
	/** By item id: the whole text of the items whose agreements let feeds carry it. */
	fullText?: ReadonlyMap<string, FeedBody>;
	/** The other public language versions of its items' articles, by `articleKeyOf`. */
	translations?: ReadonlyMap<string, readonly Translation[]>;
}

/** The other public language versions of an item's article, as the document knows them. */
export function itemTranslations(doc: FeedDocument, item: FeedItem): readonly Translation[] {
	const all = doc.translations?.get(articleKeyOf(item)) ?? [];
	return all.filter((one) => one.language !== item.language);
}

/** Site path of a feed in one format (docs/feeds.md): `/feeds/en/partners/science-news.rss`. */
export function feedPath(language: string, feed: FeedName, format: FeedFormat): string {
	return `/feeds/${language}/${feed}.${format}`;
}

/**
 * Site path of an RFC 5005 archive document: page `n` (1 is the oldest) of a feed,
 * `/feeds/en/latest/archive/1.rss`. Pages hold fixed ordinals, so a path never moves.
 */
export function archivePath(
	language: string,
	feed: FeedName,
	page: number,
	format: FeedFormat,
): string {
	return `/feeds/${language}/${feed}/archive/${page + 1}.${format}`;
}

/** Absolute URLs of one document in every format. */
export function formatUrls(siteUrl: string, pathOf: (format: FeedFormat) => string): FormatUrls {
	return Object.fromEntries(
		FEED_FORMATS.map(({ format }) => [format, absoluteUrl(siteUrl, pathOf(format))]),
	) as FormatUrls;
}

// A path as articlePath and imagePath build it: absolute, every name percent-encoded, no dot
// segments. Joined to the site URL as is, it is what URL resolution would give, for a
// fraction of the cost (a feed of 1,000 items holds several thousand URLs).
const PLAIN_PATH =
	/^\/(?!\/)(?:[A-Za-z0-9\-_~!$&'()*+,;=:@%]|\.(?![./]|$)|\/(?!\.{1,2}(?:\/|$)))*$/;

/** An absolute URL for a site path: `absoluteUrl` (html.ts) with a fast path for plain paths. */
export function siteHref(siteUrl: string, path: string): string {
	if (PLAIN_PATH.test(path) && /^https?:\/\/[^/?#]+\/?$/.test(siteUrl)) {
		return `${siteUrl.endsWith("/") ? siteUrl.slice(0, -1) : siteUrl}${path}`;
	}
	return absoluteUrl(siteUrl, path);
}

/** A language's name in English, for titles: `zh` → `Chinese`. */
export function languageName(language: string): string {
	try {
		return new Intl.DisplayNames(["en"], { type: "language" }).of(language) ?? language;
	} catch {
		return language;
	}
}

/**
 * A feed's title for people (feeds, OPML), in the feed's language as its pages title it:
 * `Latest News · English`, `主题：中国 · 中文`. `name` is what its parameter is shown as (the
 * partner's name, the subject's); without one, the partner's id or the subject's slug made
 * readable.
 */
export function feedTitle(language: string, feed: FeedName, name?: string): string {
	const { kind, parameter } = feedKindOf(feed);
	const ui = uiFor(language);
	const shown =
		name ??
		(parameter !== undefined && kind === "subjects"
			? subjectName(parameter, undefined)
			: parameter);
	const title = fill(ui.strings[feedKindRow(kind).uiKey], { name: shown ?? "" });
	return `${title} · ${languageNameIn(ui.lang, language)}`;
}

/**
 * The date of a feed with no items: any feed's `updated` must be a real instant (an epoch
 * date is "implausible" to validators), and it must not move on its own. Callers pass the
 * time the feed last lost an item when the store knows it; this is the fallback for a feed
 * that never had one: the day Syndicate's feeds began.
 */
export const FEEDS_EPOCH = "2024-01-01T00:00:00.000Z";

/**
 * The feed's stable id: a URN of ASCII parts (`urn:syndicate:feed:en:subjects:energy`), the
 * parameter percent-encoded, so validators take it whatever script a slug is in.
 */
export function feedId(language: string, feed: FeedName, page?: number): string {
	const { kind, parameter } = feedKindOf(feed);
	const parts = ["urn:syndicate:feed", language, kind];
	if (parameter !== undefined) parts.push(encodeURIComponent(parameter));
	if (page !== undefined) parts.push("archive", String(page + 1));
	return parts.join(":");
}

/** Builds the document of one feed (or one of its archive pages) from its items, newest first. */
export function buildFeedDocument(input: {
	siteUrl: string;
	language: string;
	feed: FeedName;
	/** What its parameter is shown as (see {@link feedTitle}). */
	name?: string;
	items: readonly FeedItem[];
	/** Kill notices to carry, newest first: a notice is a change of the document as an item is. */
	deleted?: readonly FeedKill[];
	/** `updated` when there are no items: when the feed last lost one (from the store). */
	emptySince?: string;
	/** The archive page (0-based) this document is, and how many pages there are. */
	page?: { index: number; count: number };
	/** How many archive pages the feed has: the feed links the newest. */
	archivePages?: number;
	hubUrl?: string;
	translations?: ReadonlyMap<string, readonly Translation[]>;
}): FeedDocument {
	const { siteUrl, language, feed, items, page } = input;
	const deleted = input.deleted ?? [];
	// Both UTC ISO 8601 (toUtc, domain/article.ts; toISOString): they sort as strings.
	const newest = [...items.map(itemUpdated), ...deleted.map((kill) => kill.when)].reduce<
		string | undefined
	>((max, at) => (max === undefined || at > max ? at : max), undefined);
	const urls = (pathOf: (format: FeedFormat) => string) => formatUrls(siteUrl, pathOf);
	const pageUrls = (index: number) => urls((format) => archivePath(language, feed, index, format));
	const feedUrls = urls((format) => feedPath(language, feed, format));
	const { strings } = uiFor(language);
	const title = `Syndicate: ${feedTitle(language, feed, input.name)}`;
	const links: Partial<FeedDocument> = page
		? {
				currentUrls: feedUrls,
				...(page.index > 0 ? { prevArchiveUrls: pageUrls(page.index - 1) } : {}),
				...(page.index + 1 < page.count ? { nextArchiveUrls: pageUrls(page.index + 1) } : {}),
			}
		: input.archivePages
			? { prevArchiveUrls: pageUrls(input.archivePages - 1) }
			: {};
	return {
		id: feedId(language, feed, page?.index),
		title: page ? fill(strings.archiveTitle, { title, n: String(page.index + 1) }) : title,
		description: fill(strings.feedDescription, { title: feedTitle(language, feed, input.name) }),
		language,
		homeUrl: absoluteUrl(siteUrl, `/${language}/`),
		selfUrls: page ? pageUrls(page.index) : feedUrls,
		updated: new Date(newest ?? input.emptySince ?? FEEDS_EPOCH),
		items,
		...(deleted.length > 0 ? { deleted } : {}),
		siteUrl,
		archive: page !== undefined,
		...links,
		...(input.hubUrl ? { hubUrl: input.hubUrl } : {}),
		...(input.translations && input.translations.size > 0
			? { translations: input.translations }
			: {}),
	};
}

/** The caption line of a photo: its caption, then its credit. */
export function photoCaption(
	image: NonNullable<FeedItem["image"]>,
	language: string,
): string | undefined {
	const credit = image.credit
		? fill(uiFor(language).strings.photoCredit, { credit: image.credit })
		: undefined;
	return image.caption && credit ? `${image.caption} (${credit})` : (image.caption ?? credit);
}

/**
 * The language of an item's attribution where it is not the one around it (an English line in
 * a `zh` feed, permissions.md): for `lang` and `xml:lang`.
 */
export function attributionLanguage(item: FeedItem, language: string): string | undefined {
	const lang = item.attributionLang ?? "en";
	return languageCovers(lang, language) ? undefined : lang;
}

/**
 * The HTML of an item in every format: photo if permitted, the whole text where the agreement
 * allows it (`body`) or else the teaser, attribution, link.
 */
export function itemContentHtml(item: FeedItem, siteUrl: string, body?: FeedBody): string {
	const url = siteHref(siteUrl, item.path);
	const parts: string[] = [];
	// A photo the body shows inline is not shown twice.
	if (item.image && !body?.inlinePaths.includes(item.image.path)) {
		const caption = photoCaption(item.image, item.language);
		const img = `<img src="${escapeHtml(siteHref(siteUrl, item.image.path))}" alt="${escapeHtml(item.image.alt ?? "")}">`;
		parts.push(
			caption
				? `<figure>${img}<figcaption>${escapeHtml(caption)}</figcaption></figure>`
				: `<p>${img}</p>`,
		);
	}
	if (body) parts.push(body.html);
	else if (item.summary) parts.push(`<p>${escapeHtml(item.summary)}</p>`);
	const lang = attributionLanguage(item, item.language);
	parts.push(
		`<p class="attribution"${lang ? ` lang="${escapeHtml(lang)}"` : ""}>${escapeHtml(item.attribution)}</p>`,
	);
	const { strings } = uiFor(item.language);
	parts.push(
		`<p><a href="${escapeHtml(url)}">${escapeHtml(body ? strings.articleOnItsPage : strings.readFullArticle)}</a></p>`,
	);
	return parts.join("\n");
}
