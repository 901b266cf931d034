import type { Article, ArticleRef } from "../domain/article.ts";
import type { FeedTombstone } from "../domain/feeds/kill-notices.ts";
import type { ArticleEvent, FeedPosition, FeedRemoval } from "../domain/plan-article-change.ts";
import type { FeedEntry, FeedItem } from "../domain/targets.ts";
import type { UploadRecord, UploadStore } from "./uploads.ts";

/** Publish targets a committed change made stale, kept until they are published (outbox). */
export interface PendingChange {
	changeId: string;
	targets: string[];
}

/** Everything one change writes, applied all or nothing. */
export interface ArticleCommit {
	/**
	 * The upload that caused it; written only if no record of this upload exists yet. It also
	 * becomes the newest upload at its key, as {@link UploadStore.markNewest} makes it, unless a
	 * later one already is: then the commit answers `committed-not-newest`.
	 */
	upload?: UploadRecord;
	article?: {
		next: Article;
		/** The revision the plan was made against (optimistic lock); `null` for a new article. */
		expectedRevision: number | null;
		/** Keep `next` as a version of its own (an upload); other changes keep the version. */
		newVersion: boolean;
		/** Appended to the article's history. */
		event?: ArticleEvent;
		/** The due instant the stored article had, to take it off the due index. */
		previousDueAt?: string;
		/** A row new to its feed also takes back the item's kill notice there, if it has one. */
		feedPuts: FeedEntry[];
		/** A removal with a `kill` stores the feed's kill notice (`FeedState.tombstones`). */
		feedDeletes: FeedRemoval[];
		/**
		 * The agreement the article names, at the revision the plan read (`null`: it did not
		 * exist): the commit applies only while the agreement is still at that revision, so a
		 * decision an agreement change overtook is made again, never applied.
		 */
		decidedUnder?: { agreementId: string; revision: number | null };
	};
	/**
	 * Written in the same transaction, so a crash between the commit and the publish leaves
	 * the change for the sweep to find instead of an article that is stored but never shown.
	 */
	pending?: PendingChange;
}

export type CommitResult =
	| "committed"
	| "committed-not-newest"
	| "upload-exists"
	| "article-changed"
	| "agreement-changed";

/** One row of the article listing (`articles list`). */
export interface ArticleSummary extends ArticleRef {
	version: number;
	status: Article["status"];
	headline: string;
	agreementId: string | null;
	decision: Article["permission"]["decision"];
}

/** Articles: their current state, versions, history, and the indexes the triggers use. */
export interface ArticleStore {
	getArticle(ref: ArticleRef): Promise<Article | undefined>;
	/** The stored articles of `refs` (strongly consistent), in as few reads as the store allows. */
	getArticles(refs: readonly ArticleRef[]): Promise<Article[]>;
	/** Every stored version of the article, oldest first. */
	listVersions(ref: ArticleRef): Promise<Article[]>;
	/** Every decision recorded for the article, oldest first. */
	listHistory(ref: ArticleRef): Promise<ArticleEvent[]>;
	/** Every article whose bundle names the agreement (whether or not it exists yet). */
	listByAgreement(agreementId: string): AsyncIterable<ArticleRef>;
	/** Articles of a partner (all languages of one article, with `articleId`), by id and language. */
	listByPartner(partnerId: string, articleId?: string): AsyncIterable<ArticleSummary>;
	/** Articles whose due instant is at or before `now`, earliest first. */
	listDue(now: Date, limit: number): Promise<ArticleRef[]>;
	/**
	 * Applies the commit, or returns why not. Throws an `UnstorableError`
	 * (domain/store-errors.ts) when the store refuses the data for good (too large,
	 * malformed), which no retry would change.
	 */
	commitArticleChange(commit: ArticleCommit): Promise<CommitResult>;
	/**
	 * {@link commitArticleChange} for many commits (each about a different article), in as few
	 * requests as the store allows; each commit applies all or nothing on its own.
	 */
	commitArticleChanges(commits: readonly ArticleCommit[]): Promise<CommitResult[]>;
}

/** What the store knows of one feed beyond its rows: its archive and its listing. */
export interface FeedState {
	/**
	 * How many items were ever put into the feed: the newest ordinal. Every new row takes the
	 * next one, and its archive page follows from it (`archivePageOf`, domain/targets.ts).
	 */
	count: number;
	/** Archive pages a removal or a changed item touched since they were last rendered. */
	stalePages: StalePage[];
	/** How many archive pages the publisher had rendered when it last recorded it. */
	renderedPages: number;
	/** When the feed last lost an item (the change's instant): an empty feed's date. */
	lastRemovedAt?: string;
	/** Whether the feed is in the site's list of feeds (OPML). */
	listed: boolean;
	/** The name its parameter is listed under (a partner's, a subject's): the OPML's title. */
	listedName?: string;
	/**
	 * The kill notices of items that left the feed and have not come back, newest first: kept
	 * at least 30 days (KILL_NOTICE_MS), possibly longer until the store prunes them.
	 */
	tombstones: FeedTombstone[];
}

/** An archive page to render again; `mark` tells this marking from a later one. */
export interface StalePage {
	page: number;
	mark: string;
}

/** The feeds' rows as the publisher reads them. */
export interface FeedStore {
	/** The newest `limit` items of a feed, newest first: one Query, never the archive. */
	listFeed(feedKey: string, limit: number): Promise<FeedItem[]>;
	/** Every language that has had a public article, for the home page. */
	listLanguages(): Promise<string[]>;
	/** The feed's counter, stale archive pages and listing; zeros for an unknown feed. */
	getFeedState(feedKey: string): Promise<FeedState>;
	/** The items of one archive page (0-based) that are still public, newest first. */
	listArchivePage(feedKey: string, page: number): Promise<FeedItem[]>;
	/**
	 * Records what the publisher rendered: `renderedPages` (never lowered) and the stale marks
	 * it saw, each cleared only if no change marked the page again since.
	 */
	markArchiveRendered(
		feedKey: string,
		rendered: { renderedPages: number; stalePages: readonly StalePage[] },
	): Promise<void>;
	/**
	 * Marks the archive pages holding these rows stale (rows not stored are passed over): what
	 * they say of their items changed though the rows did not (a translation came or went).
	 */
	markRowsStale(rows: readonly FeedPosition[]): Promise<void>;
	/**
	 * Puts the feed in the site's list of feeds, under `name` where its parameter has one (a
	 * listed feed is renamed); `true` if it was not there before.
	 */
	listFeedKey(feedKey: string, name?: string): Promise<boolean>;
	/** Every listed feed, sorted by key, with the name it is listed under. */
	listFeedKeys(): Promise<ListedFeed[]>;
}

/** A feed in the site's list of feeds. */
export interface ListedFeed {
	feedKey: string;
	name?: string;
}

/**
 * What the publisher last wrote at each site key, as a digest of its bytes and headers, so a
 * publish that changes nothing writes nothing and costs no S3 request to find that out.
 */
export interface SiteDigestStore {
	/** The digest recorded for each key that has one; `null` where the key is known absent. */
	getDigests(keys: readonly string[]): Promise<Map<string, string | null>>;
	/**
	 * Records digests (`null`: deleted) after the site has them; `undefined` forgets a key's
	 * digest (unknown: the next write or delete goes to the site), which a writer does before
	 * a change that a crash could leave half made.
	 */
	putDigests(digests: ReadonlyMap<string, string | null | undefined>): Promise<void>;
}
