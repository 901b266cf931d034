import type { DailyViews } from "../../domain/access-log.ts";
import type { PendingChange } from "../../ports/articles.ts";
import type { MostViewedEntry, StoredRanking, ViewStore } from "../../ports/views.ts";
import { compareKeys, copyIn, copyOut, type InMemoryTables, refKey } from "./in-memory-tables.ts";

/**
 * Views and rankings in memory, with the DynamoDB adapter's rules: a log object is counted
 * once, a ranking is replaced only at the revision it was read at, and its pending change
 * goes to the shared tables (where the publish ledger's sweep finds it) in the same step.
 */
export class InMemoryViewStore implements ViewStore {
	/** Daily counts by language, then day, then article ({@link refKey}). */
	private readonly daily = new Map<string, Map<string, Map<string, DailyViews>>>();
	private readonly counted = new Set<string>();
	private readonly rankings = new Map<string, StoredRanking>();
	private readonly watermarks = new Map<string, string>();
	/** Which log object each reader-hour counts in. */
	private readonly readerHours = new Map<string, string>();

	constructor(private readonly tables: InMemoryTables) {}

	async countedLogs(keys: readonly string[]): Promise<Set<string>> {
		return new Set(keys.filter((key) => this.counted.has(key)));
	}

	async recordLogViews(
		key: string,
		views: readonly DailyViews[],
		_keepUntil: Date,
	): Promise<"counted" | "already-counted"> {
		if (this.counted.has(key)) return "already-counted";
		this.counted.add(key);
		for (const entry of copyIn(views)) {
			const days = this.daily.get(entry.language) ?? new Map<string, Map<string, DailyViews>>();
			this.daily.set(entry.language, days);
			const articles = days.get(entry.day) ?? new Map<string, DailyViews>();
			days.set(entry.day, articles);
			const stored = articles.get(refKey(entry));
			if (stored) stored.views += entry.views;
			else articles.set(refKey(entry), entry);
		}
		return "counted";
	}

	async claimReaderHours(
		logKey: string,
		readerHours: readonly string[],
		_keepUntil: Date,
	): Promise<Set<string>> {
		const ours = new Set<string>();
		for (const readerHour of readerHours) {
			const owner = this.readerHours.get(readerHour) ?? logKey;
			this.readerHours.set(readerHour, owner);
			if (owner === logKey) ours.add(readerHour);
		}
		return ours;
	}

	async listViewLanguages(): Promise<string[]> {
		return [...this.daily.keys()].sort(compareKeys);
	}

	async listDailyViews(language: string, days: readonly string[]): Promise<DailyViews[]> {
		const byDay = this.daily.get(language);
		return days.flatMap((day) => [...(byDay?.get(day)?.values() ?? [])].map(copyOut));
	}

	async getRanking(language: string): Promise<StoredRanking> {
		return copyOut(this.rankings.get(language) ?? { entries: [], rev: 0 });
	}

	async saveRanking(
		language: string,
		entries: readonly MostViewedEntry[],
		expectedRev: number,
		pending?: PendingChange,
	): Promise<boolean> {
		const rev = this.rankings.get(language)?.rev ?? 0;
		if (rev !== expectedRev) return false;
		this.rankings.set(language, { entries: copyIn([...entries]), rev: rev + 1 });
		if (pending) this.tables.pending.set(pending.changeId, copyIn(pending));
		return true;
	}

	async mostViewed(language: string, limit: number): Promise<MostViewedEntry[]> {
		return copyOut((this.rankings.get(language)?.entries ?? []).slice(0, limit));
	}

	async getLogWatermark(distributionId: string): Promise<string | undefined> {
		return this.watermarks.get(distributionId);
	}

	async advanceLogWatermark(distributionId: string, hour: string): Promise<void> {
		const current = this.watermarks.get(distributionId);
		if (current === undefined || current < hour) this.watermarks.set(distributionId, hour);
	}
}
