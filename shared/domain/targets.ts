import type { Article, ArticleRef } from "./article.ts";
import { articleItemId, articlePath, imagePath, toUtc } from "./article.ts";

/** The feeds of site.md that exist so far. */
export type FeedName = "latest";

/**
 * Something the publisher renders from the table and writes to the site: one feed (all its
 * formats and the language's front page) or one article page. Each has its own revision
 * counter, so publishing can be driven one target at a time.
 */
export type Target =
	| { kind: "feed"; language: string; feed: FeedName }
	| ({ kind: "page" } & ArticleRef)
	| { kind: "home" };

const SEPARATOR = "|";

/** A stable string form of a target, used as its key in the table. */
export function targetId(target: Target): string {
	switch (target.kind) {
		case "feed":
			return ["feed", target.language, target.feed].join(SEPARATOR);
		case "page":
			return ["page", target.language, target.partnerId, target.articleId].join(SEPARATOR);
		case "home":
			return "home";
	}
}

/** Inverse of {@link targetId}. */
export function parseTargetId(id: string): Target {
	if (id === "home") return { kind: "home" };
	const [kind, language = "", a = "", b = ""] = id.split(SEPARATOR);
	if (kind === "feed" && a === "latest") return { kind, language, feed: a };
	if (kind === "page" && a && b) return { kind, language, partnerId: a, articleId: b };
	throw new Error(`not a target id: ${id}`);
}

/** Everything a change to this article can make stale. */
export function targetsForArticle(ref: ArticleRef): Target[] {
	return [
		{ kind: "page", ...ref },
		{ kind: "feed", language: ref.language, feed: "latest" },
		{ kind: "home" },
	];
}

/** What a feed shows of an article: enough to render every format without reading S3. */
export interface FeedItem {
	id: string;
	partnerId: string;
	articleId: string;
	language: string;
	version: number;
	headline: string;
	summary?: string;
	byline?: string;
	holder: string;
	firstCreated: string;
	versionCreated: string;
	subjects: string[];
	attribution: string;
	path: string;
	/** `path` is a URL path, percent-encoded ({@link imagePath}), never a bucket key. */
	image?: { path: string; contentType: string; bytes: number; alt?: string };
}

/** One row of a feed in the table: `sortKey` orders it, newest last. */
export interface FeedEntry {
	feedKey: string;
	sortKey: string;
	item: FeedItem;
}

export function feedKey(language: string, feed: FeedName): string {
	return `${language}/${feed}`;
}

/** The target that renders the feed a row belongs to: inverse of {@link feedKey}. */
export function targetOfFeedKey(key: string): Target {
	const [language = "", feed = ""] = key.split("/");
	if (feed !== "latest") throw new Error(`not a feed key: ${key}`);
	return { kind: "feed", language, feed };
}

/** The feed rows an article has while it is public; none while it is not. */
export function feedEntriesFor(article: Article): FeedEntry[] {
	if (article.status !== "published") return [];
	const first = article.permission.imagesAllowed ? article.images[0] : undefined;
	const item: FeedItem = {
		id: articleItemId(article),
		partnerId: article.partnerId,
		articleId: article.articleId,
		language: article.language,
		version: article.version,
		headline: article.headline,
		holder: article.rights.holder,
		firstCreated: toUtc(article.firstCreated),
		versionCreated: toUtc(article.versionCreated),
		subjects: article.subjects,
		attribution: article.permission.attribution,
		path: articlePath(article),
		...(article.summary ? { summary: article.summary } : {}),
		...(article.byline ? { byline: article.byline } : {}),
		...(first
			? {
					image: {
						path: imagePath(article, first),
						contentType: first.contentType,
						bytes: first.bytes,
						...(first.alt ? { alt: first.alt } : {}),
					},
				}
			: {}),
	};
	return [
		{
			feedKey: feedKey(article.language, "latest"),
			sortKey: `${item.firstCreated}#${article.partnerId}#${article.articleId}`,
			item,
		},
	];
}
