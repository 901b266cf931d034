import { get as httpGet } from "node:http";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { GetObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CONTENT_SECURITY_POLICY, FEED_SECURITY_HEADERS } from "../../local/edge-http.ts";
import { type LocalStack, startEphemeralStack } from "../../local/stack.ts";
import { exampleBundle } from "../helpers/bundles.ts";
import { upload } from "../helpers/stack.ts";

let stack: LocalStack;
const ARTICLE = "/en/articles/science-news/2023-02-hitachi-china-green-league";

beforeAll(async () => {
	// Log objects every second, so the test need not wait five.
	process.env.SYNDICATE_LOG_FLUSH_SECONDS = "1";
	stack = await startEphemeralStack();
	await upload(
		stack,
		"incoming/science-news/edge-site.zip",
		await exampleBundle("hitachi-china-en"),
	);
});
afterAll(async () => {
	await stack?.stop();
	delete process.env.SYNDICATE_LOG_FLUSH_SECONDS;
});

function get(path: string, headers: Record<string, string> = {}) {
	return new Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }>(
		(resolve, reject) => {
			httpGet(`${stack.endpoints.edgeUrl}${path}`, { headers }, (res) => {
				const chunks: Buffer[] = [];
				res.on("data", (chunk: Buffer) => chunks.push(chunk));
				res.on("end", () =>
					resolve({
						status: res.statusCode ?? 0,
						headers: res.headers,
						body: Buffer.concat(chunks),
					}),
				);
			}).on("error", reject);
		},
	);
}

describe("the local edge in front of what the publisher writes", () => {
	it("serves published feeds and pages with CloudFront's headers", async () => {
		const expected: [string, string][] = [
			["/feeds/en/latest.rss", "application/rss+xml; charset=utf-8"],
			["/feeds/en/latest.atom", "application/atom+xml; charset=utf-8"],
			["/feeds/en/latest.json", "application/feed+json; charset=utf-8"],
			["/feeds/feed.xsl", "text/xsl; charset=utf-8"],
			["/en/", "text/html; charset=utf-8"],
			[ARTICLE, "text/html; charset=utf-8"],
			["/icons/icon-512.png", "image/png"],
			["/icons/logo-144x72.png", "image/png"],
			["/favicon.ico", "image/x-icon"],
			["/sitemap.xml", "application/xml"],
		];
		// Under /feeds/, the policy lets an RSS or Atom document load feed.xsl.
		const feedPolicy = new Map(FEED_SECURITY_HEADERS).get("Content-Security-Policy");
		for (const [path, type] of expected) {
			const answer = await get(path);
			expect(answer.status, path).toBe(200);
			expect(answer.headers, path).toMatchObject({
				"content-type": type,
				"cache-control": "public, max-age=60",
				"content-security-policy": path.startsWith("/feeds/")
					? feedPolicy
					: CONTENT_SECURITY_POLICY,
				"x-content-type-options": "nosniff",
				"strict-transport-security": "max-age=63072000; includeSubDomains",
				"referrer-policy": "strict-origin-when-cross-origin",
				"x-frame-options": "DENY",
			});
			const etag = String(answer.headers.etag);
			expect((await get(path, { "If-None-Match": etag })).status, path).toBe(304);
		}
	});

	it("compresses the JSON feed with Brotli and gzip", async () => {
		const plain = (await get("/feeds/en/latest.json")).body.toString();
		const br = await get("/feeds/en/latest.json", { "Accept-Encoding": "gzip, deflate, br" });
		expect(br.headers["content-encoding"]).toBe("br");
		expect(brotliDecompressSync(br.body).toString()).toBe(plain);
		const gzip = await get("/feeds/en/latest.json", { "Accept-Encoding": "gzip" });
		expect(gzip.headers["content-encoding"]).toBe("gzip");
		expect(gunzipSync(gzip.body).toString()).toBe(plain);
	});

	it("redirects /en to /en/ and answers unknown paths with an HTML 404", async () => {
		expect(await get("/en")).toMatchObject({ status: 301, headers: { location: "/en/" } });
		const missing = await get("/en/articles/science-news/no-such-article");
		expect(missing.status).toBe(404);
		expect(missing.headers["content-type"]).toBe("text/html; charset=utf-8");
		expect(missing.headers["content-security-policy"]).toBe(CONTENT_SECURITY_POLICY);
	});

	it("logs each request in the logs bucket as CloudFront's standard logging does", async () => {
		const agent = "Mozilla/5.0 (X11; Linux x86_64) edge-site-test";
		const view = await get(ARTICLE, { "User-Agent": agent });
		const id = String(view.headers["x-amz-cf-id"]);
		const bucket = stack.endpoints.logsBucket;
		let line: string | undefined;
		let key: string | undefined;
		for (let attempt = 0; attempt < 100 && !line; attempt++) {
			await new Promise((resolve) => setTimeout(resolve, 100));
			const listed = await stack.s3.send(
				new ListObjectsV2Command({ Bucket: bucket, Prefix: "cloudfront/" }),
			);
			for (const object of listed.Contents ?? []) {
				const got = await stack.s3.send(new GetObjectCommand({ Bucket: bucket, Key: object.Key }));
				const text = gunzipSync((await got.Body?.transformToByteArray()) ?? new Uint8Array());
				const found = text
					.toString()
					.split("\n")
					.find((row) => row.includes(id));
				if (found) {
					line = found;
					key = object.Key;
				}
			}
		}
		expect(key).toMatch(/^cloudfront\/LOCALEDGE\.\d{4}-\d{2}-\d{2}-\d{2}\.[0-9A-F]+\.gz$/);
		const fields = (line ?? "").split("\t");
		expect(fields).toHaveLength(33);
		expect(fields[5]).toBe("GET");
		expect(fields[7]).toBe(ARTICLE);
		expect(fields[8]).toBe("200");
		expect(decodeURIComponent(fields[10] ?? "")).toBe(agent);
		expect(fields[14]).toBe(id);
	});
});
