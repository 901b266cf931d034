import { GetObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { XMLParser } from "fast-xml-parser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GONE_METADATA_NAME } from "#shared/publishing/site-paths.ts";
import { type LocalStack, startEphemeralStack } from "../../local/stack.ts";
import { exampleBundle } from "../helpers/bundles.ts";
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
			const links = new Map<string, string>();
			const head = html.slice(0, html.indexOf("</head>"));
			for (const [, hreflang = "", href = ""] of head.matchAll(
				/<link rel="alternate" hreflang="([^"]*)" href="([^"]*)">/g,
			)) {
				links.set(hreflang, href);
			}
			const url = `${siteUrl.replace(/\/$/, "")}/${Key.replace(/(^|\/)index\.html$/, "$1")}`;
			if (links.size > 0) graph.set(url, links);
		}
		token = listed.NextContinuationToken;
	} while (token);
	return graph;
}

/** The sitemap's `xhtml:link` alternates of each URL it lists. */
async function sitemapGraph(): Promise<Map<string, Map<string, string>>> {
	const { siteBucket: Bucket } = stack.endpoints;
	const object = await stack.s3.send(new GetObjectCommand({ Bucket, Key: "sitemap.xml" }));
	const parsed = new XMLParser({
		ignoreAttributes: false,
		isArray: (name) => name === "url" || name === "xhtml:link",
	}).parse((await object.Body?.transformToString()) ?? "");
	const urls = parsed.urlset.url as {
		loc: string;
		"xhtml:link"?: { "@_hreflang": string; "@_href": string }[];
	}[];
	return new Map(
		urls.map((url) => [
			url.loc,
			new Map((url["xhtml:link"] ?? []).map((link) => [link["@_hreflang"], link["@_href"]])),
		]),
	);
}

/** Every article page declares the alternates the sitemap lists for its URL, and no other. */
async function expectSitemapAgrees(graph: Map<string, Map<string, string>>): Promise<void> {
	const sitemap = await sitemapGraph();
	for (const [url, links] of graph) {
		if (url.includes("/articles/")) expect(sitemap.get(url), `sitemap: ${url}`).toEqual(links);
	}
	for (const [url, links] of sitemap) expect(graph.get(url), `page: ${url}`).toEqual(links);
}

function expectReciprocal(graph: Map<string, Map<string, string>>): void {
	for (const [url, links] of graph) {
		expect([...links.values()], `${url} links itself`).toContain(url);
		for (const [hreflang, href] of links) {
			if (hreflang !== "x-default") expect(Intl.getCanonicalLocales(hreflang)).toEqual([hreflang]);
			expect([...(graph.get(href)?.values() ?? [])], `${href} links ${url} back`).toContain(url);
		}
	}
}

describe("the example article in two languages", () => {
	it("links en and zh both ways once both are published, and en alone once zh is withdrawn", async () => {
		const page = (language: string) =>
			`${stack.endpoints.edgeUrl.replace(/\/$/, "")}/${language}/articles/science-news/${ID}`;
		await upload(stack, "incoming/science-news/tr-en.zip", await exampleBundle("hitachi-china-en"));
		await upload(stack, "incoming/science-news/tr-zh.zip", await exampleBundle("hitachi-china-zh"));

		const both = await hreflangGraph();
		expectReciprocal(both);
		await expectSitemapAgrees(both);
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
		await expectSitemapAgrees(alone);
		expect(alone.get(page("en"))).toEqual(new Map([["en", page("en")]]));
		expect(alone.has(page("zh"))).toBe(false);
	});
});
