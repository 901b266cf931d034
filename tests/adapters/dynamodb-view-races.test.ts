import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoDbPublishLedger } from "#shared/adapters/dynamodb/dynamodb-publish-ledger.ts";
import { DynamoDbViewStore } from "#shared/adapters/dynamodb/dynamodb-view-store.ts";
import { InMemoryLogBucket } from "#shared/adapters/memory/in-memory-log-bucket.ts";
import { InMemoryObjectStore } from "#shared/adapters/memory/in-memory-object-store.ts";
import type { PendingChange } from "#shared/ports/articles.ts";
import { makeAggregateViews } from "#shared/use-cases/aggregate-views.ts";
import { gzipLog, logKey, views } from "../helpers/access-logs.ts";
import { startTestDynamoDb, type TestTable } from "../helpers/dynamodb.ts";

// Two aggregators racing on one table: what keeps them from counting twice is DynamoDB's
// conditional writes and transactions (and their item limit), so this runs on DynamoDB Local.
let db: TestTable;
beforeAll(async () => {
	db = await startTestDynamoDb();
});
afterAll(async () => {
	await db?.stop();
});

const A = "/en/articles/science-news/a";
const B = "/en/articles/science-news/b";
const C = "/en/articles/science-news/c";

const ref = (articleId: string) => ({ partnerId: "science-news", articleId, language: "en" });

describe("aggregateViews on DynamoDbViewStore", () => {
	it("counts once and publishes once when two runs go at the same time", async () => {
		const table = await db.createTable();
		const store = new DynamoDbViewStore(db.client, table);
		const ledger = new DynamoDbPublishLedger(db.client, table);
		// Two aggregators (two Lambda invocations) on the same table and bucket.
		const bucket = new InMemoryObjectStore();
		const published: PendingChange[][] = [];
		const makeRun = () =>
			makeAggregateViews({
				logs: new InMemoryLogBucket(bucket),
				views: store,
				publish: async (changes) => {
					published.push([...changes]);
				},
				clock: () => new Date("2026-01-01T12:00:00Z"),
			});
		// Every object has the same mix (c > b > a), so any partial count ranks them alike: the
		// order changes once, whichever run ranks first. One object has more articles than a
		// transaction takes.
		const mix = [...views(C, 3), ...views(B, 2), ...views(A, 1)];
		for (let i = 0; i < 6; i++) {
			// Each object its own hour, so the same readers count again.
			const hour = mix.map((request) => ({ ...request, time: `0${i}:15:02` }));
			await bucket.put(logKey(`2026-01-01-0${i}`), gzipLog(hour));
		}
		const many = Array.from({ length: 150 }, (_, i) => ({
			path: `/ja/articles/science-news/a-${String(i).padStart(3, "0")}`,
		}));
		await bucket.put(logKey("2026-01-01-07"), gzipLog(many));

		const [one, two] = await Promise.all([makeRun()(), makeRun()()]);

		expect((one?.logs.counted ?? 0) + (two?.logs.counted ?? 0)).toBe(7);
		expect((one?.views ?? 0) + (two?.views ?? 0)).toBe(6 * 6 + 150);
		expect(await store.mostViewed("en", 5)).toEqual([
			{ ...ref("c"), views: 18 },
			{ ...ref("b"), views: 12 },
			{ ...ref("a"), views: 6 },
		]);
		const ja = await store.listDailyViews("ja", ["2026-01-01"]);
		expect(ja).toHaveLength(150);
		expect(ja.every((entry) => entry.views === 1)).toBe(true);
		const enChanges = published
			.flat()
			.filter((change) => change.changeId.startsWith("most-viewed:en"));
		expect(enChanges).toHaveLength(1);
		// Both changes were committed for the sweep as well.
		expect((await ledger.listPending(10)).map((change) => change.changeId).sort()).toEqual(
			published
				.flat()
				.map((change) => change.changeId)
				.sort(),
		);

		// A third run finds everything counted and the order as it was.
		const third = await makeRun()();
		expect(third.logs).toMatchObject({ listed: 7, counted: 0, alreadyCounted: 7 });
		expect(third.published).toEqual([]);
	});
});
