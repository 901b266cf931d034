import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoDbAgreementChanges } from "#shared/adapters/dynamodb/dynamodb-agreement-changes.ts";
import { DynamoDbAgreementStore } from "#shared/adapters/dynamodb/dynamodb-agreement-store.ts";
import { DynamoDbArticleStore } from "#shared/adapters/dynamodb/dynamodb-article-store.ts";
import { DynamoDbFeedStore } from "#shared/adapters/dynamodb/dynamodb-feed-store.ts";
import { DynamoDbHealthStore } from "#shared/adapters/dynamodb/dynamodb-health-store.ts";
import { DynamoDbMostViewedReader } from "#shared/adapters/dynamodb/dynamodb-most-viewed.ts";
import { DynamoDbPublishLedger } from "#shared/adapters/dynamodb/dynamodb-publish-ledger.ts";
import { DynamoDbSiteDigests } from "#shared/adapters/dynamodb/dynamodb-site-digests.ts";
import { DynamoDbUploadStore } from "#shared/adapters/dynamodb/dynamodb-upload-store.ts";
import { DynamoDbViewStore } from "#shared/adapters/dynamodb/dynamodb-view-store.ts";
import { feedEntriesFor } from "#shared/domain/targets.ts";
import { makeUpload } from "../contracts/fixtures.ts";
import { makeArticle } from "../helpers/articles.ts";
import { startTestDynamoDb, type TestTable } from "../helpers/dynamodb.ts";

// Items as no adapter writes them, put with a plain PutItem and read back through each store:
// every read fails, naming the item's key and the attribute it could not take for what it is.

let db: TestTable;
let table: string;
beforeAll(async () => {
	db = await startTestDynamoDb();
	table = await db.createTable();
});
afterAll(async () => {
	await db?.stop();
});

async function put(...items: Record<string, unknown>[]): Promise<void> {
	for (const Item of items) await db.client.send(new PutCommand({ TableName: table, Item }));
}

const article = makeArticle({ articleId: "bad" });
const ref = { partnerId: article.partnerId, articleId: "bad", language: "en" };
const pk = "ARTICLE#science-news#bad#en";

const agreement = {
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
};

describe("DynamoDbArticleStore on malformed items", () => {
	const store = () => new DynamoDbArticleStore(db.client, table);

	it("refuses an article whose revision is not a number, or that lacks its permission", async () => {
		await put({ pk, sk: "CURRENT", article: { ...article, revision: "3" } });
		await expect(store().getArticle(ref)).rejects.toThrow(
			`DynamoDB item ${pk}/CURRENT: "article.revision" is not a number`,
		);
		await expect(store().getArticles([ref])).rejects.toThrow('"article.revision" is not a number');
		const { permission: _, ...unpermitted } = article;
		await put({ pk, sk: "CURRENT", article: unpermitted });
		await expect(store().getArticle(ref)).rejects.toThrow(
			`DynamoDB item ${pk}/CURRENT: "article.permission" is missing`,
		);
	});

	it("refuses a version, an event, a listing row and a due row it cannot read", async () => {
		await put(
			{ pk, sk: "VERSION#000000001", article: "{}" },
			{ pk, sk: "HISTORY#2024#000000001", event: { at: "2024", action: "delete" } },
			{ pk: "PARTNER#science-news", sk: "ARTICLE#bad#en", summary: { ...ref, version: 1 } },
			{ pk: "DUE", sk: `2024-01-01T00:00:00.000Z#${pk}`, ref: { ...ref, language: 7 } },
		);
		await expect(store().listVersions(ref)).rejects.toThrow(
			`DynamoDB item ${pk}/VERSION#000000001: "article" is not a map`,
		);
		await expect(store().listHistory(ref)).rejects.toThrow(
			`DynamoDB item ${pk}/HISTORY#2024#000000001: "event.action" is not one of upload, reevaluate, withdraw, restore`,
		);
		const listing = async () => {
			for await (const _ of store().listByPartner("science-news", "bad"));
		};
		await expect(listing()).rejects.toThrow(
			'DynamoDB item PARTNER#science-news/ARTICLE#bad#en: "summary.status" is not one of',
		);
		await expect(store().listDue(new Date("2025-01-01T00:00:00Z"), 10)).rejects.toThrow(
			`DynamoDB item DUE/2024-01-01T00:00:00.000Z#${pk}: "ref.language" is not a string`,
		);
	});
});

describe("DynamoDbFeedStore on malformed items", () => {
	const feeds = () => new DynamoDbFeedStore(db.client, table);

	it("refuses a feed row whose item is not what it rendered, and stale marks without pages", async () => {
		const entry = feedEntriesFor(makeArticle({ articleId: "row" })).find(
			(e) => e.feedKey === "en/partners/science-news",
		);
		if (!entry) throw new Error("no partner feed entry");
		const row = `FEED#${entry.feedKey}`;
		await put({
			pk: row,
			sk: entry.sortKey,
			item: { ...entry.item, subjects: "energy" },
			ordinal: 1,
		});
		await expect(feeds().listFeed(entry.feedKey, 10)).rejects.toThrow(
			`DynamoDB item ${row}/${entry.sortKey}: "item.subjects" is not a string list`,
		);
		await put({ pk: "FEEDMETA#en/broken", sk: "STALE#000000000001", mark: "m" });
		await expect(feeds().getFeedState("en/broken")).rejects.toThrow(
			'DynamoDB item FEEDMETA#en/broken/STALE#000000000001: "page" is missing',
		);
	});

	it("refuses a kill notice whose reason is not a reason class", async () => {
		await put({
			pk: "FEEDMETA#en/killed",
			sk: "TOMB#urn:x",
			id: "urn:x",
			when: "2026-01-01T00:00:00.000Z",
			reason: "legal order 42",
		});
		await expect(feeds().getFeedState("en/killed")).rejects.toThrow(
			'DynamoDB item FEEDMETA#en/killed/TOMB#urn:x: "reason" is not one of withdrawn',
		);
	});

	it("refuses a list of languages that is not a string set", async () => {
		await put({ pk: "SITE", sk: "LANGUAGES", languages: ["en"] });
		await expect(feeds().listLanguages()).rejects.toThrow(
			'DynamoDB item SITE/LANGUAGES: "languages" is not a string set',
		);
	});
});

describe("DynamoDbUploadStore on malformed items", () => {
	it("refuses an upload record whose report or targets it cannot read", async () => {
		const upload = makeUpload("u1");
		const uploadPk = `UPLOAD#${upload.key}`;
		await put(
			{ pk: uploadPk, sk: "ID#u1", ...upload, report: { ...upload.report, status: "lost" } },
			{ pk: uploadPk, sk: "NEWEST", ...upload, targets: "home" },
		);
		const uploads = new DynamoDbUploadStore(db.client, table);
		await expect(uploads.getUpload(upload.key, "u1")).rejects.toThrow(
			`DynamoDB item ${uploadPk}/ID#u1: "report.status" is not one of published,`,
		);
		await expect(uploads.getNewest(upload.key)).rejects.toThrow(
			`DynamoDB item ${uploadPk}/NEWEST: "targets" is not a string list`,
		);
	});
});

describe("DynamoDbAgreementStore and DynamoDbAgreementChanges on malformed items", () => {
	const store = () => new DynamoDbAgreementStore(db.client, table);

	it("refuses a partner, an agreement and a history entry it cannot read", async () => {
		await put(
			{ pk: "PARTNER#p", sk: "PARTNER", partnerId: "p", name: 7 },
			{ pk: "AGREEMENT#ag", sk: "AGREEMENT", agreement: { ...agreement, languages: "en" } },
			{ pk: "AGREEMENT#ag", sk: "HISTORY#0000000001", revision: 1, agreement, by: "x" },
		);
		await expect(store().getPartner("p")).rejects.toThrow(
			'DynamoDB item PARTNER#p/PARTNER: "name" is not a string',
		);
		await expect(store().getAgreement("ag")).rejects.toThrow(
			'DynamoDB item AGREEMENT#ag/AGREEMENT: "agreement.languages" is not a string list',
		);
		await expect(store().listAgreementHistory("ag")).rejects.toThrow(
			'DynamoDB item AGREEMENT#ag/HISTORY#0000000001: "at" is missing',
		);
	});

	it("refuses a revision that is not a number, rather than take it for none", async () => {
		await put({ pk: "AGREEMENT#rev", sk: "AGREEMENT", agreement, revision: "2" });
		await expect(store().getAgreement("rev")).rejects.toThrow(
			'DynamoDB item AGREEMENT#rev/AGREEMENT: "revision" is not a number',
		);
	});

	it("refuses an unsettled change without its action", async () => {
		await put({ pk: "AGREEMENT_CHANGES", sk: "ag", revision: 1, at: "t", by: "x", reason: "r" });
		await expect(
			new DynamoDbAgreementChanges(db.client, table).listUnsettledChanges(10),
		).rejects.toThrow(
			'DynamoDB item AGREEMENT_CHANGES/ag: "action" is not one of grant, amend, revoke',
		);
	});
});

describe("DynamoDbPublishLedger on malformed items", () => {
	it("refuses a pending change whose targets are not a list of strings", async () => {
		await put({
			pk: "PENDING#c1",
			sk: "PENDING",
			changeId: "c1",
			targets: ["home", 3],
			gsi1pk: "PENDING",
			gsi1sk: "c1",
		});
		await expect(new DynamoDbPublishLedger(db.client, table).listPending(10)).rejects.toThrow(
			'DynamoDB item PENDING#c1/PENDING: "targets" is not a string list',
		);
	});
});

describe("DynamoDbViewStore and DynamoDbMostViewedReader on malformed items", () => {
	it("refuses a ranking entry, a daily count and a watermark it cannot read", async () => {
		await put(
			{
				pk: "MOSTVIEWED#en",
				sk: "MOSTVIEWED",
				rev: 1,
				entries: [
					{ ...ref, views: 3 },
					{ ...ref, views: "many" },
				],
			},
			{ pk: "VIEWS#en#2024-01-01", sk: "ARTICLE#p#a", partnerId: "p", articleId: "a", day: "x" },
			{ pk: "VIEWCURSOR#d1", sk: "VIEWCURSOR", hour: 2024 },
		);
		const views = new DynamoDbViewStore(db.client, table);
		const message = 'DynamoDB item MOSTVIEWED#en/MOSTVIEWED: "entries[1].views" is not a number';
		await expect(views.getRanking("en")).rejects.toThrow(message);
		await expect(
			new DynamoDbMostViewedReader(db.client, table).mostViewed("en", 10),
		).rejects.toThrow(message);
		await expect(views.listDailyViews("en", ["2024-01-01"])).rejects.toThrow(
			'DynamoDB item VIEWS#en#2024-01-01/ARTICLE#p#a: "language" is missing',
		);
		await expect(views.getLogWatermark("d1")).rejects.toThrow(
			'DynamoDB item VIEWCURSOR#d1/VIEWCURSOR: "hour" is not a string',
		);
	});
});

describe("DynamoDbHealthStore and DynamoDbSiteDigests on malformed items", () => {
	it("refuses a failure note, a run note and a digest it cannot read", async () => {
		await put(
			{ pk: "INGEST_FAILURE#k", sk: "ID#u", key: "k", uploadId: "u", failures: "2" },
			{ pk: "HEALTH", sk: "HEALTH", lastSweepAt: 1 },
			{ pk: "SITEKEY#index.html", sk: "DIGEST", digest: 42 },
		);
		const health = new DynamoDbHealthStore(db.client, table);
		await expect(health.getIngestFailure("k", "u")).rejects.toThrow(
			'DynamoDB item INGEST_FAILURE#k/ID#u: "failures" is not a number',
		);
		await expect(health.readHealth()).rejects.toThrow(
			'DynamoDB item HEALTH/HEALTH: "lastSweepAt" is not a string',
		);
		await expect(
			new DynamoDbSiteDigests(db.client, table).getDigests(["index.html"]),
		).rejects.toThrow('DynamoDB item SITEKEY#index.html/DIGEST: "digest" is not a string');
	});
});
