import { CreateBucketCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoDbFeedStore } from "#shared/adapters/dynamodb/dynamodb-feed-store.ts";
import { S3ObjectStore } from "#shared/adapters/s3/s3-object-store.ts";
import { UnstorableError } from "#shared/domain/store-errors.ts";
import type { FeedStore } from "#shared/ports/articles.ts";
import { type LocalStack, startEphemeralStack } from "../../local/stack.ts";
import { makeBundle, makeManifest } from "../helpers/bundles.ts";
import { makeServices } from "../helpers/services.ts";
import { putUpload } from "../helpers/uploads.ts";

let stack: LocalStack;
// A bucket the local stack's notifications ignore: these tests drive ingest themselves.
const BUCKET = "faults-ingest";

beforeAll(async () => {
	stack = await startEphemeralStack();
	await stack.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
});
afterAll(async () => {
	await stack?.stop();
});

const status = async (path: string) => (await fetch(`${stack.endpoints.edgeUrl}${path}`)).status;
const latestIds = async () =>
	(
		(await (await fetch(`${stack.endpoints.edgeUrl}/feeds/en/latest.json`)).json()) as {
			items: { id: string }[];
		}
	).items.map((item) => item.id);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("nothing is lost when a publisher dies", () => {
	it("publishes an article whose ingest died between its commit and its publish, on the next sweep", async () => {
		const dying = makeServices(stack, {
			ingestBucket: BUCKET,
			ingest: {
				publish: async () => {
					throw new Error("killed right after the commit");
				},
			},
		});
		const event = await putUpload(
			stack,
			BUCKET,
			"incoming/science-news/crash.zip",
			makeBundle({ manifest: makeManifest({ id: "crash-after-commit" }) }),
		);
		await expect(dying.ingestUpload(event)).rejects.toThrow("killed right after the commit");
		const page = "/en/articles/science-news/crash-after-commit";
		expect(await status(page)).toBe(404);

		// The schedule's sweep, from another process: the pending change was committed with it.
		const sweeper = makeServices(stack, { ingestBucket: BUCKET });
		expect(await sweeper.sweep()).toBeGreaterThan(0);
		expect(await status(page)).toBe(200);
		expect(await latestIds()).toContain("urn:syndicate:article:science-news:crash-after-commit:en");
		expect(await sweeper.ledger.listPending(100)).toEqual([]);
	});

	it("frees a target a dead publisher held once its short lease runs out", async () => {
		const { ledger } = makeServices(stack);
		await ledger.request("feed|en|latest");
		// Long enough that a loaded machine still ingests inside it.
		const deadLeaseUntil = Date.now() + 1500;
		expect(await ledger.claim("feed|en|latest", "dead-publisher", new Date(), 1500)).not.toBeNull();

		const services = makeServices(stack, { ingestBucket: BUCKET });
		const event = await putUpload(
			stack,
			BUCKET,
			"incoming/science-news/lease.zip",
			makeBundle({ manifest: makeManifest({ id: "behind-a-dead-lease" }) }),
		);
		await services.ingestUpload(event);
		const id = "urn:syndicate:article:science-news:behind-a-dead-lease:en";
		// The lease holder is dead: the feed stays dirty, not lost.
		expect(await latestIds()).not.toContain(id);
		expect(await ledger.listDirty(100)).toContain("feed|en|latest");
		await sleep(deadLeaseUntil - Date.now() + 50);
		await services.sweep();
		expect(await latestIds()).toContain(id);
		expect(await ledger.listDirty(100)).not.toContain("feed|en|latest");
	});

	it("renews its lease while a slow render runs, so no second publisher renders at once", async () => {
		// Slow where every render of the home page starts: the languages it lists.
		const slowFeeds: FeedStore = new (class extends DynamoDbFeedStore {
			override async listLanguages(): Promise<string[]> {
				await sleep(1500);
				return super.listLanguages();
			}
		})(stack.dynamodb, stack.endpoints.table);
		const slow = makeServices(stack, { publish: { feeds: slowFeeds, leaseMs: 500 } });
		const rendering = slow.publishTargets(["home"]);
		await sleep(1100);
		// Twice the lease has passed; renewed every third of it, it is still held.
		expect(await slow.ledger.claim("home", "another", new Date(), 500)).toBeNull();
		await rendering;
		expect(await slow.ledger.listDirty(100)).not.toContain("home");
	});
});

describe("every upload gets a report", () => {
	it("keeps the newest upload's report at a key when two uploads there are processed out of order", async () => {
		const services = makeServices(stack, { ingestBucket: BUCKET });
		const key = "incoming/science-news/same-key.zip";
		const older = await putUpload(
			stack,
			BUCKET,
			key,
			makeBundle({ manifest: makeManifest({ id: "older" }) }),
		);
		const newer = await putUpload(
			stack,
			BUCKET,
			key,
			makeBundle({ manifest: makeManifest({ id: "newer" }) }),
		);
		await services.ingestUpload(newer);
		await services.ingestUpload(older);
		// Redelivered late, the older one still does not take the key back.
		await services.ingestUpload(older);
		const reportBytes = await new S3ObjectStore(stack.s3, BUCKET).get(
			"reports/science-news/same-key.zip.json",
		);
		if (!reportBytes || "tooLarge" in reportBytes) throw new Error("no report");
		const report = JSON.parse(new TextDecoder().decode(reportBytes.bytes));
		expect(report).toMatchObject({ articleId: "newer", status: "published" });
		// Every upload's report stays readable, in S3 order.
		const all = await services.uploadRecords.listUploads(key);
		expect(all.map((record) => record.uploadId)).toEqual([older.eTag, newer.eTag]);
	});

	it("rejects an article the store refuses for good with UNSTORABLE, instead of retrying it", async () => {
		const base = makeServices(stack);
		const refusing = makeServices(stack, {
			ingestBucket: BUCKET,
			ingest: {
				// Validation bounds every field, so only an injected fault reaches this path now.
				articles: Object.assign(Object.create(base.articles), {
					commitArticleChange: (commit: Parameters<typeof base.articles.commitArticleChange>[0]) =>
						commit.article
							? Promise.reject(new UnstorableError("item size has exceeded the maximum"))
							: base.articles.commitArticleChange(commit),
				}),
			},
		});
		const event = await putUpload(
			stack,
			BUCKET,
			"incoming/science-news/unstorable.zip",
			makeBundle({ manifest: makeManifest({ id: "unstorable" }) }),
		);
		const result = await refusing.ingestUpload(event);
		expect(result?.report).toMatchObject({
			status: "rejected",
			articleId: "unstorable",
			errors: [{ code: "UNSTORABLE" }],
		});
		const record = await base.uploadRecords.getUpload(event.key, event.eTag ?? "");
		expect(record?.report.status).toBe("rejected");
	});
});
