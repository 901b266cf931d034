import { describe, expect, it } from "vitest";
import { InMemoryLogBucket } from "#shared/adapters/memory/in-memory-log-bucket.ts";
import { InMemoryObjectStore } from "#shared/adapters/memory/in-memory-object-store.ts";
import { InMemoryTables } from "#shared/adapters/memory/in-memory-tables.ts";
import { InMemoryViewStore } from "#shared/adapters/memory/in-memory-view-store.ts";
import type { PendingChange } from "#shared/ports/articles.ts";
import type { ViewStore } from "#shared/ports/views.ts";
import { makeAggregateViews } from "#shared/use-cases/aggregate-views.ts";
import { gzipLog, type LogRequest, logKey, USER_AGENTS, views } from "../helpers/access-logs.ts";

const A = "/en/articles/science-news/a";
const B = "/en/articles/science-news/b";
const C = "/en/articles/science-news/c";
const JA = "/ja/articles/science-news/a";

const ref = (articleId: string, language = "en") => ({
	partnerId: "science-news",
	articleId,
	language,
});

/** An aggregator on in-memory stores with a clock the test moves, recording its publishes. */
function makeRig(options: { views?: ViewStore; start?: string; failPublish?: boolean } = {}) {
	const tables = new InMemoryTables();
	const bucket = new InMemoryObjectStore();
	const store = options.views ?? new InMemoryViewStore(tables);
	const published: PendingChange[][] = [];
	let now = new Date(options.start ?? "2026-01-01T12:00:00Z");
	const aggregate = makeAggregateViews({
		logs: new InMemoryLogBucket(bucket),
		views: store,
		publish: async (changes) => {
			published.push([...changes]);
			if (options.failPublish) throw new Error("the publisher is down");
		},
		clock: () => now,
	});
	return {
		tables,
		store,
		published,
		aggregate,
		put: (key: string, requests: readonly LogRequest[]) => bucket.put(key, gzipLog(requests)),
		putRaw: (key: string, bytes: string) => bucket.put(key, bytes),
		setNow: (instant: string) => {
			now = new Date(instant);
		},
	};
}

describe("aggregateViews", () => {
	it("counts reader views of article pages from new log objects and ranks each language", async () => {
		const rig = makeRig();
		await rig.put(logKey("2026-01-01-09"), [
			...views(A, 3),
			...views(B, 5),
			...views(JA, 2),
			...views(A, 4, { userAgent: USER_AGENTS.googlebot }),
			...views(A, 2, { status: 404 }),
			...views(A, 2, { method: "HEAD" }),
			...views("/feeds/en/latest.rss", 9),
		]);
		await rig.put(logKey("2026-01-01-10"), [...views(A, 1, { status: 304 })]);

		const result = await rig.aggregate();

		expect(result.logs).toEqual({
			listed: 2,
			counted: 2,
			alreadyCounted: 0,
			unreadable: [],
			malformedLines: 0,
		});
		expect(result.views).toBe(11);
		expect(result.rankings).toEqual([
			{
				language: "en",
				changed: true,
				entries: [
					{ ...ref("b"), views: 5 },
					{ ...ref("a"), views: 4 },
				],
			},
			{ language: "ja", changed: true, entries: [{ ...ref("a", "ja"), views: 2 }] },
		]);
		expect(await rig.store.mostViewed("en", 1)).toEqual([{ ...ref("b"), views: 5 }]);
		expect(result.published).toEqual([
			"feed|en|most-viewed",
			"feed|ja|most-viewed",
			"front|en",
			"front|ja",
			"home",
		]);
		expect(rig.published).toHaveLength(1);
	});

	it("counts a reader once per article and hour, across the hour's log objects, whatever the query", async () => {
		const rig = makeRig();
		// One client reloading A with ?n=1 … ?n=300 for an hour, logged in three objects.
		const reloads = (from: number, to: number): LogRequest[] =>
			Array.from({ length: to - from }, (_, i) => ({
				path: A,
				ip: "192.0.2.1",
				query: `n=${from + i + 1}`,
				time: `09:${String(Math.floor((from + i) / 5)).padStart(2, "0")}:00`,
			}));
		await rig.put(logKey("2026-01-01-09"), reloads(0, 100));
		await rig.put(logKey("2026-01-01-09"), [...reloads(100, 200), ...views(B, 2)]);
		await rig.put(logKey("2026-01-01-09"), reloads(200, 300));
		const result = await rig.aggregate();
		expect(result.logs.counted).toBe(3);
		expect(result.views).toBe(3);
		expect(result.rankings[0]?.entries).toEqual([
			{ ...ref("b"), views: 2 },
			{ ...ref("a"), views: 1 },
		]);
		// The next hour the same reader counts again.
		await rig.put(logKey("2026-01-01-10"), [
			{ ...reloads(0, 1)[0], time: "10:05:00" } as LogRequest,
		]);
		rig.setNow("2026-01-01T11:00:00Z");
		expect((await rig.aggregate()).views).toBe(1);
	});

	it("counts each log object once when run again, and publishes nothing new", async () => {
		const rig = makeRig();
		await rig.put(logKey("2026-01-01-09"), views(A, 3));
		await rig.aggregate();
		const again = await rig.aggregate();
		expect(again.logs).toMatchObject({ listed: 1, counted: 0, alreadyCounted: 1 });
		expect(again.views).toBe(0);
		expect(again.rankings).toEqual([
			{ language: "en", changed: false, entries: [{ ...ref("a"), views: 3 }] },
		]);
		expect(again.published).toEqual([]);
		expect(rig.published).toHaveLength(1);
	});

	it("republishes only when the order changes, not when only the counts do", async () => {
		const rig = makeRig();
		await rig.put(logKey("2026-01-01-09"), [...views(A, 3), ...views(B, 2), ...views(JA, 1)]);
		await rig.aggregate();
		expect(rig.published).toHaveLength(1);

		// More views, same order: the counts are kept, nothing is republished.
		await rig.put(logKey("2026-01-01-10"), [...views(A, 1), ...views(B, 1)]);
		const same = await rig.aggregate();
		expect(same.published).toEqual([]);
		expect(rig.published).toHaveLength(1);
		expect(await rig.store.mostViewed("en", 5)).toEqual([
			{ ...ref("a"), views: 4 },
			{ ...ref("b"), views: 3 },
		]);

		// B overtakes A: English is republished once; Japanese did not change.
		await rig.put(logKey("2026-01-01-11"), views(B, 2));
		const changed = await rig.aggregate();
		expect(changed.published).toEqual(["feed|en|most-viewed", "front|en", "home"]);
		expect(rig.published).toHaveLength(2);
		expect(rig.published[1]).toEqual([
			{ changeId: "most-viewed:en:3", targets: ["feed|en|most-viewed", "front|en", "home"] },
		]);

		// A new article entering the ranking is a change of order too.
		await rig.put(logKey("2026-01-01-12"), views(C, 1));
		expect((await rig.aggregate()).published).toEqual(["feed|en|most-viewed", "front|en", "home"]);
		expect(rig.published).toHaveLength(3);
	});

	it("ranks over the seven days ending on the clock's day, dropping older days", async () => {
		const rig = makeRig({ start: "2026-01-07T08:00:00Z" });
		await rig.put(logKey("2026-01-01-09"), views(A, 5, { date: "2026-01-01" }));
		await rig.put(logKey("2026-01-06-09"), views(B, 3, { date: "2026-01-06" }));
		const first = await rig.aggregate();
		expect(first.rankings[0]?.entries).toEqual([
			{ ...ref("a"), views: 5 },
			{ ...ref("b"), views: 3 },
		]);

		// January 1st has left the window: A drops out and the order changes.
		rig.setNow("2026-01-08T00:00:00Z");
		const next = await rig.aggregate();
		expect(next.logs.counted).toBe(0);
		expect(next.rankings).toEqual([
			{ language: "en", changed: true, entries: [{ ...ref("b"), views: 3 }] },
		]);
		expect(next.published).toEqual(["feed|en|most-viewed", "front|en", "home"]);

		// Nothing left in the window: an empty ranking, published once.
		rig.setNow("2026-01-13T00:00:00Z");
		expect((await rig.aggregate()).rankings).toEqual([
			{ language: "en", changed: true, entries: [] },
		]);
		expect(await rig.store.mostViewed("en", 50)).toEqual([]);
		rig.setNow("2026-01-14T00:00:00Z");
		expect((await rig.aggregate()).published).toEqual([]);
		expect(rig.published).toHaveLength(3);
	});

	it("counts views on the day of the log line, not of the object's name or the clock", async () => {
		const rig = makeRig({ start: "2026-01-02T00:30:00Z" });
		await rig.put(logKey("2026-01-01-23"), [
			...views(A, 2, { date: "2026-01-01", time: "23:59:59" }),
			...views(A, 1, { date: "2026-01-02", time: "00:00:00" }),
		]);
		await rig.aggregate();
		expect(await rig.store.listDailyViews("en", ["2026-01-01", "2026-01-02"])).toEqual([
			{ ...ref("a"), day: "2026-01-01", views: 2 },
			{ ...ref("a"), day: "2026-01-02", views: 1 },
		]);
	});

	it("lists from the lookback before the newest hour seen, so late logs count and old ones are not read", async () => {
		const rig = makeRig();
		await rig.put(logKey("2026-01-01-09"), views(A, 1));
		await rig.put(logKey("2026-01-02-12"), views(A, 1));
		expect((await rig.aggregate()).logs.listed).toBe(2);

		// Delivered late (CloudFront: up to 24 h) for an hour within the lookback: counted.
		await rig.put(logKey("2026-01-01-13"), views(B, 1));
		// For an hour before it: never listed again (nor is the first object).
		await rig.put(logKey("2026-01-01-11"), views(B, 1));
		const next = await rig.aggregate();
		expect(next.logs).toMatchObject({ listed: 2, counted: 1, alreadyCounted: 1 });
		expect(await rig.store.mostViewed("en", 5)).toEqual([
			{ ...ref("a"), views: 2 },
			{ ...ref("b"), views: 1 },
		]);
	});

	it("never lists logs from before the window, even on its first run", async () => {
		const rig = makeRig({ start: "2026-01-20T12:00:00Z" });
		// The window starts on January 14th; a log delivered a day late for the 13th still counts.
		await rig.put(logKey("2026-01-12-23"), views(A, 1, { date: "2026-01-12" }));
		await rig.put(logKey("2026-01-13-01"), views(B, 1, { date: "2026-01-14" }));
		const result = await rig.aggregate();
		expect(result.logs).toMatchObject({ listed: 1, counted: 1 });
		expect(await rig.store.mostViewed("en", 5)).toEqual([{ ...ref("b"), views: 1 }]);
	});

	it("reads every distribution's logs, and ignores other objects under the prefix", async () => {
		const rig = makeRig();
		await rig.put(logKey("2026-01-01-09", "E2QWRUHEXAMPLE"), views(A, 1));
		await rig.put(logKey("2026-01-01-09", "LOCALEDGE"), views(A, 2));
		await rig.put("cloudfront/README.txt", views(A, 50));
		await rig.put("elsewhere/E2.2026-01-01-09.x.gz", views(A, 50));
		const result = await rig.aggregate();
		expect(result.logs).toMatchObject({ listed: 2, counted: 2 });
		expect(await rig.store.mostViewed("en", 5)).toEqual([{ ...ref("a"), views: 3 }]);
	});

	it("skips an object that is not a gzipped log, once, and says so", async () => {
		const rig = makeRig();
		const bad = logKey("2026-01-01-09");
		await rig.putRaw(bad, "not gzip");
		await rig.put(logKey("2026-01-01-09"), views(A, 1));
		const result = await rig.aggregate();
		expect(result.logs).toMatchObject({ counted: 2, unreadable: [bad] });
		expect((await rig.aggregate()).logs).toMatchObject({ counted: 0, alreadyCounted: 2 });
	});

	it("keeps the ranking and its pending change when the publish fails, for the sweep", async () => {
		const rig = makeRig({ failPublish: true });
		await rig.put(logKey("2026-01-01-09"), views(A, 1));
		const result = await rig.aggregate();
		expect(result.publishError).toBe("the publisher is down");
		expect(await rig.store.mostViewed("en", 5)).toEqual([{ ...ref("a"), views: 1 }]);
		expect([...rig.tables.pending.values()]).toEqual([
			{ changeId: "most-viewed:en:1", targets: ["feed|en|most-viewed", "front|en", "home"] },
		]);
		// Nothing changed since: no second publish (the sweep owns the pending one).
		expect((await rig.aggregate()).published).toEqual([]);
	});
});
