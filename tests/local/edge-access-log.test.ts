import { mkdtemp, rm } from "node:fs/promises";
import { request } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import {
	CreateBucketCommand,
	GetObjectCommand,
	ListObjectsV2Command,
	PutObjectCommand,
	type S3Client,
} from "@aws-sdk/client-s3";
import fc from "fast-check";
import S3rver from "s3rver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
	type AccessLogEntry,
	encodeLogValue,
	formatLogLine,
	LOG_FIELDS,
	logFlushSecondsFromEnv,
} from "../../local/edge-access-log.ts";
import { type EdgeServer, startEdgeServer } from "../../local/edge-server.ts";
import { localS3Client } from "../../local/stack.ts";

const SITE = "syndicate-site";
const LOGS = "syndicate-logs";

/** The 33 fields, in order, as CloudFront's standard logging documents them. */
const CLOUDFRONT_FIELDS =
	"date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status cs(Referer) cs(User-Agent) cs-uri-query cs(Cookie) x-edge-result-type x-edge-request-id x-host-header cs-protocol cs-bytes time-taken x-forwarded-for ssl-protocol ssl-cipher x-edge-response-result-type cs-protocol-version fle-status fle-encrypted-fields c-port time-to-first-byte x-edge-detailed-result-type sc-content-type sc-content-len sc-range-start sc-range-end";

function entry(overrides: Partial<AccessLogEntry> = {}): AccessLogEntry {
	return {
		at: new Date("2030-01-02T03:04:05.678Z"),
		scBytes: 512,
		clientIp: "127.0.0.1",
		clientPort: 50123,
		method: "GET",
		distributionHost: "127.0.0.1:8080",
		uriStem: "/en/articles/science-news/a",
		uriQuery: undefined,
		status: 200,
		referer: undefined,
		userAgent: "Mozilla/5.0 (X11; Linux x86_64)",
		resultType: "Hit",
		detailedResultType: "Hit",
		requestId: "a".repeat(56),
		hostHeader: "127.0.0.1:8080",
		protocol: "http",
		csBytes: 80,
		timeTakenMs: 1.5,
		timeToFirstByteMs: 1.2,
		forwardedFor: undefined,
		protocolVersion: "HTTP/1.1",
		contentType: "text/html; charset=utf-8",
		contentLength: 1234,
		...overrides,
	};
}

describe("CloudFront standard log lines", () => {
	it("lists the 33 standard fields in CloudFront's order", () => {
		expect(LOG_FIELDS.join(" ")).toBe(CLOUDFRONT_FIELDS);
	});

	it("writes one tab-separated line of 33 fields, `-` for empty ones", () => {
		const fields = formatLogLine(entry()).split("\t");
		expect(fields).toHaveLength(33);
		expect(Object.fromEntries(LOG_FIELDS.map((name, i) => [name, fields[i]]))).toEqual({
			date: "2030-01-02",
			time: "03:04:05",
			"x-edge-location": "LOCAL1",
			"sc-bytes": "512",
			"c-ip": "127.0.0.1",
			"cs-method": "GET",
			"cs(Host)": "127.0.0.1:8080",
			"cs-uri-stem": "/en/articles/science-news/a",
			"sc-status": "200",
			"cs(Referer)": "-",
			"cs(User-Agent)": "Mozilla/5.0%20(X11;%20Linux%20x86_64)",
			"cs-uri-query": "-",
			"cs(Cookie)": "-",
			"x-edge-result-type": "Hit",
			"x-edge-request-id": "a".repeat(56),
			"x-host-header": "127.0.0.1:8080",
			"cs-protocol": "http",
			"cs-bytes": "80",
			"time-taken": "0.002",
			"x-forwarded-for": "-",
			"ssl-protocol": "-",
			"ssl-cipher": "-",
			"x-edge-response-result-type": "Hit",
			"cs-protocol-version": "HTTP/1.1",
			"fle-status": "-",
			"fle-encrypted-fields": "-",
			"c-port": "50123",
			"time-to-first-byte": "0.001",
			"x-edge-detailed-result-type": "Hit",
			"sc-content-type": "text/html;%20charset=utf-8",
			"sc-content-len": "1234",
			"sc-range-start": "-",
			"sc-range-end": "-",
		});
		expect(formatLogLine(entry({ status: 0 })).split("\t")[8]).toBe("000");
	});

	it("encodes any header value so one decode gives it back, never a tab or a line break", () => {
		fc.assert(
			fc.property(fc.uint8Array({ minLength: 1, maxLength: 40 }), (bytes) => {
				const value = Buffer.from(bytes).toString("latin1");
				const logged = encodeLogValue(value);
				expect(logged).toMatch(/^[\x21-\x7e]+$/);
				expect(Buffer.from(unescapeBytes(logged)).equals(Buffer.from(bytes))).toBe(true);
			}),
		);
	});

	it("keeps the percent-escapes of the request target, so its names decode once", () => {
		expect(encodeLogValue("/media/en/p/a/a%20b%C3%BC.png", true)).toBe(
			"/media/en/p/a/a%20b%C3%BC.png",
		);
		expect(encodeLogValue("q=a b&c=\u00ff", true)).toBe("q=a%20b&c=%FF");
		expect(encodeLogValue("50% off")).toBe("50%25%20off");
	});

	it("flushes every SYNDICATE_LOG_FLUSH_SECONDS, 5 by default", () => {
		expect(logFlushSecondsFromEnv({})).toBe(5);
		expect(logFlushSecondsFromEnv({ SYNDICATE_LOG_FLUSH_SECONDS: "0.5" })).toBe(0.5);
		expect(logFlushSecondsFromEnv({ SYNDICATE_LOG_FLUSH_SECONDS: "nonsense" })).toBe(5);
	});
});

/** Decodes %XX escapes to bytes (decodeURIComponent would insist on UTF-8). */
function unescapeBytes(value: string): number[] {
	const bytes: number[] = [];
	for (let i = 0; i < value.length; i++) {
		if (value[i] === "%") {
			bytes.push(Number.parseInt(value.slice(i + 1, i + 3), 16));
			i += 2;
		} else bytes.push(value.charCodeAt(i));
	}
	return bytes;
}

describe("access-log objects in the logs bucket", () => {
	let dir: string;
	let s3rver: S3rver;
	let s3: S3Client;
	let edge: EdgeServer;

	beforeAll(async () => {
		dir = await mkdtemp(join(tmpdir(), "edge-log-"));
		s3rver = new S3rver({ address: "127.0.0.1", port: 0, directory: dir, silent: true });
		const { port } = (await s3rver.run()) as AddressInfo;
		s3 = localS3Client(`http://127.0.0.1:${port}`);
		for (const bucket of [SITE, LOGS]) await s3.send(new CreateBucketCommand({ Bucket: bucket }));
		await s3.send(
			new PutObjectCommand({ Bucket: SITE, Key: "en/articles/science-news/a", Body: "<p>a</p>" }),
		);
		edge = await startEdgeServer({
			port: 0,
			s3,
			bucket: SITE,
			objectEvents: s3rver,
			logs: { bucket: LOGS, flushSeconds: 3600 },
		});
	});
	afterAll(async () => {
		await edge?.stop();
		await s3rver?.close();
		await rm(dir, { recursive: true, force: true });
	});

	function send(path: string, headers: Record<string, string> = {}, method = "GET") {
		const { hostname, port } = new URL(edge.url);
		return new Promise<{ status: number; id: string }>((resolve, reject) => {
			request({ host: hostname, port, path, method, headers }, (res) => {
				res.resume();
				res.on("end", () =>
					resolve({ status: res.statusCode ?? 0, id: String(res.headers["x-amz-cf-id"]) }),
				);
			})
				.on("error", reject)
				.end();
		});
	}

	async function logLines(): Promise<{ key: string; lines: string[] }[]> {
		const listed = await s3.send(new ListObjectsV2Command({ Bucket: LOGS, Prefix: "cloudfront/" }));
		const files = [];
		for (const { Key } of listed.Contents ?? []) {
			const object = await s3.send(new GetObjectCommand({ Bucket: LOGS, Key }));
			const bytes = (await object.Body?.transformToByteArray()) ?? new Uint8Array();
			const text = gunzipSync(bytes).toString("utf8");
			files.push({ key: Key ?? "", lines: text.split("\n") });
		}
		return files;
	}

	it("writes one line per request in gzipped objects named as CloudFront names them", async () => {
		const agent = "Feedly/1.0 (+http://www.feedly.com/fetcher.html; 3 subscribers)\t50%";
		const page = "/en/articles/science-news/a";
		const first = await send(page, { "User-Agent": agent, Referer: "http://example.com/a b" });
		const second = await send(`${page}?utm_source=x%20y&q="<a>"`, { "User-Agent": agent });
		const mismatched = await send(page, { "If-None-Match": '"nope"' });
		const notModified = await send(page, {
			"If-None-Match": '"e6b1e5a5a47b5e5ebb7d3e7a8a5a1bbd", *',
		});
		const missing = await send("/en/articles/science-news/none");
		const refused = await send("/en/%2e%2e/x");
		const redirected = await send("/en");
		const wrongMethod = await send(page, {}, "DELETE");
		await edge.flushLogs();

		const files = await logLines();
		expect(files.length).toBeGreaterThan(0);
		for (const file of files) {
			expect(file.key).toMatch(/^cloudfront\/LOCALEDGE\.\d{4}-\d{2}-\d{2}-\d{2}\.[0-9A-F]+\.gz$/);
			expect(file.lines[0]).toBe("#Version: 1.0");
			expect(file.lines[1]).toBe(`#Fields: ${CLOUDFRONT_FIELDS}`);
			expect(file.lines.at(-1)).toBe("");
		}
		const rows = files
			.flatMap((file) => file.lines.slice(2, -1))
			.map((line) => {
				const values = line.split("\t");
				expect(values).toHaveLength(33);
				return Object.fromEntries(CLOUDFRONT_FIELDS.split(" ").map((name, i) => [name, values[i]]));
			});
		const byId = new Map(rows.map((row) => [row["x-edge-request-id"], row]));
		expect(rows).toHaveLength(8);

		const hour = new Date().toISOString().slice(0, 13).replace("T", "-");
		expect(files.some((file) => file.key.includes(`.${hour}.`))).toBe(true);
		for (const row of rows) {
			expect(row.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
			expect(row.time).toMatch(/^\d{2}:\d{2}:\d{2}$/);
			expect(row["time-taken"]).toMatch(/^\d+\.\d{3}$/);
			expect(row["time-to-first-byte"]).toMatch(/^\d+\.\d{3}$/);
			expect(row["c-ip"]).toBe("127.0.0.1");
			expect(row["cs-protocol"]).toBe("http");
			expect(row["cs-protocol-version"]).toBe("HTTP/1.1");
			expect(Number(row["sc-bytes"])).toBeGreaterThan(100);
			expect(Number(row["cs-bytes"])).toBeGreaterThan(20);
			expect(row["x-edge-request-id"]).toMatch(/^[A-Za-z0-9_-]{56}$/);
			expect(row["x-edge-response-result-type"]).toBe(row["x-edge-result-type"]);
		}

		const one = byId.get(first.id);
		expect(one).toMatchObject({
			"cs-method": "GET",
			"cs-uri-stem": page,
			"sc-status": "200",
			"x-edge-result-type": "Miss",
			"sc-content-type": "text/html;%20charset=utf-8",
			"sc-content-len": "8",
			"cs-uri-query": "-",
		});
		expect(one?.["cs(User-Agent)"]).toBe(
			"Feedly/1.0%20(+http://www.feedly.com/fetcher.html;%203%20subscribers)%0950%25",
		);
		expect(decodeURIComponent(String(one?.["cs(User-Agent)"]))).toBe(agent);
		expect(decodeURIComponent(String(one?.["cs(Referer)"]))).toBe("http://example.com/a b");

		expect(byId.get(second.id)).toMatchObject({
			"sc-status": "200",
			"x-edge-result-type": "Hit",
			"cs-uri-query": "utm_source=x%20y&q=%22%3Ca%3E%22",
		});
		expect(byId.get(mismatched.id)).toMatchObject({
			"sc-status": "200",
			"x-edge-result-type": "Hit",
		});
		expect(byId.get(notModified.id)).toMatchObject({
			"sc-status": "304",
			"x-edge-result-type": "Hit",
			"sc-content-type": "-",
			"sc-content-len": "-",
		});
		expect(byId.get(missing.id)).toMatchObject({
			"sc-status": "404",
			"x-edge-result-type": "Error",
			"sc-content-type": "text/html;%20charset=utf-8",
		});
		expect(byId.get(refused.id)).toMatchObject({
			"sc-status": "400",
			"x-edge-result-type": "Error",
			"x-edge-detailed-result-type": "InvalidRequest",
		});
		expect(byId.get(redirected.id)).toMatchObject({
			"sc-status": "301",
			"x-edge-result-type": "FunctionGeneratedResponse",
		});
		expect(byId.get(wrongMethod.id)).toMatchObject({
			"cs-method": "DELETE",
			"sc-status": "405",
			"x-edge-detailed-result-type": "InvalidRequestMethod",
		});
		expect(redirected.status).toBe(301);
	});

	it("writes what is still buffered when it stops", async () => {
		const before = (await logLines()).length;
		const last = await send("/en/articles/science-news/a");
		await edge.stop();
		const files = await logLines();
		expect(files.length).toBe(before + 1);
		expect(files.flatMap((file) => file.lines).some((line) => line.includes(last.id))).toBe(true);
	});
});
