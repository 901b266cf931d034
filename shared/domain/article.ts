import type { PermissionRecord } from "./agreement.ts";
import type { ImageType } from "./media.ts";

/** What an article version is, for readers (bundle.md's report statuses). */
export type ArticleStatus = "published" | "pending-permission" | "embargoed" | "withdrawn";

export interface StoredImage {
	/** Path inside the bundle; its bytes are read from the article's archived bundle. */
	file: string;
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
	/** The subjects' names in the article's language, by slug, as the manifest gave them. */
	subjectNames?: Record<string, string>;
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
	/** Counts every committed change to the article: the optimistic lock of each commit. */
	revision: number;
	/** An ops takedown (a complaint, a legal order): holds across new versions until restored. */
	takedown?: { at: string; by: string; reason: string };
	/** The next instant the decision can change by itself (a window or an embargo). */
	dueAt?: string;
	/**
	 * When this version's public photos last went (the agreement lost the image scope) or came
	 * back, the article public throughout: its feed items give it as their `updated`, so a
	 * reader sees the change no new version announced. A new version clears it.
	 */
	photosChangedAt?: string;
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

/** The status rule: takedown first (the partner's or ops'), then permission, then embargo. */
export function decideStatus(input: {
	pubStatus: Article["pubStatus"];
	takenDown?: boolean;
	permission: PermissionRecord;
	embargoUntil?: string | undefined;
	now: Date;
}): ArticleStatus {
	if (input.pubStatus !== "usable" || input.takenDown) return "withdrawn";
	if (input.permission.decision !== "granted") return "pending-permission";
	if (input.embargoUntil && Date.parse(input.embargoUntil) > input.now.getTime())
		return "embargoed";
	return "published";
}

/** Site path of the article page (docs/feeds.md). */
export function articlePath(ref: ArticleRef): string {
	return `/${ref.language}/articles/${ref.partnerId}/${ref.articleId}`;
}

/**
 * Site bucket key of a published image, the bundle path as it is (no leading slash). Not
 * versioned: a takedown must be able to find and remove every photo an article ever showed,
 * and the edge caches it only as long as the page.
 */
export function imageKey(ref: ArticleRef, image: Pick<StoredImage, "file">): string {
	return ["media", ref.language, ref.partnerId, ref.articleId, image.file].join("/");
}

/**
 * URL path of a published image: {@link imageKey} with every segment percent-encoded, so that a
 * `#`, `?`, `%` or space in a file name stays part of the path; the edge decodes it back.
 */
export function imagePath(ref: ArticleRef, image: Pick<StoredImage, "file">): string {
	return `/${imageKey(ref, image).split("/").map(encodeURIComponent).join("/")}`;
}

/** The feed item id: a URN that no new version, re-publish or domain move changes. */
export function articleItemId(ref: ArticleRef): string {
	return `urn:syndicate:article:${ref.partnerId}:${ref.articleId}:${ref.language}`;
}

/** UTC ISO form of an RFC 3339 instant, so that keys sort by time whatever the offset. */
export function toUtc(instant: string): string {
	return new Date(instant).toISOString();
}
