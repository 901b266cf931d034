import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoDbAgreementStore } from "#shared/adapters/dynamodb/dynamodb-agreement-store.ts";
import { DynamoDbArticleStore } from "#shared/adapters/dynamodb/dynamodb-article-store.ts";
import { DynamoDbFeedStore } from "#shared/adapters/dynamodb/dynamodb-feed-store.ts";
import { DynamoDbPublishLedger } from "#shared/adapters/dynamodb/dynamodb-publish-ledger.ts";
import { DynamoDbUploadStore } from "#shared/adapters/dynamodb/dynamodb-upload-store.ts";
import { feedRowKey } from "#shared/adapters/dynamodb/feed-keys.ts";
import { UnstorableError } from "#shared/domain/store-errors.ts";
import { ARCHIVE_PAGE_SIZE, feedEntriesFor } from "#shared/domain/targets.ts";
import { uploadOrder } from "#shared/domain/upload.ts";
import type { ArticleCommit } from "#shared/ports/articles.ts";
import { localDynamoDbClient } from "../../local/stack.ts";
import { articleChange, commitNew, makeUpload, NOW } from "../contracts/fixtures.ts";
import { makeArticle } from "../helpers/articles.ts";
import { startTestDynamoDb, type TestTable } from "../helpers/dynamodb.ts";

let db: TestTable;
beforeAll(async () => {
	db = await startTestDynamoDb();
});
afterAll(async () => {
	await db?.stop();
});

function makeCommit(uploadId: string, overrides: Partial<ArticleCommit> = {}): ArticleCommit {
	return { upload: makeUpload(uploadId), article: articleChange(), ...overrides };
}

describe("DynamoDbArticleStore", () => {
	it("commits an ingest and reads it back", async () => {
		const table = await db.createTable();
		const store = new DynamoDbArticleStore(db.client, table);
		const pending = { changeId: "upload:u1", targets: ["feed|en|latest", "home"] };
		expect(await store.commitArticleChange(makeCommit("u1", { pending }))).toBe("committed");
		expect(await store.getArticle(makeArticle())).toEqual(makeArticle());
		const uploads = new DynamoDbUploadStore(db.client, table);
		expect(await uploads.getUpload("incoming/science-news/a.zip", "u1")).toEqual(makeUpload("u1"));
		// The pending change is part of the same commit: a crash right after it leaves it behind.
		const ledger = new DynamoDbPublishLedger(db.client, table);
		expect(await ledger.listPending(10)).toEqual([pending]);
		await ledger.settle(pending.changeId);
		expect(await ledger.listPending(10)).toEqual([]);
		const feeds = new DynamoDbFeedStore(db.client, table);
		for (const entry of feedEntriesFor(makeArticle())) {
			expect(await feeds.listFeed(entry.feedKey, 50)).toEqual([entry.item]);
		}
		expect(await feeds.listLanguages()).toEqual(["en"]);
	});

	it("refuses a second commit of the same upload, and a commit against a stale revision", async () => {
		const store = new DynamoDbArticleStore(db.client, await db.createTable());
		expect(await store.commitArticleChange(makeCommit("u1"))).toBe("committed");
		expect(await store.commitArticleChange(makeCommit("u1"))).toBe("upload-exists");
		expect(await store.commitArticleChange(makeCommit("u2"))).toBe("article-changed");
		const v2 = makeArticle({ version: 2, revision: 2 });
		const commit = makeCommit("u3", { article: articleChange(v2, 1) });
		// Stored all the same; of two uploads in the same S3 order, the first stays the newest.
		expect(await store.commitArticleChange(commit)).toBe("committed-not-newest");
		expect((await store.getArticle(v2))?.version).toBe(2);
		expect(await store.listVersions(v2)).toHaveLength(2);
		expect(
			await store.commitArticleChange(makeCommit("u4", { article: articleChange(v2, 1) })),
		).toBe("article-changed");
	});

	it("indexes articles by agreement, by partner and by due instant, and keeps their history", async () => {
		const store = new DynamoDbArticleStore(db.client, await db.createTable());
		const pending = makeArticle({
			articleId: "later",
			status: "embargoed",
			dueAt: "2026-02-01T00:00:00.000Z",
		});
		const event = {
			at: NOW.toISOString(),
			action: "upload" as const,
			by: "partner science-news",
			reason: "upload",
			version: 1,
			status: pending.status,
			permission: pending.permission,
		};
		await store.commitArticleChange({
			article: { ...articleChange(pending), feedPuts: [], event },
		});
		await store.commitArticleChange({ article: articleChange(makeArticle({ articleId: "now" })) });
		const refs = [];
		for await (const ref of store.listByAgreement("sn-jst-2023")) refs.push(ref.articleId);
		expect(refs.sort()).toEqual(["later", "now"]);
		const summaries = [];
		for await (const summary of store.listByPartner("science-news", "later")) {
			summaries.push(summary);
		}
		expect(summaries).toMatchObject([{ articleId: "later", status: "embargoed" }]);
		expect(await store.listDue(new Date("2026-01-31T23:59:59Z"), 10)).toEqual([]);
		expect(await store.listDue(new Date("2026-02-01T00:00:00Z"), 10)).toEqual([
			{ partnerId: "science-news", articleId: "later", language: "en" },
		]);
		expect(await store.listHistory(pending)).toEqual([event]);

		// Released: the next state has no due instant, and the old one leaves the index.
		const released = { ...pending, status: "published" as const, revision: 2 };
		delete released.dueAt;
		expect(
			await store.commitArticleChange({
				article: {
					...articleChange(released, 1),
					newVersion: false,
					previousDueAt: pending.dueAt,
				},
			}),
		).toBe("committed");
		expect(await store.listDue(new Date("2026-03-01T00:00:00Z"), 10)).toEqual([]);
	});

	it("turns an item DynamoDB refuses for good into an UnstorableError, committing nothing", async () => {
		const table = await db.createTable();
		const store = new DynamoDbArticleStore(db.client, table);
		const huge = makeArticle({ byline: "x".repeat(450_000) });
		const commit = makeCommit("u1", { article: articleChange(huge) });
		await expect(store.commitArticleChange(commit)).rejects.toBeInstanceOf(UnstorableError);
		// A key the marshaller rejects (a prototype name), before anything is sent.
		const odd = makeArticle({
			rights: JSON.parse('{"holder":"H","agreement":"a","constructor":{"x":1}}'),
		});
		await expect(
			store.commitArticleChange(makeCommit("u2", { article: articleChange(odd) })),
		).rejects.toBeInstanceOf(UnstorableError);
		expect(await store.getArticle(huge)).toBeUndefined();
		expect(
			await new DynamoDbUploadStore(db.client, table).getUpload(huge.bundleKey, "u1"),
		).toBeUndefined();
	});

	it("lists a feed newest first, at most `limit` items", async () => {
		const table = await db.createTable();
		const store = new DynamoDbArticleStore(db.client, table);
		const days = [3, 1, 4, 2, 5];
		await Promise.all(
			days.map((day) => {
				const next = makeArticle({
					articleId: `a${day}`,
					firstCreated: `2024-01-0${day}T00:00:00Z`,
				});
				return store.commitArticleChange(makeCommit(`u${day}`, { article: articleChange(next) }));
			}),
		);
		const feeds = new DynamoDbFeedStore(db.client, table);
		expect((await feeds.listFeed("en/latest", 3)).map((i) => i.articleId)).toEqual([
			"a5",
			"a4",
			"a3",
		]);
	});
});

describe("DynamoDbFeedStore", () => {
	/** Article `i`, `i` hours into 2024: the higher `i`, the newer. */
	function hourly(i: number, articleId: string) {
		const at = new Date(Date.UTC(2024, 0, 1) + i * 3_600_000).toISOString();
		return makeArticle({ articleId, firstCreated: at, versionCreated: at });
	}
	/** The partition of Latest News that article `articleId` (published as `hourly`) is in. */
	function latestPartitionOf(articleId: string): string {
		const entry = feedEntriesFor(hourly(0, articleId)).find((e) => e.feedKey === "en/latest");
		if (!entry) throw new Error("no Latest News entry");
		return feedRowKey(entry.feedKey, entry.sortKey).pk;
	}
	/** `count` article ids whose Latest News rows share one partition, and `count` that avoid it. */
	function idsBy(count: number) {
		const candidates = Array.from({ length: 20 * count }, (_, i) => `skew-${i}`);
		const first = latestPartitionOf(candidates[0] ?? "");
		const same = candidates.filter((id) => latestPartitionOf(id) === first).slice(0, count);
		const other = candidates.filter((id) => latestPartitionOf(id) !== first).slice(0, count);
		return { same, other };
	}

	it("lists the newest of a busy feed even when they all sit in one of its partitions", async () => {
		const table = await db.createTable();
		const articles = new DynamoDbArticleStore(db.client, table);
		const feeds = new DynamoDbFeedStore(db.client, table);
		// Twelve read of fourteen: each partition's first read is a share of seven.
		const { same, other } = idsBy(14);
		// 14 older articles spread over the other partitions, then the 14 newest in one.
		const all = [
			...other.map((id, i) => hourly(i, id)),
			...same.map((id, i) => hourly(100 + i, id)),
		];
		await Promise.all(all.map((article) => commitNew(articles, article)));
		const newestFirst = [...same].reverse();
		expect((await feeds.listFeed("en/latest", 12)).map((item) => item.articleId)).toEqual(
			newestFirst.slice(0, 12),
		);
		// Interleaved the other way: the newest spread, one partition holding only older rows.
		const table2 = await db.createTable();
		const articles2 = new DynamoDbArticleStore(db.client, table2);
		const mixed = [
			...same.map((id, i) => hourly(i, id)),
			...other.map((id, i) => hourly(100 + i, id)),
		];
		await Promise.all(mixed.map((article) => commitNew(articles2, article)));
		expect(
			(await new DynamoDbFeedStore(db.client, table2).listFeed("en/latest", 12)).map(
				(item) => item.articleId,
			),
		).toEqual([...other].reverse().slice(0, 12));
	});
	it("marks the archive pages a batch lands in stale, however far a render moved on before it landed", async () => {
		const table = await db.createTable();
		const articles = new DynamoDbArticleStore(db.client, table);
		const feeds = new DynamoDbFeedStore(db.client, table);
		const key = "en/partners/science-news";
		const render = async () => {
			const state = await feeds.getFeedState(key);
			const renderedPages = Math.ceil(state.count / ARCHIVE_PAGE_SIZE);
			await feeds.markArchiveRendered(key, { renderedPages, stalePages: state.stalePages });
		};
		// 120 rows: archive pages 0 to 2, rendered.
		for (let i = 0; i < 120; i += 20) {
			await articles.commitArticleChanges(
				Array.from({ length: 20 }, (_, j) => ({
					article: articleChange(hourly(i + j, `old-${i + j}`), null),
				})),
			);
		}
		await render();
		// An agreement's 60 articles granted again in one batch, its transactions held at a gate
		// once its ordinals (121 to 180) are reserved; a render meanwhile counts all 180.
		let open = () => {};
		const gate = new Promise<void>((resolve) => {
			open = resolve;
		});
		const held = localDynamoDbClient(db.server.endpoint);
		held.middlewareStack.add(
			(next, context) => async (args) => {
				if (context.commandName === "TransactWriteItemsCommand") await gate;
				return next(args);
			},
			{ step: "initialize", name: "testHoldTransactions" },
		);
		const batch = new DynamoDbArticleStore(held, table).commitArticleChanges(
			Array.from({ length: 60 }, (_, i) => ({
				article: articleChange(hourly(200 + i, `new-${i}`), null),
			})),
		);
		for (let tries = 0; (await feeds.getFeedState(key)).count < 180; tries++) {
			if (tries > 100) throw new Error("the batch never reserved its ordinals");
			await new Promise((resolve) => setTimeout(resolve, 20));
		}
		await render();
		open();
		expect(await batch).toEqual(Array.from({ length: 60 }, () => "committed"));
		held.destroy();
		// The next render looks at the newest page and the stale ones: every new row is in one.
		const state = await feeds.getFeedState(key);
		const looked = new Set([state.renderedPages - 1, ...state.stalePages.map(({ page }) => page)]);
		const pageOf = new Map<string, number>();
		for (let page = 0; page < state.renderedPages; page++) {
			for (const item of await feeds.listArchivePage(key, page)) pageOf.set(item.articleId, page);
		}
		const unseen = Array.from({ length: 60 }, (_, i) => `new-${i}`).filter(
			(id) => !looked.has(pageOf.get(id) ?? -1),
		);
		expect(unseen).toEqual([]);
	});
});

describe("DynamoDbPublishLedger", () => {
	it("lets one publisher hold a target, and tells it when a newer revision came in", async () => {
		const ledger = new DynamoDbPublishLedger(db.client, await db.createTable());
		await ledger.request("feed|en|latest");
		const rev = await ledger.claim("feed|en|latest", "a", NOW, 60_000);
		expect(rev).toBe(1);
		expect(await ledger.claim("feed|en|latest", "b", NOW, 60_000)).toBeNull();
		await ledger.request("feed|en|latest");
		expect(await ledger.release("feed|en|latest", "a", 1)).toEqual({ state: "stale", rev: 2 });
		expect(await ledger.listDirty(10)).toEqual(["feed|en|latest"]);
		expect(await ledger.release("feed|en|latest", "a", 2)).toEqual({ state: "released" });
		expect(await ledger.listDirty(10)).toEqual([]);
		expect(await ledger.claim("feed|en|latest", "b", NOW, 60_000)).toBe(2);
	});

	it("hands an expired lease to the next publisher, and the old holder learns it lost", async () => {
		const ledger = new DynamoDbPublishLedger(db.client, await db.createTable());
		await ledger.request("t");
		expect(await ledger.claim("t", "a", NOW, 1000)).toBe(1);
		expect(await ledger.claim("t", "b", new Date(NOW.getTime() + 2000), 1000)).toBe(1);
		expect(await ledger.release("t", "a", 1)).toEqual({ state: "lost" });
	});

	it("renews a lease only for its holder", async () => {
		const ledger = new DynamoDbPublishLedger(db.client, await db.createTable());
		await ledger.request("t");
		expect(await ledger.claim("t", "a", NOW, 1000)).toBe(1);
		expect(await ledger.renew("t", "a", new Date(NOW.getTime() + 900), 1000)).toBe(true);
		// Renewed: still held 1.5 s after the claim, though the first lease ran 1 s.
		expect(await ledger.claim("t", "b", new Date(NOW.getTime() + 1500), 1000)).toBeNull();
		expect(await ledger.renew("t", "b", NOW, 1000)).toBe(false);
	});
});

describe("DynamoDbUploadStore", () => {
	it("keeps every upload at a key and names the newest by sequencer, whatever the order of calls", async () => {
		const table = await db.createTable();
		const store = new DynamoDbArticleStore(db.client, table);
		const uploads = new DynamoDbUploadStore(db.client, table);
		const older = makeUpload("v1", { order: uploadOrder("0055AB9F1F1A7C2D01") });
		const newer = makeUpload("v2", { order: uploadOrder("0055AB9F1F1A7C2D0A") });
		for (const upload of [newer, older]) await store.commitArticleChange({ upload });
		// The newer upload is processed first; the older one must not take the key back.
		expect(await uploads.markNewest(newer)).toEqual(newer);
		expect(await uploads.markNewest(older)).toEqual(newer);
		// Marking the newest again (a redelivery) changes nothing.
		expect(await uploads.markNewest(newer)).toEqual(newer);
		expect((await uploads.listUploads(newer.key)).map((u) => u.uploadId)).toEqual(["v1", "v2"]);
		// An upload found later without its event (no sequencer) never displaces one with it.
		expect(await uploads.markNewest(makeUpload("v0"))).toEqual(newer);
	});
});

describe("DynamoDbAgreementStore", () => {
	type Agreement = Parameters<DynamoDbAgreementStore["putAgreement"]>[0];
	type ChangeInput = Parameters<DynamoDbAgreementStore["putAgreement"]>[1];

	function makeAgreement(overrides: Partial<Agreement> = {}): Agreement {
		return {
			agreementId: "ag",
			partnerId: "p",
			holder: "H",
			translator: "",
			languages: ["en"],
			scope: ["text"],
			validFrom: "2024-01-01T00:00:00Z",
			validUntil: null,
			notice: "",
			status: "active",
			...overrides,
		};
	}

	function makeChange(overrides: Partial<ChangeInput> = {}): ChangeInput {
		return { at: NOW, action: "grant", by: "test", reason: "signed", ...overrides };
	}

	/** Runs `fn` while every Query returns at most two items a page; checks it took several. */
	async function withSmallPages<T>(fn: () => Promise<T>): Promise<T> {
		const name = "two-items-a-page";
		let queries = 0;
		db.client.middlewareStack.add(
			(next, context) => (args) => {
				if (context.commandName === "QueryCommand") {
					queries++;
					(args.input as { Limit?: number }).Limit = 2;
				}
				return next(args);
			},
			{ step: "initialize", name },
		);
		try {
			const result = await fn();
			expect(queries).toBeGreaterThan(1);
			return result;
		} finally {
			db.client.middlewareStack.remove(name);
		}
	}

	it("adds, renames and lists partners by id, page after page", async () => {
		const store = new DynamoDbAgreementStore(db.client, await db.createTable());
		for (const id of ["p3", "p1", "p5", "p2", "p4"]) {
			await store.putPartner({ partnerId: id, name: id.toUpperCase() });
		}
		await store.putPartner({ partnerId: "p2", name: "Renamed" });
		expect(await store.getPartner("p2")).toEqual({ partnerId: "p2", name: "Renamed" });
		expect(await store.getPartner("q")).toBeUndefined();
		expect(await withSmallPages(() => store.listPartners())).toEqual([
			{ partnerId: "p1", name: "P1" },
			{ partnerId: "p2", name: "Renamed" },
			{ partnerId: "p3", name: "P3" },
			{ partnerId: "p4", name: "P4" },
			{ partnerId: "p5", name: "P5" },
		]);
	});

	it("lists agreements by id, page after page, as last written", async () => {
		const store = new DynamoDbAgreementStore(db.client, await db.createTable());
		expect(await store.listAgreements()).toEqual([]);
		for (const id of ["c", "a", "e", "b", "d"]) {
			await store.putAgreement(makeAgreement({ agreementId: id }), makeChange());
		}
		await store.putAgreement(
			makeAgreement({ agreementId: "b", status: "revoked" }),
			makeChange({ action: "revoke" }),
		);
		const listed = await withSmallPages(() => store.listAgreements());
		expect(listed.map((a) => `${a.agreementId}:${a.status}`)).toEqual([
			"a:active",
			"b:revoked",
			"c:active",
			"d:active",
			"e:active",
		]);
		expect(await store.getAgreement("b")).toEqual(listed[1]);
		expect(await store.getAgreement("z")).toBeUndefined();
	});

	it("appends every change to the history, oldest first, even within one millisecond", async () => {
		const store = new DynamoDbAgreementStore(db.client, await db.createTable());
		const granted = makeAgreement();
		const amended = makeAgreement({ languages: ["en", "zh"] });
		const revoked = { ...amended, status: "revoked" as const };
		await store.putAgreement(granted, makeChange({ reason: "signed" }));
		await store.putAgreement(amended, makeChange({ action: "amend", reason: "zh added" }));
		await store.putAgreement(revoked, makeChange({ action: "revoke", by: "ops", reason: "ended" }));
		const at = NOW.toISOString();
		const expected = [
			{ at, action: "grant", by: "test", reason: "signed", agreement: granted },
			{ at, action: "amend", by: "test", reason: "zh added", agreement: amended },
			{ at, action: "revoke", by: "ops", reason: "ended", agreement: revoked },
		];
		expect(await store.listAgreementHistory("ag")).toEqual(expected);
		expect(await withSmallPages(() => store.listAgreementHistory("ag"))).toEqual(expected);
		expect(await store.getAgreement("ag")).toEqual({ ...revoked, revision: 3 });
		expect(await store.listAgreementHistory("other")).toEqual([]);
	});

	it("reads a history entry written before actions and revisions were recorded", async () => {
		const table = await db.createTable();
		const store = new DynamoDbAgreementStore(db.client, table);
		const { PutCommand } = await import("@aws-sdk/lib-dynamodb");
		const seeded = makeAgreement();
		const at = "2026-01-01T00:00:00.000Z";
		// As the demo seed wrote it before: no revision, `why` instead of `reason`, no action.
		for (const Item of [
			{ pk: "AGREEMENT#ag", sk: "AGREEMENT", agreement: seeded },
			{ pk: "AGREEMENT#ag", sk: `HISTORY#${at}#x`, agreement: seeded, by: "seed", why: "demo", at },
		]) {
			await db.client.send(new PutCommand({ TableName: table, Item }));
		}
		const revoked = { ...seeded, status: "revoked" as const };
		await store.putAgreement(revoked, makeChange({ action: "revoke", at: new Date("2025-01-01") }));
		expect(await store.listAgreementHistory("ag")).toEqual([
			{ at, action: "grant", by: "seed", reason: "demo", agreement: seeded },
			{
				at: "2025-01-01T00:00:00.000Z",
				action: "revoke",
				by: "test",
				reason: "signed",
				agreement: revoked,
			},
		]);
	});
});
