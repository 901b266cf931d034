import { ListObjectsV2Command, PutObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { logHourOf } from "#shared/domain/access-log.ts";
import { type LocalStack, startEphemeralStack } from "../../local/stack.ts";
import { gzipLog, USER_AGENTS, views } from "../helpers/access-logs.ts";
import { exampleBundle } from "../helpers/bundles.ts";
import { expectOk, syndicate } from "./spawn-cli.ts";

const PAGE = "/en/articles/science-news/2023-02-hitachi-china-green-league";
const ARTICLE = {
	partnerId: "science-news",
	articleId: "2023-02-hitachi-china-green-league",
	language: "en",
};

let stack: LocalStack;
beforeAll(async () => {
	stack = await startEphemeralStack();
	await stack.s3.send(
		new PutObjectCommand({
			Bucket: stack.endpoints.ingestBucket,
			Key: "incoming/science-news/cli/hitachi.zip",
			Body: await exampleBundle("hitachi-china-en"),
		}),
	);
	await stack.idle();
});
afterAll(async () => {
	await stack?.stop();
});

const run = (...args: string[]) => syndicate(stack.endpoints.dataDir, args);

async function json(...args: string[]) {
	return JSON.parse(expectOk(await run(...args, "--json")));
}

/** Every object of the site bucket with its ETag (the MD5 of its bytes) and write time. */
async function siteObjects(): Promise<Map<string, { eTag: string; lastModified: string }>> {
	const found = new Map<string, { eTag: string; lastModified: string }>();
	let token: string | undefined;
	do {
		const page = await stack.s3.send(
			new ListObjectsV2Command({ Bucket: stack.endpoints.siteBucket, ContinuationToken: token }),
		);
		for (const object of page.Contents ?? []) {
			found.set(object.Key ?? "", {
				eTag: object.ETag ?? "",
				lastModified: object.LastModified?.toISOString() ?? "",
			});
		}
		token = page.IsTruncated ? page.NextContinuationToken : undefined;
	} while (token);
	return found;
}

describe("npm run syndicate -- views aggregate", () => {
	it("counts the reader views in a new log object once, and ranks the article", async () => {
		const now = new Date();
		const date = now.toISOString().slice(0, 10);
		// Named and written as CloudFront's standard logging (and the local edge) writes them.
		const key = `cloudfront/LOCALEDGE.${logHourOf(now)}.cli0test.gz`;
		await stack.s3.send(
			new PutObjectCommand({
				Bucket: stack.endpoints.logsBucket,
				Key: key,
				Body: gzipLog([
					...views(PAGE, 4, { date }),
					...views(PAGE, 1, { date, status: 304, userAgent: USER_AGENTS.safariIphone }),
					...views(PAGE, 3, { date, userAgent: USER_AGENTS.googlebot }),
					...views(PAGE, 2, { date, method: "HEAD" }),
					...views("/en/articles/science-news/no-such-article", 2, { date, status: 404 }),
				]),
			}),
		);

		const first = await json("views", "aggregate");
		expect(first.logs.counted).toBeGreaterThanOrEqual(1);
		expect(first.views).toBeGreaterThanOrEqual(5);
		const en = first.rankings.find((r: { language: string }) => r.language === "en");
		expect(en).toEqual({ language: "en", changed: true, entries: [{ ...ARTICLE, views: 5 }] });
		expect(first.published).toEqual(["feed|en|most-viewed", "front|en", "home"]);
		expect(first.publishError).toBeUndefined();

		const second = await json("views", "aggregate");
		expect(second.logs).toMatchObject({ counted: 0 });
		expect(second.logs.alreadyCounted).toBeGreaterThanOrEqual(1);
		expect(second.rankings).toEqual(first.rankings.map((r: object) => ({ ...r, changed: false })));
		expect(second.published).toEqual([]);

		// The text form, as an operator reads it.
		const text = await run("views", "aggregate");
		expect(text.code).toBe(0);
		expect(text.out).toMatch(/counted 0 new log object\(s\)/);
		expect(text.out).toMatch(/1\s+5\s+science-news\/2023-02-hitachi-china-green-league/);
	});
});

describe("npm run syndicate -- publish", () => {
	it("--all republishes every target that exists, and a second run gives the same bytes", async () => {
		const first = await json("publish", "--all");
		expect(first.all).toBe(true);
		expect(first.skipped).toEqual([]);
		expect(first.published).toEqual(
			expect.arrayContaining([
				"home",
				"opml",
				"front|en",
				"feed|en|latest",
				"feed|en|updated",
				"feed|en|most-viewed",
				"feed|en|partners/science-news",
				"page|en|science-news|2023-02-hitachi-china-green-league",
			]),
		);
		const before = await siteObjects();
		expect(before.has("index.html")).toBe(true);
		expect(before.has("en/index.html")).toBe(true);
		expect(before.has("en/articles/science-news/2023-02-hitachi-china-green-league")).toBe(true);

		const second = await json("publish", "--all");
		expect(second.published).toEqual(first.published);
		const after = await siteObjects();
		expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
		for (const [key, object] of before) expect(after.get(key)?.eTag, key).toBe(object.eTag);
	});

	it("without --all publishes what is pending or dirty: nothing, once all is published", async () => {
		const run = await json("publish");
		expect(run).toMatchObject({ all: false, published: 0 });
	});
});
