import { type Agreement, standingPermission } from "./agreement.ts";
import type { Article, ArticleRef } from "./article.ts";
import { articleItemId, articlePath, imagePath, toUtc } from "./article.ts";
import {
	FEED_KINDS,
	type FeedKind,
	type FeedName,
	feedKindRow,
	PLAIN_FEED_KINDS,
} from "./feeds/kinds.ts";

/** The feeds every language with public articles has, whatever its articles are about. */
export const LANGUAGE_FEEDS: readonly FeedName[] = PLAIN_FEED_KINDS;

/** Most items a feed document holds (docs/feeds.md); older ones are in its archive documents. */
export const FEED_SIZE = 50;
/** Items per archive document: every item of a feed gets the next ordinal, pages are fixed. */
export const ARCHIVE_PAGE_SIZE = 50;

/** The archive page (0-based) that holds the item with this ordinal (1-based). */
export function archivePageOf(ordinal: number): number {
	return Math.floor((ordinal - 1) / ARCHIVE_PAGE_SIZE);
}

// A feed's parameter (a partner id, as manage-agreements.ts allows them, or a slug), and an
// agreement id, is one path segment and part of a target id: never `/`, `|`, a dot segment or
// anything to escape.
const PARAMETER = /^[\p{L}\p{N}\p{M}][\p{L}\p{N}\p{M}._-]*$/u;

/** The feed name for a valid name string, or `undefined`: the inverse of the path segment. */
export function parseFeedName(name: string): FeedName | undefined {
	const slash = name.indexOf("/");
	const kind = slash < 0 ? name : name.slice(0, slash);
	const row = FEED_KINDS.find((one) => one.kind === kind);
	// A parameterised kind's name has a parameter after the slash; any other kind's has none.
	const withParameter = slash >= 0;
	if (!row || withParameter !== "parameter" in row) return undefined;
	if (!("parameter" in row)) return row.kind;
	const parameter = name.slice(slash + 1);
	if (!PARAMETER.test(parameter) || !row.parameter(parameter)) return undefined;
	return `${row.kind}/${parameter}`;
}

/** The kind of a feed and its parameter (partner id or subject slug), if it has one. */
export function feedKindOf(feed: FeedName): { kind: FeedKind; parameter?: string } {
	const slash = feed.indexOf("/");
	if (slash < 0) return { kind: feed as FeedKind };
	return { kind: feed.slice(0, slash) as FeedKind, parameter: feed.slice(slash + 1) };
}

/**
 * The row of FEED_KINDS a feed is of: whether it is `archived`, where its `rows` come from
 * (`views` for a ranking), its `place` on the pages (`main` has HTML archive pages).
 */
export function feedKindRowOf(feed: FeedName): (typeof FEED_KINDS)[number] {
	return feedKindRow(feedKindOf(feed).kind);
}

/**
 * Something the publisher renders from the table and writes to the site: one feed (all its
 * formats and its archive documents), a language's front page, the home page (with the 404
 * page and the stylesheet), the OPML list of feeds, the sitemap, one article page, one
 * agreement's ODRL policy, or the translations of an article's version: its other public
 * language versions, whose pages and feed entries link it. Each has its own revision counter,
 * so publishing can be driven one target at a time.
 */
export type Target =
	| { kind: "feed"; language: string; feed: FeedName }
	| { kind: "front"; language: string }
	| { kind: "home" }
	| { kind: "opml" }
	| { kind: "sitemap" }
	| ({ kind: "page" } & ArticleRef)
	| ({ kind: "translations" } & ArticleRef)
	| { kind: "agreement"; agreementId: string };

const SEPARATOR = "|";

/** A stable string form of a target, used as its key in the table: the one codec of ids. */
export function targetId(target: Target): string {
	switch (target.kind) {
		case "feed":
			return ["feed", target.language, target.feed].join(SEPARATOR);
		case "front":
			return ["front", target.language].join(SEPARATOR);
		case "page":
		case "translations":
			return [target.kind, target.language, target.partnerId, target.articleId].join(SEPARATOR);
		case "agreement":
			return ["agreement", target.agreementId].join(SEPARATOR);
		case "home":
		case "opml":
		case "sitemap":
			return target.kind;
	}
}

/** Inverse of {@link targetId}; throws on anything it would not have written. */
export function parseTargetId(id: string): Target {
	if (id === "home" || id === "opml" || id === "sitemap") return { kind: id };
	const parts = id.split(SEPARATOR);
	const [kind, language = "", a = "", b = ""] = parts;
	if (language) {
		if (kind === "feed" && parts.length === 3) {
			const feed = parseFeedName(a);
			if (feed) return { kind, language, feed };
		}
		if (kind === "front" && parts.length === 2) return { kind, language };
		// The second part of an agreement's id is its agreement id, not a language.
		if (kind === "agreement" && parts.length === 2 && PARAMETER.test(language)) {
			return { kind, agreementId: language };
		}
		if ((kind === "page" || kind === "translations") && parts.length === 4 && a && b) {
			return { kind, language, partnerId: a, articleId: b };
		}
	}
	throw new Error(`not a target id: ${id}`);
}

/**
 * The target of the agreement's ODRL policy document, as an id: none for an id that is not
 * one safe path segment. Every id a grant accepts is (agreement-input.ts); an id stored some
 * other way that is not gets no document, rather than a target id that cannot be parsed.
 */
export function policyTargetIds(agreementId: string): string[] {
	return PARAMETER.test(agreementId) ? [targetId({ kind: "agreement", agreementId })] : [];
}

/** What a feed shows of an article: enough to render every format without reading S3. */
export interface FeedItem {
	id: string;
	partnerId: string;
	articleId: string;
	language: string;
	/** The agreement it was published under: every render checks it still stands. */
	agreementId: string;
	version: number;
	headline: string;
	summary?: string;
	byline?: string;
	holder: string;
	firstCreated: string;
	versionCreated: string;
	/** When its photo went or came back without a new version ({@link Article}). */
	photosChangedAt?: string;
	subjects: string[];
	/** The subjects' names, by slug, where the manifest gave them: subject feeds' titles. */
	subjectNames?: Record<string, string>;
	attribution: string;
	/** The language of `attribution` when it is not English (PermissionRecord). */
	attributionLang?: string;
	path: string;
	/**
	 * The language of the original it translates (`null`: its manifest names none), which its
	 * page gives as `x-default`: what the sitemap needs to list the same alternates. Rows written
	 * before it was kept lack it until a change to their item writes them again.
	 */
	originalLanguage?: string | null;
	/** `path` is a URL path, percent-encoded ({@link imagePath}), never a bucket key. */
	image?: {
		path: string;
		contentType: string;
		bytes: number;
		alt?: string;
		caption?: string;
		credit?: string;
	};
	/**
	 * Where the agreement lets feeds carry the whole translation: where its sanitized body is
	 * kept (read as the feed renders, never stored in the row: a body can be larger than a
	 * table item may be), and the photos its inline references may show.
	 */
	fullText?: { bodyKey: string; photos: FeedPhoto[] };
}

/** A photo a full-text body may show inline: the page's photo at {@link imagePath}. */
export interface FeedPhoto {
	file: string;
	alt?: string;
	credit?: string;
}

/**
 * When what a feed shows of the item last changed: its version, or later its photo (both UTC
 * ISO 8601, so they compare as strings).
 */
export function itemUpdated(item: Pick<FeedItem, "versionCreated" | "photosChangedAt">): string {
	const { versionCreated, photosChangedAt } = item;
	return photosChangedAt !== undefined && photosChangedAt > versionCreated
		? photosChangedAt
		: versionCreated;
}

/** One row of a feed in the table: `sortKey` orders it, newest last. */
export interface FeedEntry {
	feedKey: string;
	sortKey: string;
	item: FeedItem;
}

/** The store's name of one feed of one language: `en/latest`, `en/subjects/energy`. */
export function feedKey(language: string, feed: FeedName): string {
	return `${language}/${feed}`;
}

/** The feed a key names: inverse of {@link feedKey}. */
export function feedOfKey(key: string): { language: string; feed: FeedName } {
	const slash = key.indexOf("/");
	const feed = parseFeedName(key.slice(slash + 1));
	if (slash <= 0 || !feed) throw new Error(`not a feed key: ${key}`);
	return { language: key.slice(0, slash), feed };
}

/** The target that renders the feed a row belongs to. */
export function targetOfFeedKey(key: string): Extract<Target, { kind: "feed" }> {
	return { kind: "feed", ...feedOfKey(key) };
}

/** The item every feed row of a public article carries. */
function feedItemOf(article: Article): FeedItem {
	const { imagesAllowed, fullTextAllowed } = article.permission;
	const first = imagesAllowed ? article.images[0] : undefined;
	const photos = imagesAllowed
		? article.images.map(
				({ file, alt, credit }): FeedPhoto => ({
					file,
					...(alt ? { alt } : {}),
					...(credit ? { credit } : {}),
				}),
			)
		: [];
	return {
		id: articleItemId(article),
		partnerId: article.partnerId,
		articleId: article.articleId,
		language: article.language,
		agreementId: article.permission.agreementId ?? article.rights.agreement,
		version: article.version,
		headline: article.headline,
		// Records granted before the agreement's holder was kept on them fall back to the
		// manifest's; deciding the article again (any agreement change) replaces them.
		holder: article.permission.holder ?? article.rights.holder,
		firstCreated: toUtc(article.firstCreated),
		versionCreated: toUtc(article.versionCreated),
		subjects: article.subjects,
		...(article.subjectNames ? { subjectNames: article.subjectNames } : {}),
		attribution: article.permission.attribution,
		...(article.permission.attributionLang
			? { attributionLang: article.permission.attributionLang }
			: {}),
		path: articlePath(article),
		originalLanguage: article.original?.language ?? null,
		...(article.summary ? { summary: article.summary } : {}),
		...(article.byline ? { byline: article.byline } : {}),
		...(article.photosChangedAt ? { photosChangedAt: article.photosChangedAt } : {}),
		...(first
			? {
					image: {
						path: imagePath(article, first),
						contentType: first.contentType,
						bytes: first.bytes,
						...(first.alt ? { alt: first.alt } : {}),
						...(first.caption ? { caption: first.caption } : {}),
						...(first.credit ? { credit: first.credit } : {}),
					},
				}
			: {}),
		...(fullTextAllowed ? { fullText: { bodyKey: article.bodyKey, photos } } : {}),
	};
}

/**
 * The feed rows an article has while it is public, one per feed it belongs to, as each kind's
 * `rows` in FEED_KINDS says (`latest`; `updated` once it has a second version; its partner's
 * feed; one per subject); none while it is not public. Kinds ranked by views have no rows.
 */
export function feedEntriesFor(article: Article): FeedEntry[] {
	if (article.status !== "published") return [];
	const item = feedItemOf(article);
	const { language, partnerId, articleId } = article;
	return FEED_KINDS.flatMap((row): FeedEntry[] => {
		if (row.rows === "views") return [];
		const sortKey = `${item[row.date]}#${partnerId}#${articleId}`;
		const names: FeedName[] =
			"parameter" in row
				? [...row.rows(article, partnerId).keys()].map(
						(parameter): FeedName => `${row.kind}/${parameter}`,
					)
				: row.rows(article)
					? [row.kind]
					: [];
		return names.map((feed) => ({ feedKey: feedKey(language, feed), sortKey, item }));
	});
}

/**
 * The items their agreements, as they stand at `now`, still allow (see
 * {@link standingPermission}): an item whose agreement was revoked, expired or no longer lists
 * its language is left out, one whose agreement lost the image scope loses its photos, and one
 * whose agreement no longer lets feeds carry the whole text is a teaser again.
 */
export function stillPermitted(
	items: readonly FeedItem[],
	agreementOf: ReadonlyMap<string, Agreement | undefined>,
	now: Date,
): FeedItem[] {
	return items.flatMap((item) => {
		const standing = standingPermission(agreementOf.get(item.agreementId), item, now);
		if (!standing.shown) return [];
		const { image, fullText, ...rest } = item;
		const shownImage = standing.images ? image : undefined;
		const shownText =
			!standing.fullText || !fullText
				? undefined
				: standing.images || fullText.photos.length === 0
					? fullText
					: { ...fullText, photos: [] };
		if (shownImage === image && shownText === fullText) return [item];
		return [
			{
				...rest,
				...(shownImage ? { image: shownImage } : {}),
				...(shownText ? { fullText: shownText } : {}),
			},
		];
	});
}
