import { describe, expect, it } from "vitest";
import type { DailyViews } from "#shared/domain/access-log.ts";
import type { PublishLedger } from "#shared/ports/publishing.ts";
import type { MostViewedEntry, ViewStore } from "#shared/ports/views.ts";
import { NOW } from "./fixtures.ts";

/** The ranking's pending change is read back through the ledger on the same table. */
export type MakeViewStores = () => Promise<{ views: ViewStore; ledger: PublishLedger }>;

const LOG = "cloudfront/E2QWRUHEXAMPLE.2026-01-01-09.a1b2c3d4.gz";

function daily(articleId: string, day: string, views: number, language = "en"): DailyViews {
	return { partnerId: "science-news", articleId, language, day, views };
}

function entry(articleId: string, views: number, language = "en"): MostViewedEntry {
	return { partnerId: "science-news", articleId, language, views };
}

function byArticle(list: DailyViews[]): DailyViews[] {
	return [...list].sort((a, b) => `${a.day}${a.articleId}`.localeCompare(`${b.day}${b.articleId}`));
}

/** What every {@link ViewStore} does, whatever its backend. */
export function describeViewStoreContract(name: string, makeStores: MakeViewStores): void {
	describe(`ViewStore contract: ${name}`, () => {
		it("adds a log object's views once, however often it is recorded", async () => {
			const { views } = await makeStores();
			const counts = [daily("a", "2026-01-01", 3), daily("b", "2026-01-01", 1)];
			expect(await views.countedLogs([LOG, "other"])).toEqual(new Set());
			expect(await views.recordLogViews(LOG, counts, NOW)).toBe("counted");
			expect(await views.recordLogViews(LOG, counts, NOW)).toBe("already-counted");
			expect(await views.countedLogs([LOG, "other"])).toEqual(new Set([LOG]));
			expect(byArticle(await views.listDailyViews("en", ["2026-01-01"]))).toEqual(counts);

			// Another object adds to the same day's counts.
			expect(await views.recordLogViews(`${LOG}.2`, [daily("a", "2026-01-01", 2)], NOW)).toBe(
				"counted",
			);
			expect(byArticle(await views.listDailyViews("en", ["2026-01-01"]))).toEqual([
				daily("a", "2026-01-01", 5),
				daily("b", "2026-01-01", 1),
			]);
		});

		it("gives a reader's hour on an article to the first log object that claims it, again on its retry", async () => {
			const { views } = await makeStores();
			const keep = new Date(NOW.getTime() + 86_400_000);
			const other = `${LOG}.2`;
			expect(await views.claimReaderHours(LOG, ["r1", "r2"], keep)).toEqual(new Set(["r1", "r2"]));
			expect(await views.claimReaderHours(other, ["r2", "r3"], keep)).toEqual(new Set(["r3"]));
			// A run that died before recording its counts finds the same readers its own.
			expect(await views.claimReaderHours(LOG, ["r1", "r2"], keep)).toEqual(new Set(["r1", "r2"]));
			expect(await views.claimReaderHours(other, ["r2", "r3"], keep)).toEqual(new Set(["r3"]));
			expect(await views.claimReaderHours(other, [], keep)).toEqual(new Set());

			const readers = Array.from({ length: 40 }, (_, i) => `c${i}`);
			const claims = await Promise.all(
				[1, 2, 3].map((n) => views.claimReaderHours(`${LOG}.c${n}`, readers, keep)),
			);
			for (const reader of readers)
				expect(
					claims.filter((claimed) => claimed.has(reader)),
					reader,
				).toHaveLength(1);
		});

		it("remembers a log object with no page views, so it is not read again", async () => {
			const { views } = await makeStores();
			expect(await views.recordLogViews(LOG, [], NOW)).toBe("counted");
			expect(await views.countedLogs([LOG])).toEqual(new Set([LOG]));
			expect(await views.listViewLanguages()).toEqual([]);
		});

		it("counts a large log object once even when many runs record it at the same time", async () => {
			const { views } = await makeStores();
			// More counters than one DynamoDB transaction takes, in two languages.
			const counts = Array.from({ length: 230 }, (_, i) =>
				daily(`article-${String(i).padStart(3, "0")}`, "2026-01-01", i + 1, i % 2 ? "en" : "ja"),
			);
			const outcomes = await Promise.all(
				Array.from({ length: 6 }, () => views.recordLogViews(LOG, counts, NOW)),
			);
			expect(outcomes.filter((outcome) => outcome === "counted").length).toBeGreaterThanOrEqual(1);
			expect(await views.countedLogs([LOG])).toEqual(new Set([LOG]));
			const stored = [
				...(await views.listDailyViews("en", ["2026-01-01"])),
				...(await views.listDailyViews("ja", ["2026-01-01"])),
			];
			expect(byArticle(stored)).toEqual(byArticle(counts));
			expect(await views.listViewLanguages()).toEqual(["en", "ja"]);
		});

		it("lists a language's counts on the days asked for only", async () => {
			const { views } = await makeStores();
			await views.recordLogViews(
				LOG,
				[
					daily("a", "2025-12-24", 7),
					daily("a", "2025-12-31", 1),
					daily("a", "2026-01-01", 2),
					daily("z", "2026-01-01", 4, "zh-Hant"),
				],
				NOW,
			);
			expect(byArticle(await views.listDailyViews("en", ["2025-12-31", "2026-01-01"]))).toEqual([
				daily("a", "2025-12-31", 1),
				daily("a", "2026-01-01", 2),
			]);
			expect(await views.listDailyViews("en", ["2025-12-30"])).toEqual([]);
			expect(await views.listDailyViews("zh-Hant", ["2026-01-01"])).toEqual([
				daily("z", "2026-01-01", 4, "zh-Hant"),
			]);
			expect(await views.listViewLanguages()).toEqual(["en", "zh-Hant"]);
		});

		it("replaces a ranking only at the revision it was read at", async () => {
			const { views } = await makeStores();
			expect(await views.getRanking("en")).toEqual({ entries: [], rev: 0 });
			expect(await views.mostViewed("en", 10)).toEqual([]);
			const first = [entry("a", 5), entry("b", 3), entry("c", 1)];
			expect(await views.saveRanking("en", first, 0)).toBe(true);
			expect(await views.getRanking("en")).toEqual({ entries: first, rev: 1 });
			// A second run that read revision 0 too loses.
			expect(await views.saveRanking("en", [entry("b", 9)], 0)).toBe(false);
			expect(await views.saveRanking("en", [entry("b", 9)], 2)).toBe(false);
			expect(await views.mostViewed("en", 2)).toEqual(first.slice(0, 2));
			expect(await views.saveRanking("en", [entry("b", 9)], 1)).toBe(true);
			expect(await views.getRanking("en")).toEqual({ entries: [entry("b", 9)], rev: 2 });
			expect(await views.getRanking("ja")).toEqual({ entries: [], rev: 0 });
		});

		it("writes the ranking's pending change with it, for the publisher's sweep", async () => {
			const { views, ledger } = await makeStores();
			const pending = { changeId: "most-viewed:en:1", targets: ["feed|en|most-viewed", "home"] };
			expect(await views.saveRanking("en", [entry("a", 1)], 0, pending)).toBe(true);
			expect(await ledger.listPending(10)).toEqual([pending]);
			const lost = { changeId: "most-viewed:en:1b", targets: ["home"] };
			expect(await views.saveRanking("en", [entry("b", 1)], 0, lost)).toBe(false);
			expect(await ledger.listPending(10)).toEqual([pending]);
		});

		it("moves a distribution's watermark forward only", async () => {
			const { views } = await makeStores();
			expect(await views.getLogWatermark("E2")).toBeUndefined();
			await views.advanceLogWatermark("E2", "2026-01-01-09");
			await views.advanceLogWatermark("E2", "2026-01-01-07");
			expect(await views.getLogWatermark("E2")).toBe("2026-01-01-09");
			await views.advanceLogWatermark("E2", "2026-01-02-00");
			expect(await views.getLogWatermark("E2")).toBe("2026-01-02-00");
			expect(await views.getLogWatermark("LOCALEDGE")).toBeUndefined();
		});
	});
}
