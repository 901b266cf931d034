import { gunzipSync } from "node:zlib";
import {
	countArticleViews,
	instantOfLogHour,
	logHourOf,
	MOST_VIEWED_DAYS,
	MOST_VIEWED_SIZE,
	parseAccessLog,
	parseLogObjectKey,
	rankArticles,
	readerViewsOf,
	sameOrder,
	windowDays,
} from "../domain/access-log.ts";
import { RANKED_FEEDS } from "../domain/feeds/kinds.ts";
import { targetId } from "../domain/targets.ts";
import { forEachLimited } from "../lib/for-each-limited.ts";
import type { PendingChange } from "../ports/articles.ts";
import type { LogBucket, MostViewedEntry, ViewStore } from "../ports/views.ts";

/** Where CloudFront's standard logging (and the local edge) writes, in the logs bucket. */
export const ACCESS_LOG_PREFIX = "cloudfront/";

export interface AggregateViewsDeps {
	logs: LogBucket;
	views: ViewStore;
	/**
	 * The normal publish path for committed changes (`publishChanges`): the ranking is saved
	 * with its pending change, so a publish that fails is retried by the sweep.
	 */
	publish: (changes: readonly PendingChange[]) => Promise<void>;
	clock: () => Date;
	/** Key prefix of the log objects; {@link ACCESS_LOG_PREFIX} unless told. */
	prefix?: string;
	/**
	 * How far behind the newest log hour seen each run lists again, for log files CloudFront
	 * delivers late (usually within an hour, at worst 24 h). Default 24.
	 */
	lookbackHours?: number;
	/** Log objects read at once. Default 4. */
	concurrency?: number;
	/** A log object over this is skipped (claimed with no views). Default 256 MiB. */
	maxLogBytes?: number;
}

export interface AggregateViewsResult {
	logs: {
		/** Log objects the listing found (within the lookback). */
		listed: number;
		/** Counted by this run. */
		counted: number;
		/** Found counted already (by an earlier or a concurrent run). */
		alreadyCounted: number;
		/** Not a readable gzipped log (claimed anyway, so they are not read again). */
		unreadable: string[];
		/** Request lines that could not be parsed, in the objects this run counted. */
		malformedLines: number;
	};
	/** Article page views this run added. */
	views: number;
	/** Every language's ranking after this run. */
	rankings: { language: string; changed: boolean; entries: MostViewedEntry[] }[];
	/** What this run asked the publisher to republish (the order changed). */
	published: string[];
	/** Set when that publish failed; the sweep publishes the pending change later. */
	publishError?: string;
}

/** What a change of a language's view ranking makes stale: its ranked feeds and the pages listing them. */
export function mostViewedTargets(language: string): string[] {
	return [
		...RANKED_FEEDS.map((feed) => targetId({ kind: "feed", language, feed })),
		targetId({ kind: "front", language }),
		targetId({ kind: "home" }),
	];
}

// Claims outlive any listing that could reach their object again by a wide margin.
const CLAIM_KEEP_MS = 30 * 86_400_000;
const SAVE_ROUNDS = 5;
// CloudFront delivers an hour's log objects within about a day: a reader's claim on an hour
// is kept for two, and a log object counted later than that may count its readers again.
const READER_CLAIM_KEEP_MS = 2 * 86_400_000;

/**
 * The view aggregator: counts the article page views in access-log objects it has not
 * counted yet (each exactly once, even when runs overlap), ranks every language over the
 * rolling window ending on the clock's day, and republishes a language's Most Viewed feed,
 * its front page and the home page only when its order changed.
 */
export function makeAggregateViews(deps: AggregateViewsDeps) {
	const { logs, views, clock } = deps;
	const prefix = deps.prefix ?? ACCESS_LOG_PREFIX;
	const lookbackMs = (deps.lookbackHours ?? 24) * 3_600_000;
	const maxBytes = deps.maxLogBytes ?? 256 * 1024 * 1024;

	/** The distributions writing logs, found by the names' first `.`: one request, not a scan. */
	async function listDistributions(): Promise<string[]> {
		const groups = await logs.listKeyGroups(prefix, ".");
		return groups.map((group) => group.slice(prefix.length, -1)).filter((id) => id.length > 0);
	}

	/**
	 * A distribution's log objects from `lookback` before the newest hour seen on (the names
	 * sort by hour, so the listing starts there instead of at the first log ever written), and
	 * never from before the ranking's window: older views could not count any more.
	 */
	async function listRecent(distributionId: string): Promise<{ keys: string[]; newest?: string }> {
		const watermark = await views.getLogWatermark(distributionId);
		const windowStart = Date.parse(`${windowDays(clock(), MOST_VIEWED_DAYS)[0]}T00:00:00Z`);
		const from = logHourOf(
			new Date(
				Math.max(
					windowStart - lookbackMs,
					watermark ? instantOfLogHour(watermark).getTime() - lookbackMs : 0,
				),
			),
		);
		const distPrefix = `${prefix}${distributionId}.`;
		const keys: string[] = [];
		let newest: string | undefined;
		// `{dist}.{hour}` sorts before every `{dist}.{hour}.{unique}.gz` of that hour.
		for await (const key of logs.listKeys(distPrefix, `${distPrefix}${from}`)) {
			const parsed = parseLogObjectKey(key, prefix);
			if (!parsed) continue;
			keys.push(key);
			if (newest === undefined || parsed.hour > newest) newest = parsed.hour;
		}
		return { keys, ...(newest ? { newest } : {}) };
	}

	async function countObject(
		key: string,
		result: AggregateViewsResult,
	): Promise<"counted" | "already-counted"> {
		const hour = parseLogObjectKey(key, prefix)?.hour;
		const keepUntil = new Date(
			(hour ? instantOfLogHour(hour).getTime() : clock().getTime()) + CLAIM_KEEP_MS,
		);
		const object = await logs.get(key, { maxBytes });
		let text: string | undefined;
		if (object && "bytes" in object) {
			try {
				text = gunzipSync(object.bytes).toString("utf8");
			} catch {
				text = undefined;
			}
		}
		if (text === undefined) {
			// Gone, too large or not gzip: nothing to count, and no reason to read it again.
			if (object) result.logs.unreadable.push(key);
			return views.recordLogViews(key, [], keepUntil);
		}
		const parsed = parseAccessLog(text);
		const readerViews = readerViewsOf(parsed.requests);
		// A reader's hour spans the hour's log objects: the first object to claim it counts it.
		const claimKeep = new Date(
			(hour ? instantOfLogHour(hour).getTime() : clock().getTime()) + READER_CLAIM_KEEP_MS,
		);
		const ours =
			readerViews.length === 0
				? new Set<string>()
				: await views.claimReaderHours(
						key,
						readerViews.map((view) => view.readerHour),
						claimKeep,
					);
		const counts = countArticleViews(readerViews.filter((view) => ours.has(view.readerHour)));
		const outcome = await views.recordLogViews(key, counts, keepUntil);
		if (outcome === "counted") {
			result.logs.malformedLines += parsed.malformed;
			result.views += counts.reduce((sum, entry) => sum + entry.views, 0);
		}
		return outcome;
	}

	async function countNewLogs(result: AggregateViewsResult): Promise<void> {
		for (const distributionId of await listDistributions()) {
			const { keys, newest } = await listRecent(distributionId);
			result.logs.listed += keys.length;
			const done = await views.countedLogs(keys);
			result.logs.alreadyCounted += done.size;
			await forEachLimited(
				keys.filter((key) => !done.has(key)),
				deps.concurrency ?? 4,
				async (key) => {
					const outcome = await countObject(key, result);
					if (outcome === "counted") result.logs.counted += 1;
					else result.logs.alreadyCounted += 1;
				},
			);
			// Only once every listed object is counted: a failure lists them all again next run.
			if (newest) await views.advanceLogWatermark(distributionId, newest);
		}
	}

	/**
	 * Ranks one language and saves the ranking if it changed, with a pending change when its
	 * order did. Saved at the revision it was read at: of two overlapping runs that rank the
	 * same new order, one saves it and publishes; the other then finds the order unchanged.
	 */
	async function rankLanguage(
		language: string,
		days: readonly string[],
	): Promise<{ entries: MostViewedEntry[]; pending?: PendingChange }> {
		const entries = rankArticles(await views.listDailyViews(language, days), MOST_VIEWED_SIZE);
		for (let round = 0; round < SAVE_ROUNDS; round++) {
			const stored = await views.getRanking(language);
			const orderChanged = !sameOrder(stored.entries, entries);
			const countsChanged = stored.entries.some((entry, i) => entry.views !== entries[i]?.views);
			if (!orderChanged && !countsChanged) return { entries };
			const pending: PendingChange | undefined = orderChanged
				? {
						changeId: `most-viewed:${language}:${stored.rev + 1}`,
						targets: mostViewedTargets(language),
					}
				: undefined;
			if (await views.saveRanking(language, entries, stored.rev, pending)) {
				return { entries, ...(pending ? { pending } : {}) };
			}
		}
		throw new Error(`the ${language} ranking kept changing under this run`);
	}

	return async function aggregateViews(): Promise<AggregateViewsResult> {
		const result: AggregateViewsResult = {
			logs: { listed: 0, counted: 0, alreadyCounted: 0, unreadable: [], malformedLines: 0 },
			views: 0,
			rankings: [],
			published: [],
		};
		await countNewLogs(result);
		const days = windowDays(clock(), MOST_VIEWED_DAYS);
		const pending: PendingChange[] = [];
		for (const language of await views.listViewLanguages()) {
			const ranked = await rankLanguage(language, days);
			result.rankings.push({
				language,
				changed: ranked.pending !== undefined,
				entries: ranked.entries,
			});
			if (ranked.pending) pending.push(ranked.pending);
		}
		if (pending.length > 0) {
			result.published = [...new Set(pending.flatMap((change) => change.targets))].sort();
			try {
				await deps.publish(pending);
			} catch (error) {
				// The ranking and its pending change are stored: the sweep publishes them later.
				result.publishError = error instanceof Error ? error.message : String(error);
			}
		}
		return result;
	};
}

export type AggregateViews = ReturnType<typeof makeAggregateViews>;
