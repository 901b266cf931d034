import type { PermissionRecord } from "./agreement.ts";
import type { ImageType } from "./media.ts";

/** What an article version is, for readers (bundle.md's report statuses). */
export type ArticleStatus = "published" | "pending-permission" | "embargoed" | "withdrawn";

export interface StoredImage {
	/** Path inside the bundle. */
	file: string;
	/** Private copy in the content store, addressed by the bundle's hash. */
	contentKey: string;
	contentType: ImageType;
	bytes: number;
	caption?: string;
	credit?: string;
	alt?: string;
}

/** The current version of one article in one language, as stored. */
export interface Article {
	partnerId: string;
	articleId: string;
	language: string;
	version: number;
	sha256: string;
	pubStatus: "usable" | "withheld" | "canceled";
	headline: string;
	summary?: string;
	byline?: string;
	firstCreated: string;
	versionCreated: string;
	embargoUntil?: string;
	subjects: string[];
	images: StoredImage[];
	original?: {
		language: string;
		headline?: string;
		url?: string;
		publication?: string;
		publishedAt?: string;
	};
	rights: { holder: string; translator?: string; agreement: string; notice?: string };
	/** Sanitised body HTML in the content store. */
	bodyKey: string;
	status: ArticleStatus;
	permission: PermissionRecord;
	/** The upload this version came from, and its byte-for-byte archive copy. */
	bundleKey: string;
	archiveKey: string;
	ingestedAt: string;
}

/** Identifies one article in one language. */
export interface ArticleRef {
	partnerId: string;
	articleId: string;
	language: string;
}

/** The status rule: takedown first, then permission, then embargo. */
export function decideStatus(input: {
	pubStatus: Article["pubStatus"];
	permission: PermissionRecord;
	embargoUntil?: string | undefined;
	now: Date;
}): ArticleStatus {
	if (input.pubStatus !== "usable") return "withdrawn";
	if (input.permission.decision !== "granted") return "pending-permission";
	if (input.embargoUntil && Date.parse(input.embargoUntil) > input.now.getTime())
		return "embargoed";
	return "published";
}

/** Site path of the article page (site.md). */
export function articlePath(ref: ArticleRef): string {
	return `/${ref.language}/articles/${ref.partnerId}/${ref.articleId}`;
}

/**
 * Site path of a published image. Not versioned: a takedown must be able to find and remove
 * every photo an article ever showed, and the edge caches it only as long as the page.
 */
export function imagePath(ref: ArticleRef, image: Pick<StoredImage, "file">): string {
	return `/media/${ref.language}/${ref.partnerId}/${ref.articleId}/${image.file}`;
}

/** The feed item id: a URN that no new version, re-publish or domain move changes. */
export function articleItemId(ref: ArticleRef): string {
	return `urn:syndicate:article:${ref.partnerId}:${ref.articleId}:${ref.language}`;
}

/** UTC ISO form of an RFC 3339 instant, so that keys sort by time whatever the offset. */
export function toUtc(instant: string): string {
	return new Date(instant).toISOString();
}
