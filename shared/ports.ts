import type { Agreement, Partner } from "./domain/agreement.ts";
import type { Article, ArticleRef } from "./domain/article.ts";
import type { Report } from "./domain/report.ts";
import type { FeedEntry, FeedItem } from "./domain/targets.ts";

/** A bucket, seen as keys and bytes. */
export interface ObjectStore {
	/**
	 * The object's bytes (of `versionId`, when given); `tooLarge` with its size, unread, when
	 * it is over `maxBytes`.
	 */
	get(
		key: string,
		options?: { maxBytes?: number; versionId?: string },
	): Promise<{ bytes: Uint8Array } | { tooLarge: number } | undefined>;
	put(
		key: string,
		body: string | Uint8Array,
		options?: { contentType?: string; cacheControl?: string },
	): Promise<void>;
	delete(key: string): Promise<void>;
}

/** What one processed upload left behind, so a redelivered event changes nothing. */
export interface UploadRecord {
	report: Report;
	/** Targets the upload made stale; republished again on redelivery in case a run died. */
	targets: string[];
}

/** Everything one ingest writes, applied all or nothing. */
export interface IngestCommit {
	uploadKey: string;
	upload: UploadRecord;
	article?: {
		next: Article;
		/** The version the decision was made against; `null` when the article was new. */
		previousVersion: number | null;
	};
	feedPuts: FeedEntry[];
	feedDeletes: Pick<FeedEntry, "feedKey" | "sortKey">[];
}

export type CommitResult = "committed" | "upload-exists" | "article-changed";

export interface ArticleStore {
	getArticle(ref: ArticleRef): Promise<Article | undefined>;
	/** Every stored version of the article, oldest first. */
	listVersions(ref: ArticleRef): Promise<Article[]>;
	getUpload(uploadKey: string): Promise<UploadRecord | undefined>;
	commitIngest(commit: IngestCommit): Promise<CommitResult>;
	/** The newest `limit` items of a feed, newest first. */
	listFeed(feedKey: string, limit: number): Promise<FeedItem[]>;
	/** Every language that has had a public article, for the home page. */
	listLanguages(): Promise<string[]>;
}

export interface AgreementStore {
	getPartner(partnerId: string): Promise<Partner | undefined>;
	putPartner(partner: Partner): Promise<void>;
	getAgreement(agreementId: string): Promise<Agreement | undefined>;
	/** Writes the agreement and appends the change to its audit history. */
	putAgreement(agreement: Agreement, change: { by: string; why: string; at: Date }): Promise<void>;
}

export type ReleaseResult =
	| { state: "released" }
	| { state: "stale"; rev: number }
	| { state: "lost" };

/**
 * Per-target revisions and leases: every publish request bumps a target's revision, one
 * publisher at a time holds its lease and renders until what it rendered is the newest.
 */
export interface PublishLedger {
	/** Bumps the target's revision and marks it dirty. */
	request(targetId: string): Promise<void>;
	/** Takes the lease and returns the revision to render, or `null` when another holds it. */
	claim(targetId: string, owner: string, now: Date, leaseMs: number): Promise<number | null>;
	/** Gives the lease back if `rev` is still the newest revision. */
	release(targetId: string, owner: string, rev: number): Promise<ReleaseResult>;
	/** Targets whose newest revision has not been published. */
	listDirty(limit: number): Promise<string[]>;
}
