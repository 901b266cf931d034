import { request } from "node:http";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalStack, startEphemeralStack } from "../../local/stack.ts";

let stack: LocalStack;

// Every private object holds these bytes: no edge response may ever contain them.
const SECRET = "PRIVATE-INGEST-7f3a9c";
const PRIVATE_KEYS = [
	"x",
	"archive/x.zip",
	"archive/science-news/x.zip",
	"incoming/science-news/x.zip",
	"content/x",
	"reports/x",
	"reports/science-news/x.zip.json",
];
const ODD_NAME = "a #b?c%d ü.png";
const SITE_OBJECTS: Record<string, string> = {
	"index.html": "<h1>home</h1>",
	"en/index.html": "<h1>en</h1>",
	"zh-Hant/index.html": "<h1>zh-Hant</h1>",
	"feeds/en/latest.rss": "<rss/>",
	"en/articles/science-news/a-b.c": "<h1>article</h1>",
	[`media/en/science-news/a/${ODD_NAME}`]: "odd image",
	// A literal `%2F` in a name: reached by `%252F`, which is decoded once and only once.
	"media/en/science-news/a/100%2F2.png": "percent image",
};

beforeAll(async () => {
	stack = await startEphemeralStack();
	const put = (bucket: string, key: string, body: string) =>
		stack.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
	for (const key of PRIVATE_KEYS) await put(stack.endpoints.ingestBucket, key, `${SECRET} ${key}`);
	for (const [key, body] of Object.entries(SITE_OBJECTS))
		await put(stack.endpoints.siteBucket, key, body);
	// The incoming/ object starts an ingest (it fails: not a zip); let it finish first.
	await stack.idle();
});
afterAll(async () => {
	await stack?.stop();
});

/** Sends `path` byte for byte as the request target: fetch and URL would normalise it. */
function send(path: string, method = "GET"): Promise<{ status: number; body: string }> {
	const { hostname, port } = new URL(stack.endpoints.edgeUrl);
	return new Promise((resolve, reject) => {
		const req = request({ host: hostname, port, path, method, agent: false }, (res) => {
			const chunks: Buffer[] = [];
			res.on("data", (chunk: Buffer) => chunks.push(chunk));
			res.on("end", () =>
				resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("latin1") }),
			);
			res.on("error", reject);
		});
		req.on("error", reject);
		req.end();
	});
}

const ingest = "syndicate-ingest";
const TRAVERSALS = [
	`/..%2F${ingest}%2Farchive%2Fx.zip`,
	`/..%2f${ingest}%2farchive%2fx.zip`,
	`/..%2F${ingest}%2Fx`,
	`/..%2F${ingest}%2Farchive%2Fscience-news%2Fx.zip`,
	`/..%2F${ingest}%2Fincoming%2Fscience-news%2Fx.zip`,
	`/..%2F${ingest}%2Fcontent%2Fx`,
	`/..%2F${ingest}%2Freports%2Fx`,
	`/..%2F${ingest}%2Freports%2Fscience-news%2Fx.zip.json`,
	`/en/..%2F..%2F${ingest}%2Farchive%2Fx.zip`,
	`/feeds/..%2F..%2F${ingest}%2Farchive%2Fx.zip`,
	`/media/en/..%2F..%2F..%2F${ingest}%2Farchive%2Fx.zip`,
	`/%2e%2e/${ingest}/archive/x.zip`,
	`/%2E%2E%2F${ingest}%2Farchive%2Fx.zip`,
	`/en/%2e%2e/%2e%2e/${ingest}/archive/x.zip`,
	`/.%2e/${ingest}/archive/x.zip`,
	`/../${ingest}/archive/x.zip`,
	`/en/../../${ingest}/archive/x.zip`,
	`/en/..%5C..%5Cx`,
	`/en/..%5c..%5c${ingest}%5carchive%5cx.zip`,
	`/en\\..\\..\\${ingest}\\archive\\x.zip`,
	`/%252e%252e%252f${ingest}%252farchive%252fx.zip`,
	"/%252e%252e%252f",
	"/%C0%AE%C0%AE/",
	"/%C0%AF",
	`/%C0%AE%C0%AE%C0%AF${ingest}%C0%AFarchive%C0%AFx.zip`,
	`/%E0%80%AE%E0%80%AE%E0%80%AF${ingest}`,
	`//${ingest}/archive/x.zip`,
	`//${ingest}/x`,
	`/en//..%2F${ingest}%2Fx`,
	"/./en/",
	"/en/./index.html",
	"/en/%2e/x",
	"/en/%2E",
	"/en/%00",
	`/en/x%00/../../${ingest}/x`,
	"/en/%0A",
	"/en/%E2%80%AE",
	"/en/%EF%BB%BF",
	"/en/%",
	"/en/%zz",
	"/en/%E2%80",
	"/en/%ED%A0%80",
	"/incoming/science-news/x.zip",
	"/archive/x.zip",
	"/archive/science-news/x.zip",
	"/reports/x",
	"/content/x",
	`/${ingest}/archive/x.zip`,
	`/${ingest}/x`,
	`/%73yndicate-ingest/archive/x.zip`,
	`http://127.0.0.1/..%2F${ingest}%2Farchive%2Fx.zip`,
	`/en/${"a".repeat(2000)}`,
	`/en/${"a/".repeat(600)}`,
	`/${"..%2F".repeat(400)}${ingest}%2Farchive%2Fx.zip`,
	`/en/${"%2e%2e%2f".repeat(300)}`,
	`/media/en/${"b".repeat(300)}.png`,
];

describe("the local edge server and paths outside the site", () => {
	it("answers every traversal attempt with 400 or 404 and never leaks the ingest bucket", async () => {
		const results = [];
		for (const path of TRAVERSALS) {
			for (const method of ["GET", "HEAD"]) {
				const { status, body } = await send(path, method);
				results.push({ path, method, status, leaked: body.includes(SECRET) });
			}
		}
		expect(results.filter((r) => ![400, 404, 414].includes(r.status) || r.leaked)).toEqual([]);
	});

	it("still serves the site, odd file names included, and ignores the query string", async () => {
		const expected: [string, string][] = [
			["/", "<h1>home</h1>"],
			["/en/", "<h1>en</h1>"],
			["/en/index.html", "<h1>en</h1>"],
			["/%65n/", "<h1>en</h1>"],
			["/zh-Hant/", "<h1>zh-Hant</h1>"],
			["/feeds/en/latest.rss", "<rss/>"],
			["/en/articles/science-news/a-b.c", "<h1>article</h1>"],
			[`/media/en/science-news/a/${encodeURIComponent(ODD_NAME)}`, "odd image"],
			["/media/en/science-news/a/a%20%23b%3fc%25d%20%C3%BC.png", "odd image"],
			["/media/en/science-news/a/100%252F2.png", "percent image"],
			[`/en/?x=..%2F${ingest}%2Farchive%2Fx.zip`, "<h1>en</h1>"],
			[`/?/../${ingest}/archive/x.zip`, "<h1>home</h1>"],
		];
		for (const [path, body] of expected) {
			expect(await send(path), path).toEqual({
				status: 200,
				body: Buffer.from(body).toString("latin1"),
			});
			expect(await send(path, "HEAD"), path).toEqual({ status: 200, body: "" });
		}
	});

	it("answers 404 for well-formed site paths that do not exist", async () => {
		for (const path of [
			"/en/articles/science-news/missing",
			"/media/en/science-news/a/100%2E2.png",
			"/feeds/",
		]) {
			expect((await send(path)).status, path).toBe(404);
		}
		// Decoded once, `%252F` is a literal `%2F` in a name, never a separator.
		expect((await send("/media/en/science-news/a/100%2F2.png")).status).toBe(400);
	});
});
