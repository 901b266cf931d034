import type { DailyViews } from "../domain/access-log.ts";
import type { ArticleRef } from "../domain/article.ts";
import type { PendingChange } from "./articles.ts";
import type { ObjectStore } from "./uploads.ts";

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
