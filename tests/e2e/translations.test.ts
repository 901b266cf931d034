import { GetObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GONE_METADATA_NAME } from "#shared/publishing/site-paths.ts";
import { type LocalStack, startEphemeralStack } from "../../local/stack.ts";
import { exampleBundle } from "../helpers/bundles.ts";
import {
	type Alternates,
	expectReciprocal,
	expectSitemapAgrees,
	pageAlternates,
	sitemapAlternates,
} from "../helpers/hreflang.ts";
import { makeServices } from "../helpers/services.ts";
import { upload } from "../helpers/stack.ts";

// The example article in English and Chinese on the real local servers (DynamoDB Local, S3):
// every HTML page of the site bucket read back, its hreflang links a reciprocal graph.

let stack: LocalStack;
const ID = "2023-02-hitachi-china-green-league";

beforeAll(async () => {
	stack = await startEphemeralStack();
});
afterAll(async () => {
	await stack?.stop();
});

/** Every `hreflang` link of every public HTML page in the site bucket, by page URL. */
async function hreflangGraph(): Promise<Map<string, Map<string, string>>> {
	const { siteBucket: Bucket, edgeUrl: siteUrl } = stack.endpoints;
	const graph = new Map<string, Map<string, string>>();
	let token: string | undefined;
	do {
		const listed = await stack.s3.send(
			new ListObjectsV2Command({ Bucket, ...(token ? { ContinuationToken: token } : {}) }),
		);
		for (const { Key } of listed.Contents ?? []) {
			if (!Key) continue;
			const object = await stack.s3.send(new GetObjectCommand({ Bucket, Key }));
			const html = (await object.Body?.transformToString()) ?? "";
			if (!object.ContentType?.startsWith("text/html")) continue;
			if (object.Metadata?.[GONE_METADATA_NAME]) continue;
			const links = pageAlternates(html, Key);
			const url = `${siteUrl.replace(/\/$/, "")}/${Key.replace(/(^|\/)index\.html$/, "$1")}`;
			if (links.size > 0) graph.set(url, links);
		}
		token = listed.NextContinuationToken;
	} while (token);
	return graph;
}

/** Every article page declares the alternates the sitemap lists for its URL, and no other. */
async function expectSitemapAgreesServed(graph: Map<string, Alternates>): Promise<void> {
	const { siteBucket: Bucket } = stack.endpoints;
	const object = await stack.s3.send(new GetObjectCommand({ Bucket, Key: "sitemap.xml" }));
	expectSitemapAgrees(sitemapAlternates((await object.Body?.transformToString()) ?? ""), graph);
}

describe("the example article in two languages", () => {
	it("links en and zh both ways once both are published, and en alone once zh is withdrawn", async () => {
		const page = (language: string) =>
			`${stack.endpoints.edgeUrl.replace(/\/$/, "")}/${language}/articles/science-news/${ID}`;
		await upload(stack, "incoming/science-news/tr-en.zip", await exampleBundle("hitachi-china-en"));
		await upload(stack, "incoming/science-news/tr-zh.zip", await exampleBundle("hitachi-china-zh"));

		const both = await hreflangGraph();
		expectReciprocal(both);
		await expectSitemapAgreesServed(both);
		// Written in Japanese, which we do not host: no x-default.
		const pair = new Map([
			["en", page("en")],
			["zh", page("zh")],
		]);
		expect(both.get(page("en"))).toEqual(pair);
		expect(both.get(page("zh"))).toEqual(pair);

		await makeServices(stack).withdraw({
			partnerId: "science-news",
			articleId: ID,
			language: "zh",
			by: "ops",
			reason: "translations test",
		});
		const alone = await hreflangGraph();
		expectReciprocal(alone);
		await expectSitemapAgreesServed(alone);
		expect(alone.get(page("en"))).toEqual(new Map([["en", page("en")]]));
		expect(alone.has(page("zh"))).toBe(false);
	});
});
