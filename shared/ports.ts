import type { DailyViews } from "./domain/access-log.ts";
import type {
	Agreement,
	AgreementAction,
	AgreementChange,
	Partner,
	StoredAgreement,
	UnsettledAgreementChange,
} from "./domain/agreement.ts";
import type { Article, ArticleRef } from "./domain/article.ts";
import type { ArticleEvent, FeedPosition } from "./domain/plan-article-change.ts";
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
	/** Stores the object; `contentEncoding` says the body is already compressed with that coding. */
	put(
		key: string,
		body: string | Uint8Array,
		options?: { contentType?: string; cacheControl?: string; contentEncoding?: string },
	): Promise<void>;
	delete(key: string): Promise<void>;
	/** Deletes every key (absent ones too), in as few requests as the store allows. */
	deleteMany(keys: readonly string[]): Promise<void>;
	/**
	 * The keys a put at `key` writes besides it (compressed copies, say), for a store that
	 * writes any. A writer that skips unchanged objects counts them in the object's digest, so
	 * an object stored before the store began writing them is written again.
	 */
	variantsOf?(key: string): readonly string[];
}

/** What one processed upload left behind, so a redelivered event changes nothing. */
export interface UploadRecord {
	/** The object key under `incoming/`. */
	key: string;
	/** `uploadIdOf` (domain/upload.ts) of the object version: the same for every delivery of one upload. */
	uploadId: string;
	/** `uploadOrder` of the S3 event's sequencer: orders the uploads at one key. */
	order: string;
	report: Report;
	/** Targets the upload made stale; republished again on redelivery in case a run died. */
	targets: string[];
}

/** The uploads processed so far, one record per object version, and their reports. */
export interface UploadStore {
	getUpload(key: string, uploadId: string): Promise<UploadRecord | undefined>;
	/** Every processed upload at a key, oldest first (S3 order). */
	listUploads(key: string): Promise<UploadRecord[]>;
	/**
	 * Makes `record` the newest upload at its key unless a later one (by `order`) already is,
	 * and returns whichever is newest: the one whose report belongs at the key.
	 */
	markNewest(record: UploadRecord): Promise<UploadRecord>;
	/** The newest upload at `key` as last marked, if any was. */
	getNewest(key: string): Promise<UploadRecord | undefined>;
}

/** One stored version of an object under `incoming/`, as a bucket listing shows it. */
export interface StoredUpload {
	key: string;
	versionId?: string;
	eTag?: string;
	size: number;
	lastModified: string;
}

/** What the ingest bucket holds, whether or not its notification ever arrived. */
export interface UploadInventory {
	list(prefix: string): AsyncIterable<StoredUpload>;
}

/** Where S3 notifications wait for ingest (SQS in AWS, a folder locally). */
export interface UploadQueue {
	/** Queues one message body in S3's notification format. */
	send(body: string): Promise<void>;
}

/** How many messages a queue holds. */
export interface QueueDepth {
	/** Waiting to be received (locally: waiting or being handled). */
	waiting: number;
	/** Received and not yet deleted or returned; SQS only. */
	inFlight?: number;
}

/** A message that failed ingest `maxReceiveCount` times and waits in the dead-letter queue. */
export interface DeadLetterMessage {
	messageId: string;
	/** The S3 notification, as S3 sent it. */
	body: string;
	/** Receives so far; in SQS a look by `dlq list` counts too. */
	receiveCount: number;
	/** ISO time the message was first sent to the ingest queue. */
	sentAt?: string;
	/** ISO time of its first receive. */
	firstReceivedAt?: string;
}

/** The ingest queue and its dead-letter queue, as ops inspect and redrive them. */
export interface IngestQueues {
	depths(): Promise<{ ingest: QueueDepth; deadLetter: QueueDepth }>;
	/** The dead letters, oldest first, at most `limit`; listing leaves them where they are. */
	listDeadLetters(limit: number): Promise<DeadLetterMessage[]>;
	/**
	 * Moves dead letters back to the ingest queue: those with `messageIds`, or every one.
	 * Returns the ids moved. A message is sent before it is deleted, so a crash in between
	 * leaves a copy behind, never a loss (ingest handles a repeat as the same upload).
	 */
	redrive(messageIds?: readonly string[]): Promise<string[]>;
}

/** Why ingest last failed for one upload, kept for `dlq list` (SQS keeps no error). */
export interface IngestFailure {
	key: string;
	uploadId: string;
	failures: number;
	firstFailedAt: string;
	lastFailedAt: string;
	lastError: string;
}

/** When the schedule and the publisher last ran, for `status`. */
export interface PipelineHealth {
	lastSweep?: { at: string; targets: number };
	lastPublish?: { at: string; targets: number };
}

/** Small notes the pipeline leaves for ops: one write per sweep, publish or failed ingest. */
export interface HealthStore {
	recordSweep(at: Date, targets: number): Promise<void>;
	recordPublish(at: Date, targets: number): Promise<void>;
	recordIngestFailure(failure: {
		key: string;
		uploadId: string;
		error: string;
		at: Date;
	}): Promise<void>;
	readHealth(): Promise<PipelineHealth>;
	getIngestFailure(key: string, uploadId: string): Promise<IngestFailure | undefined>;
}

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
		feedPuts: FeedEntry[];
		feedDeletes: FeedPosition[];
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
	/** Puts the feed in the site's list of feeds; `true` if it was not there before. */
	listFeedKey(feedKey: string): Promise<boolean>;
	/** Every listed feed key, sorted. */
	listFeedKeys(): Promise<string[]>;
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

/** Partners and agreements, each agreement with its append-only audit history (permissions.md). */
export interface AgreementStore {
	getPartner(partnerId: string): Promise<Partner | undefined>;
	/** Adds the partner, or renames it when it exists. */
	putPartner(partner: Partner): Promise<void>;
	/** Every partner, by id. */
	listPartners(): Promise<Partner[]>;
	getAgreement(agreementId: string): Promise<StoredAgreement | undefined>;
	/** Every agreement, by id, whatever its status. */
	listAgreements(): Promise<StoredAgreement[]>;
	/**
	 * Writes the agreement, appends the change to its history and records it as unsettled
	 * (its articles are still to be decided again), all or nothing; history is never
	 * overwritten. Writes to one agreement are serialised, so its newest history entry is
	 * always the agreement as stored. `lease` gives the unsettled change to its writer, who
	 * goes on to decide the articles, so the schedule leaves it alone while that lease holds.
	 * Returns the agreement's new revision.
	 */
	putAgreement(
		agreement: Agreement,
		change: { at: Date; action: AgreementAction; by: string; reason: string },
		lease?: { owner: string; until: number },
	): Promise<number>;

	/** Every change to the agreement, oldest first; empty for an unknown id. */
	listAgreementHistory(agreementId: string): Promise<AgreementChange[]>;
}

/**
 * Agreement changes whose articles are still to be decided again: `AgreementStore.putAgreement`
 * records each in the write that stores the change; the command that made it, or the
 * schedule once its lease runs out, finishes and settles it.
 */
export interface AgreementChangeStore {
	/** Agreement changes not settled yet, by agreement id, at most `limit`. */
	listUnsettledChanges(limit: number): Promise<UnsettledAgreementChange[]>;
	/**
	 * Takes (or renews) the lease of the agreement's unsettled change for `leaseMs` when it is
	 * free, ran out, or is already `owner`'s; the change as leased, or `undefined` when there
	 * is none or another holds it.
	 */
	leaseUnsettledChange(
		agreementId: string,
		owner: string,
		now: Date,
		leaseMs: number,
	): Promise<UnsettledAgreementChange | undefined>;
	/**
	 * Forgets the agreement's unsettled change if the agreement is still at `revision`: its
	 * articles are decided. `false` when it is gone, or a later change replaced it (that one
	 * stays).
	 */
	settleChange(agreementId: string, revision: number): Promise<boolean>;
}

/** One object in the site bucket, as a listing shows it. */
export interface SiteObject {
	key: string;
	/** ISO 8601. */
	lastModified: string;
}

/** Every object the site bucket holds, for a repair to find what nothing should have put there. */
export interface SiteInventory {
	list(): AsyncIterable<SiteObject>;
}

/** The CDN in front of the site: told which paths changed, so it serves no stale copy. */
export interface SiteCache {
	/** URL paths (`/en/`, `/feeds/en/latest.rss`), each name URL-encoded. */
	invalidate(paths: readonly string[]): Promise<void>;
}

/** A target this publisher now holds. */
export interface Claim {
	/** The revision to render. */
	rev: number;
	/**
	 * The last holder's lease ran out before it released the target: a publisher died
	 * mid-render, and what it wrote may not be in the site's digests. Render it without them.
	 */
	interrupted: boolean;
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
	/**
	 * {@link request}, then {@link claim}, in one write when nobody holds the lease: what a
	 * publish of one target starts with. `null` when another holds it.
	 */
	requestAndClaim(
		targetId: string,
		owner: string,
		now: Date,
		leaseMs: number,
	): Promise<Claim | null>;
	/** Gives the lease back if `rev` is still the newest revision. */
	release(targetId: string, owner: string, rev: number): Promise<ReleaseResult>;
	/** Extends a lease this owner holds; `false` when it was lost (expired and taken). */
	renew(targetId: string, owner: string, now: Date, leaseMs: number): Promise<boolean>;
	/** Targets whose newest revision has not been published. */
	listDirty(limit: number): Promise<string[]>;
	/** Committed changes whose targets have not all been published yet. */
	listPending(limit: number): Promise<PendingChange[]>;
	/** Forgets a pending change once its targets are published. */
	settle(changeId: string): Promise<void>;
	/** {@link request} for many targets, in as few writes as the store allows. */
	requestMany(targetIds: readonly string[]): Promise<void>;
	/** {@link claim} for many targets: each one this owner now holds. */
	claimMany(
		targetIds: readonly string[],
		owner: string,
		now: Date,
		leaseMs: number,
	): Promise<Map<string, Claim>>;
	/**
	 * {@link requestAndClaim} for many targets, in as few writes as the store allows: each is
	 * bumped, and claimed where this owner now holds it (a lease that ran out is taken over,
	 * `interrupted`, as alone). What a publish of an upload's page and feeds starts with.
	 * `settle`: pending changes whose targets are all among `targetIds`, forgotten
	 * ({@link settleMany}) once every target is bumped, in the same write where the store can:
	 * from then on the targets' revisions carry the changes (a target left dirty by a
	 * publisher that dies is the sweep's to render).
	 */
	requestAndClaimMany(
		targetIds: readonly string[],
		owner: string,
		now: Date,
		leaseMs: number,
		settle?: readonly string[],
	): Promise<Map<string, Claim>>;
	/** {@link release} for many claimed targets (id → the revision rendered). */
	releaseMany(
		claims: ReadonlyMap<string, number>,
		owner: string,
	): Promise<Map<string, ReleaseResult>>;
	/** {@link settle} for many changes. */
	settleMany(changeIds: readonly string[]): Promise<void>;
	/**
	 * Gives back leases this owner holds without publishing: the targets stay dirty, for the
	 * next claim to render (what a takedown made ahead of its commit does).
	 */
	yieldMany(targetIds: readonly string[], owner: string): Promise<void>;
}

/** One article's place in a language's Most Viewed ranking. */
export interface MostViewedEntry extends ArticleRef {
	views: number;
}

/** Most Viewed as the view aggregator last ranked it; the publisher reads it to render. */
export interface MostViewedReader {
	/** A language's articles, most viewed first over the rolling window, at most `limit`. */
	mostViewed(language: string, limit: number): Promise<MostViewedEntry[]>;
}

/** A language's stored ranking and the revision a replacement must name. */
export interface StoredRanking {
	entries: MostViewedEntry[];
	/** 0 while none is stored; bumped by every save. */
	rev: number;
}

/**
 * Daily page views per article, which access-log objects they came from, and the Most
 * Viewed rankings made from them (the publisher reads those through {@link MostViewedReader}).
 */
export interface ViewStore extends MostViewedReader {
	/** Of `keys`, the log objects whose views are fully counted. */
	countedLogs(keys: readonly string[]): Promise<Set<string>>;
	/**
	 * Adds one log object's views to the daily counts exactly once, however often and however
	 * concurrently it is called for that key: `already-counted` when another call did it.
	 * `views` must be the same list on every call for a key (the object never changes).
	 * The record that the key was counted may be forgotten after `keepUntil`, once no listing
	 * reaches the key any more.
	 */
	recordLogViews(
		key: string,
		views: readonly DailyViews[],
		keepUntil: Date,
	): Promise<"counted" | "already-counted">;
	/**
	 * Of `readerHours` (the ids of `ReaderView`s), those `logKey` counts: each goes to the
	 * first log object that claims it, and to that object again on every later call (a run
	 * that died before `recordLogViews` finds the same set), so a reader's hour on an
	 * article is counted once even when it spans several log objects. A claim may be forgotten
	 * after `keepUntil`.
	 */
	claimReaderHours(
		logKey: string,
		readerHours: readonly string[],
		keepUntil: Date,
	): Promise<Set<string>>;
	/** Every language that has had a view counted. */
	listViewLanguages(): Promise<string[]>;
	/** A language's counts on the given `YYYY-MM-DD` days, one entry per article and day. */
	listDailyViews(language: string, days: readonly string[]): Promise<DailyViews[]>;
	getRanking(language: string): Promise<StoredRanking>;
	/**
	 * Replaces the language's ranking if its revision is still `expectedRev`; `false` when
	 * another run saved one meanwhile. `pending` (the targets to republish) is written in the
	 * same transaction, so a run that dies before publishing leaves it for the sweep.
	 */
	saveRanking(
		language: string,
		entries: readonly MostViewedEntry[],
		expectedRev: number,
		pending?: PendingChange,
	): Promise<boolean>;
	/** The newest log hour (`YYYY-MM-DD-HH`) seen of a distribution's log objects. */
	getLogWatermark(distributionId: string): Promise<string | undefined>;
	/** Moves the watermark forward to `hour`; never back. */
	advanceLogWatermark(distributionId: string, hour: string): Promise<void>;
}

/** The access-log bucket, as the view aggregator reads it. */
export interface LogBucket {
	/** The distinct starts of the keys under `prefix`, each up to and with the first `delimiter`. */
	listKeyGroups(prefix: string, delimiter: string): Promise<string[]>;
	/** Keys under `prefix` that sort after `startAfter` (all of them without it), in key order. */
	listKeys(prefix: string, startAfter?: string): AsyncIterable<string>;
	get: ObjectStore["get"];
}
