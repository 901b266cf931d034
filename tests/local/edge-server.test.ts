import { createHash } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { type IncomingHttpHeaders, request } from "node:http";
import { type AddressInfo, connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import {
	CreateBucketCommand,
	DeleteObjectCommand,
	PutObjectCommand,
	type S3Client,
} from "@aws-sdk/client-s3";
import S3rver from "s3rver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GONE_METADATA } from "#shared/publishing/site-paths.ts";
import { CONTENT_SECURITY_POLICY } from "../../local/edge-http.ts";
import { type EdgeServer, startEdgeServer } from "../../local/edge-server.ts";
import { localS3Client } from "../../local/stack.ts";

const SITE = "syndicate-site";
const LOGS = "syndicate-logs";

let dir: string;
let s3rver: S3rver;
let s3: S3Client;
/** Calls the edge made to S3, by command name. */
const calls = new Map<string, number>();
let edge: EdgeServer;
const count = (command: string) => calls.get(command) ?? 0;
let edgeS3: S3Client;

beforeAll(async () => {
	dir = await mkdtemp(join(tmpdir(), "edge-server-"));
	s3rver = new S3rver({ address: "127.0.0.1", port: 0, directory: dir, silent: true });
	const { port } = (await s3rver.run()) as AddressInfo;
	s3 = localS3Client(`http://127.0.0.1:${port}`);
	for (const bucket of [SITE, LOGS]) await s3.send(new CreateBucketCommand({ Bucket: bucket }));
	// The edge gets its own client, so these counts are its calls and no one else's.
	edgeS3 = localS3Client(`http://127.0.0.1:${port}`);
	edgeS3.middlewareStack.add(
		(next, context) => (args) => {
			const name = String(context.commandName);
			calls.set(name, (calls.get(name) ?? 0) + 1);
			return next(args);
		},
		{ step: "initialize", name: "countEdgeCalls" },
	);
	edge = await startEdgeServer({
		port: 0,
		s3: edgeS3,
		bucket: SITE,
		objectEvents: s3rver,
		// Long enough that a test sees the index, not a refresh, unless it invalidates.
		ttlMs: 60_000,
	});
});
afterAll(async () => {
	await edge?.stop();
	await s3rver?.close();
	await rm(dir, { recursive: true, force: true });
});

async function put(
	key: string,
	body: string | Uint8Array,
	options: { contentType?: string; cacheControl?: string } = {},
): Promise<void> {
	await s3.send(
		new PutObjectCommand({
			Bucket: SITE,
			Key: key,
			Body: body,
			ContentType: options.contentType,
			CacheControl: options.cacheControl,
		}),
	);
}

interface Answer {
	status: number;
	headers: IncomingHttpHeaders;
	body: Buffer;
}

/** node:http, not fetch: fetch would inflate bodies and normalise the path. */
function send(
	path: string,
	options: { method?: string; headers?: Record<string, string>; base?: string } = {},
): Promise<Answer> {
	const { hostname, port } = new URL(options.base ?? edge.url);
	return new Promise((resolve, reject) => {
		const req = request(
			{ host: hostname, port, path, method: options.method ?? "GET", headers: options.headers },
			(res) => {
				const chunks: Buffer[] = [];
				res.on("data", (chunk: Buffer) => chunks.push(chunk));
				res.on("end", () =>
					resolve({
						status: res.statusCode ?? 0,
						headers: res.headers,
						body: Buffer.concat(chunks),
					}),
				);
				res.on("error", reject);
			},
		);
		req.on("error", reject);
		req.end();
	});
}

const md5 = (bytes: Uint8Array) => `"${createHash("md5").update(bytes).digest("hex")}"`;
/** Text long enough to be compressed (CloudFront compresses from 1,000 bytes). */
const longText = (seed: string) =>
	Array.from({ length: 200 }, (_, i) => `<p>${seed} paragraph ${i}</p>`).join("\n");

describe("the local edge: media types and Cache-Control", () => {
	it("serves every path class with its media type, charset and Cache-Control", async () => {
		const objects: [key: string, path: string, type: string, cache: string][] = [
			["index.html", "/", "text/html; charset=utf-8", "public, max-age=60"],
			["en/index.html", "/en/", "text/html; charset=utf-8", "public, max-age=60"],
			[
				"en/articles/science-news/a-b.c",
				"/en/articles/science-news/a-b.c",
				"text/html; charset=utf-8",
				"public, max-age=60",
			],
			[
				"en/articles/science-news/a-b.c.ninjs.json",
				"/en/articles/science-news/a-b.c.ninjs.json",
				"application/json",
				"public, max-age=60",
			],
			[
				"feeds/en/latest.rss",
				"/feeds/en/latest.rss",
				"application/rss+xml; charset=utf-8",
				"public, max-age=60",
			],
			[
				"feeds/en/latest.atom",
				"/feeds/en/latest.atom",
				"application/atom+xml; charset=utf-8",
				"public, max-age=60",
			],
			[
				"feeds/en/subjects/energy.json",
				"/feeds/en/subjects/energy.json",
				"application/feed+json; charset=utf-8",
				"public, max-age=60",
			],
			["feeds/index.opml", "/feeds/index.opml", "text/x-opml; charset=utf-8", "public, max-age=60"],
			["feeds/feed.xsl", "/feeds/feed.xsl", "text/xsl; charset=utf-8", "public, max-age=60"],
			[
				"agreements/sn-jst-2023.jsonld",
				"/agreements/sn-jst-2023.jsonld",
				"application/ld+json",
				"public, max-age=60",
			],
			[
				"assets/site-0123abcd.css",
				"/assets/site-0123abcd.css",
				"text/css; charset=utf-8",
				"public, max-age=31536000, immutable",
			],
		];
		// Stored as a careless writer would: no type, a generic one, a short cache everywhere.
		for (const [key] of objects)
			await put(key, "x", {
				contentType: "binary/octet-stream",
				cacheControl: "public, max-age=60",
			});
		for (const [, path, type, cache] of objects) {
			const answer = await send(path);
			expect(answer.status, path).toBe(200);
			expect(answer.headers["content-type"], path).toBe(type);
			expect(answer.headers["cache-control"], path).toBe(cache);
		}
	});

	it("serves photos with their stored type, keeping their own Cache-Control", async () => {
		await put("media/en/p/a/photo.jpg", "jpeg bytes", { contentType: "image/jpeg" });
		await put("media/en/p/a/photo-1a2b3c4d.png", "png bytes", {
			contentType: "image/png",
			cacheControl: "public, max-age=31536000, immutable",
		});
		const plain = await send("/media/en/p/a/photo.jpg");
		expect(plain.headers["content-type"]).toBe("image/jpeg");
		expect(plain.headers["cache-control"]).toBe("public, max-age=60");
		const hashed = await send("/media/en/p/a/photo-1a2b3c4d.png");
		expect(hashed.headers["content-type"]).toBe("image/png");
		expect(hashed.headers["cache-control"]).toBe("public, max-age=31536000, immutable");
	});
});

describe("the local edge: security headers, methods, redirects and 404s", () => {
	const SECURITY = {
		"content-security-policy": CONTENT_SECURITY_POLICY,
		"strict-transport-security": "max-age=63072000; includeSubDomains",
		"x-content-type-options": "nosniff",
		"x-frame-options": "DENY",
		"referrer-policy": "strict-origin-when-cross-origin",
	};

	it("sends the security headers on every response, whatever its status", async () => {
		await put("en/index.html", "<h1>en</h1>");
		const etag = (await send("/en/")).headers.etag ?? "";
		const answers = {
			200: await send("/en/"),
			304: await send("/en/", { headers: { "If-None-Match": etag } }),
			301: await send("/en"),
			400: await send("/en/%2e%2e/x"),
			404: await send("/en/articles/p/missing"),
			405: await send("/en/", { method: "POST" }),
			414: await send(`/en/${"a".repeat(2000)}`),
		};
		for (const [status, answer] of Object.entries(answers)) {
			expect(answer.status).toBe(Number(status));
			expect(answer.headers, status).toMatchObject(SECURITY);
		}
		expect(CONTENT_SECURITY_POLICY).toBe(
			"default-src 'none'; img-src 'self'; style-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
		);
	});

	it("lets the documents under /feeds/ load their XSLT stylesheet, and nothing else", async () => {
		await put("feeds/en/csp.rss", "<rss/>");
		await put("en/index.html", "<h1>en</h1>");
		const feedPolicy = `${CONTENT_SECURITY_POLICY}; script-src 'self'`;
		expect((await send("/feeds/en/csp.rss")).headers["content-security-policy"]).toBe(feedPolicy);
		expect((await send("/feeds/en/none.atom")).headers["content-security-policy"]).toBe(feedPolicy);
		expect((await send("/en/")).headers["content-security-policy"]).toBe(CONTENT_SECURITY_POLICY);
	});

	/** Writes raw bytes and reads until the server closes: node:http would refuse to send these. */
	function sendRaw(bytes: string): Promise<{ status: number; headers: Record<string, string> }> {
		const { hostname, port } = new URL(edge.url);
		return new Promise((resolve, reject) => {
			const socket = connect(Number(port), hostname, () => socket.end(bytes));
			const chunks: Buffer[] = [];
			socket.on("data", (chunk: Buffer) => chunks.push(chunk));
			socket.on("error", reject);
			socket.on("close", () => {
				const [head = ""] = Buffer.concat(chunks).toString("latin1").split("\r\n\r\n");
				const [statusLine = "", ...lines] = head.split("\r\n");
				const headers: Record<string, string> = {};
				for (const line of lines) {
					const colon = line.indexOf(":");
					headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
				}
				resolve({ status: Number(statusLine.split(" ")[1]), headers });
			});
		});
	}

	it("sends them on the answers node's HTTP server makes itself: 431, 400 and 417", async () => {
		const huge = await sendRaw(
			`GET /en/ HTTP/1.1\r\nHost: edge\r\nX-Big: ${"a".repeat(20 * 1024)}\r\n\r\n`,
		);
		const malformed = await sendRaw("GET /en/ NOT-HTTP\r\nHost: edge\r\n\r\n");
		const expectation = await sendRaw("GET /en/ HTTP/1.1\r\nHost: edge\r\nExpect: tea\r\n\r\n");
		expect(huge.status).toBe(431);
		expect(malformed.status).toBe(400);
		expect(expectation.status).toBe(417);
		for (const answer of [huge, malformed, expectation]) {
			expect(answer.headers).toMatchObject(SECURITY);
			expect(answer.headers).toMatchObject({
				"cache-control": "public, max-age=10",
				"content-type": "text/html; charset=utf-8",
				"x-cache": "Error from cloudfront",
			});
		}
	});

	it("answers methods other than GET and HEAD with 405 and Allow", async () => {
		for (const method of ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"]) {
			const answer = await send("/en/", { method });
			expect(answer.status, method).toBe(405);
			expect(answer.headers.allow, method).toBe("GET, HEAD");
		}
	});

	it("redirects a language folder without its slash, keeping a plain query", async () => {
		expect(await send("/en")).toMatchObject({ status: 301, headers: { location: "/en/" } });
		expect(await send("/zh-Hant?x=1")).toMatchObject({
			status: 301,
			headers: { location: "/zh-Hant/?x=1" },
		});
	});

	it("answers HEAD with the headers of the GET and no body", async () => {
		await put("feeds/en/head.json", longText("head"));
		for (const encoding of ["identity", "gzip", "br"]) {
			const headers = { "Accept-Encoding": encoding };
			const get = await send("/feeds/en/head.json", { headers });
			const head = await send("/feeds/en/head.json", { method: "HEAD", headers });
			expect(head.body.byteLength).toBe(0);
			for (const name of ["content-type", "content-length", "content-encoding", "etag", "vary"])
				expect(head.headers[name], `${encoding} ${name}`).toEqual(get.headers[name]);
		}
	});

	it("answers unknown paths with the site's 404 page, or a built-in HTML one without it", async () => {
		await s3.send(new DeleteObjectCommand({ Bucket: SITE, Key: "404.html" }));
		const builtIn = await send("/en/articles/p/nothing-here");
		expect(builtIn.status).toBe(404);
		expect(builtIn.headers["content-type"]).toBe("text/html; charset=utf-8");
		expect(builtIn.body.toString()).toMatch(/^<!doctype html>[\s\S]*Not found/);

		const page = `<!doctype html><html lang="en"><title>Not found</title><nav><a href="/en/">Latest News</a></nav>${"<p>…</p>".repeat(200)}</html>`;
		await put("404.html", page, { contentType: "text/html; charset=utf-8" });
		for (const path of ["/en/articles/p/nothing-here", "/robots.txt", "/feeds/en/none.rss"]) {
			const answer = await send(path);
			expect(answer.status, path).toBe(404);
			expect(answer.headers["content-type"], path).toBe("text/html; charset=utf-8");
			expect(answer.headers.etag, path).toBeUndefined();
			expect(answer.body.toString(), path).toBe(page);
		}
		const compressed = await send("/nowhere", { headers: { "Accept-Encoding": "br" } });
		expect(compressed.status).toBe(404);
		expect(brotliDecompressSync(compressed.body).toString()).toBe(page);
		const head = await send("/nowhere", { method: "HEAD" });
		expect(head).toMatchObject({ status: 404, body: Buffer.alloc(0) });
		expect(Number(head.headers["content-length"])).toBe(Buffer.byteLength(page));
	});
});

describe("the local edge: taken-down pages", () => {
	it("answers a page a takedown left (S3 metadata syndicate-gone) with 410 and its notice, whole", async () => {
		const key = "en/articles/p/withdrawn";
		const notice = `<!doctype html><html lang="en"><h1>Article withdrawn</h1>${longText("gone")}</html>`;
		await s3.send(
			new PutObjectCommand({
				Bucket: SITE,
				Key: key,
				Body: notice,
				ContentType: "text/html; charset=utf-8",
				Metadata: GONE_METADATA,
			}),
		);
		edge.invalidateKeys([key]);
		const answer = await send(`/${key}`);
		expect(answer.status).toBe(410);
		expect(answer.headers["content-type"]).toBe("text/html; charset=utf-8");
		expect(answer.body.toString()).toBe(notice);
		const compressed = await send(`/${key}`, { headers: { "Accept-Encoding": "gzip" } });
		expect(compressed.status).toBe(410);
		expect(gunzipSync(compressed.body).toString()).toBe(notice);
		const ranged = await send(`/${key}`, { headers: { Range: "bytes=0-9" } });
		expect(ranged.status).toBe(410);
		expect(ranged.body.toString()).toBe(notice);
		expect((await send(`/${key}`, { method: "HEAD" })).status).toBe(410);

		// Restored: the full page, without the metadata, is a 200 again.
		await put(key, "<!doctype html><p>Back</p>", { contentType: "text/html; charset=utf-8" });
		edge.invalidateKeys([key]);
		expect(await send(`/${key}`)).toMatchObject({ status: 200 });
	});
});

describe("the local edge: validators and 304s", () => {
	it("answers conditional GETs with 304 from its index, without reading the body again", async () => {
		const body = longText("conditional");
		await put("feeds/en/conditional.rss", body);
		const first = await send("/feeds/en/conditional.rss");
		expect(first.status).toBe(200);
		expect(first.headers.etag).toBe(md5(Buffer.from(body)));
		expect(first.headers["last-modified"]).toBeTruthy();
		const reads = count("GetObjectCommand");
		const heads = count("HeadObjectCommand");

		const etag = first.headers.etag ?? "";
		const lastModified = first.headers["last-modified"] ?? "";
		const conditional: Record<string, string>[] = [
			{ "If-None-Match": etag },
			{ "If-None-Match": `W/${etag}` },
			{ "If-None-Match": `"nope", ${etag}` },
			{ "If-None-Match": "*" },
			{ "If-Modified-Since": lastModified },
			{ "If-Modified-Since": new Date(Date.now() + 60_000).toUTCString() },
		];
		for (let round = 0; round < 20; round++) {
			for (const headers of conditional) {
				const answer = await send("/feeds/en/conditional.rss", { headers });
				expect(answer.status, JSON.stringify(headers)).toBe(304);
				expect(answer.body.byteLength).toBe(0);
				expect(answer.headers.etag).toBe(etag);
				expect(answer.headers["cache-control"]).toBe("public, max-age=60");
			}
		}
		// Full GETs of the same version come from memory too.
		for (let round = 0; round < 20; round++)
			expect((await send("/feeds/en/conditional.rss")).body.toString()).toBe(body);
		expect(count("GetObjectCommand")).toBe(reads);
		expect(count("HeadObjectCommand")).toBe(heads);
	});

	it("reads a changed object with one request to S3, a GET, whatever the request", async () => {
		await put("feeds/en/trips.rss", "<rss>1</rss>");
		const first = await send("/feeds/en/trips.rss");
		expect(first.body.toString()).toBe("<rss>1</rss>");
		// A new version: S3's event drops what the edge knew of the key.
		await put("feeds/en/trips.rss", "<rss>2</rss>");
		const before = { get: count("GetObjectCommand"), head: count("HeadObjectCommand") };
		expect((await send("/feeds/en/trips.rss")).body.toString()).toBe("<rss>2</rss>");
		expect(count("GetObjectCommand") - before.get).toBe(1);
		expect(count("HeadObjectCommand") - before.head).toBe(0);

		// A reader polling with the version it holds: the new body comes with the one GET.
		await put("feeds/en/trips.rss", "<rss>3</rss>");
		const polled = { get: count("GetObjectCommand"), head: count("HeadObjectCommand") };
		const changed = await send("/feeds/en/trips.rss", {
			headers: { "If-None-Match": md5(Buffer.from("<rss>2</rss>")) },
		});
		expect(changed.status).toBe(200);
		expect(changed.body.toString()).toBe("<rss>3</rss>");
		expect(count("GetObjectCommand") - polled.get).toBe(1);
		expect(count("HeadObjectCommand") - polled.head).toBe(0);

		// A reader that already holds the new version: still one request, and a 304.
		await put("feeds/en/trips.rss", "<rss>4</rss>");
		const middle = { get: count("GetObjectCommand"), head: count("HeadObjectCommand") };
		const unchanged = await send("/feeds/en/trips.rss", {
			headers: { "If-None-Match": md5(Buffer.from("<rss>4</rss>")) },
		});
		expect(unchanged.status).toBe(304);
		expect(count("GetObjectCommand") - middle.get).toBe(1);
		expect(count("HeadObjectCommand") - middle.head).toBe(0);
		// The same for a HEAD, which needs the body's length and its wholeness checked.
		await put("feeds/en/trips.rss", "<rss>5</rss>");
		const headed = { get: count("GetObjectCommand"), head: count("HeadObjectCommand") };
		const head = await send("/feeds/en/trips.rss", { method: "HEAD" });
		expect(head.status).toBe(200);
		expect(Number(head.headers["content-length"])).toBe(Buffer.byteLength("<rss>5</rss>"));
		expect(count("GetObjectCommand") - headed.get).toBe(1);
		expect(count("HeadObjectCommand") - headed.head).toBe(0);
	});

	it("sends the whole body when the validators do not match", async () => {
		await put("feeds/en/changed.atom", "<feed/>");
		const { headers } = await send("/feeds/en/changed.atom");
		const modified = new Date(Date.parse(headers["last-modified"] ?? "") - 1000).toUTCString();
		const mismatches: Record<string, string>[] = [
			{ "If-None-Match": '"other"' },
			{ "If-Modified-Since": modified },
			// If-None-Match decides alone when both are sent (RFC 9110 §13.2.2).
			{ "If-None-Match": '"other"', "If-Modified-Since": new Date().toUTCString() },
			{ "If-Modified-Since": "not a date" },
		];
		for (const conditional of mismatches) {
			const answer = await send("/feeds/en/changed.atom", { headers: conditional });
			expect(answer.status, JSON.stringify(conditional)).toBe(200);
			expect(answer.body.toString()).toBe("<feed/>");
		}
	});

	it("sees a new version at once when S3 reports it, and invalidates as CloudFront is told", async () => {
		await put("feeds/en/versions.json", '{"v":1}');
		expect((await send("/feeds/en/versions.json")).body.toString()).toBe('{"v":1}');
		await put("feeds/en/versions.json", '{"v":2}');
		expect((await send("/feeds/en/versions.json")).body.toString()).toBe('{"v":2}');
		await s3.send(new DeleteObjectCommand({ Bucket: SITE, Key: "feeds/en/versions.json" }));
		expect((await send("/feeds/en/versions.json")).status).toBe(404);

		// Without an event (objectEvents not wired): only the SiteCache call makes it visible.
		const quiet = await startEdgeServer({ port: 0, s3, bucket: SITE, ttlMs: 60_000 });
		try {
			await put("en/quiet/index.html", "one");
			expect((await send("/en/quiet/", { base: quiet.url })).body.toString()).toBe("one");
			await put("en/quiet/index.html", "two");
			expect((await send("/en/quiet/", { base: quiet.url })).body.toString()).toBe("one");
			await quiet.invalidate(["/en/quiet/"]);
			expect((await send("/en/quiet/", { base: quiet.url })).body.toString()).toBe("two");
			await put("en/quiet/index.html", "three");
			await quiet.invalidate(["/*"]);
			expect((await send("/en/quiet/", { base: quiet.url })).body.toString()).toBe("three");
		} finally {
			await quiet.stop();
		}
	});

	it("checks an object it knows, once past its TTL, with a HEAD: a 304 reads no body", async () => {
		const refreshing = await startEdgeServer({ port: 0, s3: edgeS3, bucket: SITE, ttlMs: 100 });
		try {
			await put("feeds/en/refresh.rss", "<rss>same</rss>");
			const first = await send("/feeds/en/refresh.rss", { base: refreshing.url });
			const etag = first.headers.etag ?? "";
			await new Promise((resolve) => setTimeout(resolve, 150));
			const before = { get: count("GetObjectCommand"), head: count("HeadObjectCommand") };
			const again = await send("/feeds/en/refresh.rss", {
				base: refreshing.url,
				headers: { "If-None-Match": etag },
			});
			expect(again.status).toBe(304);
			expect(count("HeadObjectCommand") - before.head).toBe(1);
			expect(count("GetObjectCommand") - before.get).toBe(0);
		} finally {
			await refreshing.stop();
		}
	});

	it("is never staler than its TTL when nobody invalidates it", async () => {
		const ttl = await startEdgeServer({ port: 0, s3, bucket: SITE, ttlMs: 300 });
		try {
			await put("en/ttl/index.html", "old");
			expect((await send("/en/ttl/", { base: ttl.url })).body.toString()).toBe("old");
			await put("en/ttl/index.html", "new");
			const written = performance.now();
			let seen = "";
			while (seen !== "new") seen = (await send("/en/ttl/", { base: ttl.url })).body.toString();
			expect(performance.now() - written).toBeLessThan(300 + 200);
		} finally {
			await ttl.stop();
		}
	});
});

describe("the local edge: byte ranges", () => {
	const SECURITY_KEYS = [
		"content-security-policy",
		"strict-transport-security",
		"x-content-type-options",
		"referrer-policy",
	];

	it("answers a single byte range with 206 and Content-Range, uncompressed, keeping every header", async () => {
		const text = longText("range");
		const bytes = Buffer.from(text);
		await put("feeds/en/range.rss", text);
		const full = await send("/feeds/en/range.rss", { headers: { "Accept-Encoding": "br" } });
		expect(full.status).toBe(200);
		expect(full.headers["accept-ranges"]).toBe("bytes");
		const size = bytes.byteLength;
		const cases: [string, number, number][] = [
			["bytes=0-99", 0, 99],
			["bytes=100-", 100, size - 1],
			["bytes=-50", size - 50, size - 1],
			[`bytes=10-${size + 500}`, 10, size - 1],
			[`bytes=-${size + 10}`, 0, size - 1],
		];
		for (const [range, start, end] of cases) {
			const answer = await send("/feeds/en/range.rss", {
				headers: { Range: range, "Accept-Encoding": "br, gzip" },
			});
			expect(answer.status, range).toBe(206);
			expect(answer.headers["content-range"], range).toBe(`bytes ${start}-${end}/${size}`);
			expect(answer.headers["content-encoding"], range).toBeUndefined();
			expect(Number(answer.headers["content-length"]), range).toBe(end - start + 1);
			expect(answer.body.equals(bytes.subarray(start, end + 1)), range).toBe(true);
			expect(answer.headers.etag).toBe(full.headers.etag);
			expect(answer.headers["cache-control"]).toBe("public, max-age=60");
			expect(answer.headers["content-type"]).toBe("application/rss+xml; charset=utf-8");
			for (const name of SECURITY_KEYS) expect(answer.headers[name], name).toBeDefined();
		}
	});

	it("answers an unsatisfiable range with 416 and the length, and ignores what it may ignore", async () => {
		await put("media/en/p/a/range.png", Buffer.alloc(300, 1), { contentType: "image/png" });
		const path = "/media/en/p/a/range.png";
		const beyond = await send(path, { headers: { Range: "bytes=300-" } });
		expect(beyond.status).toBe(416);
		expect(beyond.headers["content-range"]).toBe("bytes */300");
		for (const name of SECURITY_KEYS) expect(beyond.headers[name], name).toBeDefined();
		expect((await send(path, { headers: { Range: "bytes=-0" } })).status).toBe(416);
		// Several ranges, another unit, or a syntax error: the whole representation, 200.
		for (const range of ["bytes=0-9,20-29", "items=0-9", "bytes=9-1", "bytes=x-"]) {
			const answer = await send(path, { headers: { Range: range } });
			expect(answer.status, range).toBe(200);
			expect(answer.body.byteLength, range).toBe(300);
		}
	});

	it("honours If-Range: the range only while the ETag still matches", async () => {
		await put("media/en/p/a/if-range.png", Buffer.alloc(300, 2), { contentType: "image/png" });
		const path = "/media/en/p/a/if-range.png";
		const etag = (await send(path)).headers.etag ?? "";
		const same = await send(path, { headers: { Range: "bytes=0-9", "If-Range": etag } });
		expect(same.status).toBe(206);
		expect(same.body.byteLength).toBe(10);
		const changed = await send(path, { headers: { Range: "bytes=0-9", "If-Range": '"other"' } });
		expect(changed.status).toBe(200);
		expect(changed.body.byteLength).toBe(300);
	});
});

describe("the local edge: byte ranges of bodies too large to keep", () => {
	it("streams the part asked for with 206, and 416 past the end", async () => {
		const streaming = await startEdgeServer({
			port: 0,
			s3,
			bucket: SITE,
			objectEvents: s3rver,
			maxCachedObjectBytes: 1000,
		});
		try {
			const bytes = Buffer.from(Array.from({ length: 200_000 }, (_, i) => i % 251));
			await put("media/en/p/a/streamed.png", bytes, { contentType: "image/png" });
			const path = "/media/en/p/a/streamed.png";
			const full = await send(path, { base: streaming.url });
			expect(full.status).toBe(200);
			expect(full.headers["accept-ranges"]).toBe("bytes");
			expect(full.body.equals(bytes)).toBe(true);
			for (const [range, start, end] of [
				["bytes=100-70099", 100, 70_099],
				["bytes=-10", 199_990, 199_999],
				["bytes=150000-", 150_000, 199_999],
			] as const) {
				const part = await send(path, { base: streaming.url, headers: { Range: range } });
				expect(part.status, range).toBe(206);
				expect(part.headers["content-range"], range).toBe(`bytes ${start}-${end}/200000`);
				expect(part.body.equals(bytes.subarray(start, end + 1)), range).toBe(true);
				expect(part.headers.etag).toBe(full.headers.etag);
			}
			const beyond = await send(path, { base: streaming.url, headers: { Range: "bytes=200000-" } });
			expect(beyond.status).toBe(416);
			expect(beyond.headers["content-range"]).toBe("bytes */200000");
		} finally {
			await streaming.stop();
		}
	});
});

describe("the local edge: feeds for web readers on other origins (CORS)", () => {
	const ORIGIN = { Origin: "https://reader.example" };
	const CORS = {
		"access-control-allow-origin": "*",
		"access-control-expose-headers": "ETag",
	};

	it("lets any origin read every document under /feeds/, found or not, and nothing else", async () => {
		const feeds: [key: string, body: string][] = [
			["feeds/en/cors.rss", longText("rss")],
			["feeds/en/cors.atom", longText("atom")],
			["feeds/en/cors.json", longText("json")],
			["feeds/opml/en.opml", longText("opml")],
			["feeds/en/archive/cors-2026-12.rss", "<rss/>"],
		];
		for (const [key, body] of feeds) await put(key, body);
		for (const [key] of feeds) {
			for (const coding of ["identity", "br"]) {
				const headers = { ...ORIGIN, "Accept-Encoding": coding };
				const answer = await send(`/${key}`, { headers });
				expect(answer.status, key).toBe(200);
				expect(answer.headers, `${key} ${coding}`).toMatchObject(CORS);
				expect(answer.headers.vary, key).toBe("Accept-Encoding, Origin");
				// Same bytes for a reader on another origin as for anyone: only headers are added.
				const plain = await send(`/${key}`, { headers: { "Accept-Encoding": coding } });
				expect(answer.body.equals(plain.body), key).toBe(true);
				expect(plain.headers["access-control-allow-origin"], key).toBeUndefined();
				expect(plain.headers.vary, key).toBe("Accept-Encoding, Origin");
			}
			const head = await send(`/${key}`, { method: "HEAD", headers: ORIGIN });
			expect(head.headers, key).toMatchObject(CORS);
		}
		// A reader's own conditional request: 304 with the CORS headers and the same Vary.
		const first = await send("/feeds/en/cors.rss", { headers: ORIGIN });
		const etag = String(first.headers.etag);
		const notModified = await send("/feeds/en/cors.rss", {
			headers: { ...ORIGIN, "If-None-Match": etag },
		});
		expect(notModified.status).toBe(304);
		expect(notModified.headers).toMatchObject({ ...CORS, vary: "Accept-Encoding, Origin" });
		// A feed that is not there: the 404 is readable too, so a reader can tell it is gone.
		const missing = await send("/feeds/en/none-here.rss", { headers: ORIGIN });
		expect(missing.status).toBe(404);
		expect(missing.headers).toMatchObject({ ...CORS, vary: "Accept-Encoding, Origin" });
		// Pages, photos and assets are not for other origins' scripts.
		for (const path of ["/en/", "/media/en/p/a/big.png", "/nowhere"]) {
			const answer = await send(path, { headers: ORIGIN });
			expect(answer.headers["access-control-allow-origin"], path).toBeUndefined();
		}
	});

	it("answers a CORS preflight under /feeds/ with 204 and what it may send, and OPTIONS elsewhere 405", async () => {
		const preflight = await send("/feeds/en/cors.json", {
			method: "OPTIONS",
			headers: {
				...ORIGIN,
				"Access-Control-Request-Method": "GET",
				"Access-Control-Request-Headers": "if-none-match",
			},
		});
		expect(preflight.status).toBe(204);
		expect(preflight.body.byteLength).toBe(0);
		expect(preflight.headers).toMatchObject({
			...CORS,
			"access-control-allow-methods": "GET, HEAD, OPTIONS",
			"access-control-allow-headers": "*",
			"access-control-max-age": "86400",
			allow: "GET, HEAD, OPTIONS",
		});
		expect(preflight.headers["x-content-type-options"]).toBe("nosniff");
		// Plain OPTIONS (no Origin): what the path allows, and no CORS headers.
		const plain = await send("/feeds/en/cors.json", { method: "OPTIONS" });
		expect(plain.status).toBe(204);
		expect(plain.headers.allow).toBe("GET, HEAD, OPTIONS");
		expect(plain.headers["access-control-allow-origin"]).toBeUndefined();
		expect(plain.headers["access-control-allow-methods"]).toBeUndefined();
		// A page answers no preflight: its scripts' readers are not other origins.
		const page = await send("/en/", {
			method: "OPTIONS",
			headers: { ...ORIGIN, "Access-Control-Request-Method": "GET" },
		});
		expect(page.status).toBe(405);
		expect(page.headers.allow).toBe("GET, HEAD");
		expect(page.headers["access-control-allow-origin"]).toBeUndefined();
		// Other methods under /feeds/: 405 naming OPTIONS too, readable by the other origin.
		const post = await send("/feeds/en/cors.json", { method: "POST", headers: ORIGIN });
		expect(post.status).toBe(405);
		expect(post.headers).toMatchObject({ ...CORS, allow: "GET, HEAD, OPTIONS" });
	});
});

describe("the local edge: compression", () => {
	const body = longText("compress");

	it("chooses br or gzip by the q-values of Accept-Encoding, with Vary", async () => {
		await put("feeds/en/compress.json", body, { contentType: "application/feed+json" });
		const cases: [string | undefined, string | undefined][] = [
			[undefined, undefined],
			["br", "br"],
			["gzip", "gzip"],
			["gzip, deflate, br", "br"],
			["gzip, br;q=0.5", "gzip"],
			["br;q=0, gzip", "gzip"],
			["gzip;q=0.2, br;q=0.8", "br"],
			["*", "br"],
			["*;q=0.5, br;q=0", "gzip"],
			["identity", undefined],
			["gzip;q=0, br;q=0", undefined],
			["deflate", undefined],
			["gzip;q=0.5, identity", undefined],
			["x-gzip", "gzip"],
		];
		for (const [accept, coding] of cases) {
			const answer = await send("/feeds/en/compress.json", {
				headers: accept === undefined ? {} : { "Accept-Encoding": accept },
			});
			expect(answer.headers["content-encoding"], accept).toBe(coding);
			// A feed's CORS headers go to requests with an Origin only: caches keep those apart too.
			expect(answer.headers.vary, accept).toBe("Accept-Encoding, Origin");
			expect(answer.headers["content-type"]).toBe("application/feed+json; charset=utf-8");
			expect(Number(answer.headers["content-length"])).toBe(answer.body.byteLength);
			const plain =
				coding === "br"
					? brotliDecompressSync(answer.body)
					: coding === "gzip"
						? gunzipSync(answer.body)
						: answer.body;
			expect(plain.toString(), accept).toBe(body);
		}
	});

	it("compresses each version once, and leaves small bodies and photos alone", async () => {
		// Not `body`: a version already kept (same bytes, same ETag) would need no read at all.
		await put("feeds/en/once.rss", longText("once"));
		const reads = count("GetObjectCommand");
		const first = await send("/feeds/en/once.rss", { headers: { "Accept-Encoding": "br" } });
		for (let i = 0; i < 10; i++) {
			const again = await send("/feeds/en/once.rss", { headers: { "Accept-Encoding": "br" } });
			expect(again.body.equals(first.body)).toBe(true);
		}
		expect(count("GetObjectCommand")).toBe(reads + 1);

		await put("feeds/en/small.rss", "<rss/>");
		const small = await send("/feeds/en/small.rss", { headers: { "Accept-Encoding": "br, gzip" } });
		expect(small.headers["content-encoding"]).toBeUndefined();
		await put("media/en/p/a/big.png", Buffer.alloc(5000, 7), { contentType: "image/png" });
		const photo = await send("/media/en/p/a/big.png", {
			headers: { "Accept-Encoding": "br, gzip" },
		});
		expect(photo.headers["content-encoding"]).toBeUndefined();
		expect(photo.headers.vary).toBeUndefined();
		expect(photo.body.equals(Buffer.alloc(5000, 7))).toBe(true);
	});
});

describe("the local edge: torn reads", () => {
	/** Two versions of different sizes, so a torn read is short, long or mixed. */
	const A = Buffer.from(longText("A").repeat(40));
	const B = Buffer.from(longText("B").repeat(25));
	const tags = new Map([
		[md5(A), A],
		[md5(B), B],
	]);

	/** Rewrites `key` at least `rewrites` times, and until the readers have read `reads` times. */
	async function hammer(base: string, path: string, key: string, rewrites: number, reads: number) {
		let writing = true;
		const served: { status: number; whole: boolean; ms: number }[] = [];
		let aborted = 0;
		const writer = (async () => {
			const deadline = performance.now() + 20_000;
			for (let i = 0; i < rewrites || served.length + aborted < reads; i++) {
				await put(key, i % 2 === 0 ? B : A);
				if (performance.now() > deadline) break;
			}
			writing = false;
		})();
		const reader = async () => {
			while (writing) {
				const started = performance.now();
				try {
					const answer = await send(path, { base });
					const expected = tags.get(String(answer.headers.etag));
					served.push({
						status: answer.status,
						whole: expected !== undefined && answer.body.equals(expected),
						ms: performance.now() - started,
					});
				} catch {
					aborted++;
				}
			}
		};
		await Promise.all([writer, ...Array.from({ length: 6 }, reader)]);
		return { served, aborted };
	}

	it("serves only whole versions while S3 rewrites the object, without waiting on a stalled read", async () => {
		await put("feeds/en/torn.atom", A);
		// Read whole once: while every read is torn, the edge serves the last whole version, and
		// on a loaded machine a burst of rewrites can outlast all of its retries.
		expect((await send("/feeds/en/torn.atom", { base: edge.url })).status).toBe(200);
		const { served, aborted } = await hammer(
			edge.url,
			"/feeds/en/torn.atom",
			"feeds/en/torn.atom",
			150,
			200,
		);
		expect(aborted).toBe(0);
		expect(served.length).toBeGreaterThan(100);
		expect(served.filter((s) => s.status !== 200 || !s.whole)).toEqual([]);
		// A read left waiting for bytes a rewrite cut off would take until the origin timeout
		// (30 s); a read through every retry of torn copies takes under a second, more on a
		// loaded machine (1,030 ms seen): the bound tells the two apart, it times nothing.
		expect(Math.max(...served.map((s) => s.ms))).toBeLessThan(10_000);
	});

	it("never lets a streamed large body arrive complete when it was torn", async () => {
		const streaming = await startEdgeServer({
			port: 0,
			s3,
			bucket: SITE,
			objectEvents: s3rver,
			maxCachedObjectBytes: 1000,
		});
		try {
			await put("media/en/p/a/large.bin", A);
			const { served } = await hammer(
				streaming.url,
				"/media/en/p/a/large.bin",
				"media/en/p/a/large.bin",
				100,
				100,
			);
			// A torn stream is cut off (the client sees an error); whatever arrives is whole.
			expect(served.filter((s) => s.status === 200).length).toBeGreaterThan(20);
			expect(served.filter((s) => s.status !== 200 || !s.whole)).toEqual([]);
		} finally {
			await streaming.stop();
		}
	});
});
