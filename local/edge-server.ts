import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { promisify } from "node:util";
import { gzip } from "node:zlib";
import {
	GetObjectCommand,
	type GetObjectCommandOutput,
	NoSuchKey,
	type S3Client,
} from "@aws-sdk/client-s3";

const gzipAsync = promisify(gzip);
const READ_DEADLINE_MS = 750;
const READ_ATTEMPTS = 8;
const COMPRESSIBLE = /^(text\/|application\/(json|xml|rss\+xml|atom\+xml|feed\+json))/;

export interface EdgeServer {
	url: string;
	stop(): Promise<void>;
}

/** Longest request path served, in bytes; site paths are far shorter. */
const MAX_PATH_BYTES = 1024;
// s3rver stores each name of a key as a file name plus a suffix of up to 22 characters, and
// Linux allows 255 bytes: a longer name is an internal error in s3rver, not a 404.
const MAX_NAME_BYTES = 200;
const SITE_AREAS = new Set(["feeds", "media"]);
const ROOT_FILES = new Set(["index.html"]);
const LANGUAGE_TAG = /^[a-z]{2,3}(-[A-Za-z0-9]{1,8})*$/i;
// Clients send printable ASCII; a raw `\` is a separator to some servers and `#` is never sent.
const RAW_PATH = /^\/[\x21-\x7e]*$/;
const RAW_UNSAFE = /[\\#]/;
const UNSAFE_IN_NAME = /[/\\\p{Cc}\p{Cf}]/u;

/** Where a request target points in the site bucket, or the status that says it points nowhere. */
export type SiteKey =
	| { ok: true; key: string }
	| { ok: false; status: 400 | 404 | 414; reason: string };

function refuse(status: 400 | 404 | 414, reason: string): SiteKey {
	return { ok: false, status, reason };
}

/**
 * Maps a raw request target (`req.url`, before any decoding) to a site-bucket key, by
 * whitelist: the raw path is split on `/`, each name decoded exactly once, and the first must
 * be a site area (`feeds`, `media` or a language tag; `/` alone is the home page). A trailing
 * `/` means that folder's `index.html`, as the CloudFront function does. The query string is
 * never part of the key. Malformed paths (bad escapes, `.` and `..`, empty names, separators
 * or control characters in a name) are 400, other paths outside the site 404, long ones 414.
 */
export function resolveSiteKey(target: string): SiteKey {
	const query = target.indexOf("?");
	const path = query === -1 ? target : target.slice(0, query);
	if (Buffer.byteLength(path) > MAX_PATH_BYTES) return refuse(414, "path too long");
	if (!RAW_PATH.test(path) || RAW_UNSAFE.test(path)) return refuse(400, "not a plain path");
	const segments = path.slice(1).split("/");
	const names: string[] = [];
	for (const [index, segment] of segments.entries()) {
		if (segment === "") {
			if (index < segments.length - 1) return refuse(400, "empty name");
			names.push("index.html");
			continue;
		}
		let name: string;
		try {
			name = decodeURIComponent(segment);
		} catch {
			return refuse(400, "malformed escape or UTF-8");
		}
		if (name === "." || name === "..") return refuse(400, "dot segment");
		if (UNSAFE_IN_NAME.test(name)) return refuse(400, "separator or control character in a name");
		if (Buffer.byteLength(name) > MAX_NAME_BYTES) return refuse(414, "name too long");
		names.push(name);
	}
	const [first = ""] = names;
	const inSite =
		names.length === 1 ? ROOT_FILES.has(first) : SITE_AREAS.has(first) || LANGUAGE_TAG.test(first);
	return inSite ? { ok: true, key: names.join("/") } : refuse(404, "not a site path");
}

const STATUS_TEXT: Record<number, string> = {
	400: "Bad request\n",
	404: "Not found\n",
	414: "URI too long\n",
	502: "Bad gateway\n",
};

/** A plain error answer; one for every refusal, so a refused path looks like a missing object. */
function sendError(req: IncomingMessage, res: ServerResponse, status: number): void {
	const text = STATUS_TEXT[status] ?? "Error\n";
	res.writeHead(status, {
		"Content-Type": "text/plain; charset=utf-8",
		"Content-Length": String(Buffer.byteLength(text)),
	});
	res.end(req.method === "HEAD" ? undefined : text);
}

/**
 * The CloudFront stand-in: serves the site bucket over HTTP with the object's own
 * content type, ETag and Last-Modified, answers conditional GETs with 304 and gzips text.
 */
export async function startEdgeServer(options: {
	port: number;
	s3: S3Client;
	bucket: string;
}): Promise<EdgeServer> {
	async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
		if (req.method !== "GET" && req.method !== "HEAD") {
			res.writeHead(405, { Allow: "GET, HEAD" }).end();
			return;
		}
		// The key comes from the whitelist only: never from a URL parser's idea of the path.
		const site = resolveSiteKey(req.url ?? "");
		if (!site.ok) {
			sendError(req, res, site.status);
			return;
		}
		const { key } = site;
		let fetched: { object: GetObjectCommandOutput; bytes: Uint8Array } | undefined;
		// s3rver rewrites an object in place, so a read racing a publish can be torn: short,
		// mixed, or stalled until the connection times out. S3 swaps objects atomically. So
		// each read gets a deadline and must match its ETag (the MD5 of a single-part object),
		// or it is retried, as CloudFront retries its origin.
		for (let attempt = 1; !fetched; attempt++) {
			try {
				const object = await options.s3.send(
					new GetObjectCommand({ Bucket: options.bucket, Key: key }),
					{
						abortSignal: AbortSignal.timeout(READ_DEADLINE_MS),
					},
				);
				const bytes = (await object.Body?.transformToByteArray()) ?? new Uint8Array();
				// An empty ETag means s3rver is rewriting the object's metadata right now.
				const md5 = object.ETag?.replaceAll('"', "") ?? "";
				const whole = md5.includes("-") || createHash("md5").update(bytes).digest("hex") === md5;
				if (!whole) throw new Error(`torn read of ${key}`);
				fetched = { object, bytes };
			} catch (error) {
				if (error instanceof NoSuchKey) {
					sendError(req, res, 404);
					return;
				}
				if (attempt >= READ_ATTEMPTS) throw error;
			}
		}
		const { ContentType, ETag, LastModified, CacheControl } = fetched.object;
		const headers: Record<string, string> = {
			"Content-Type": ContentType ?? "application/octet-stream",
			...(ETag ? { ETag } : {}),
			...(LastModified ? { "Last-Modified": LastModified.toUTCString() } : {}),
			...(CacheControl ? { "Cache-Control": CacheControl } : {}),
			Vary: "Accept-Encoding",
		};
		const ifNoneMatch = req.headers["if-none-match"];
		const ifModifiedSince = req.headers["if-modified-since"];
		const notModified = ifNoneMatch
			? ETag !== undefined &&
				ifNoneMatch
					.split(/\s*,\s*/)
					.some((tag) => tag === ETag || tag === `W/${ETag}` || tag === "*")
			: ifModifiedSince !== undefined &&
				LastModified !== undefined &&
				Math.floor(LastModified.getTime() / 1000) <= Math.floor(Date.parse(ifModifiedSince) / 1000);
		if (notModified) {
			res.writeHead(304, headers).end();
			return;
		}
		let body = fetched.bytes;
		if (
			COMPRESSIBLE.test(headers["Content-Type"] ?? "") &&
			/\bgzip\b/.test(String(req.headers["accept-encoding"] ?? ""))
		) {
			body = await gzipAsync(body);
			headers["Content-Encoding"] = "gzip";
		}
		headers["Content-Length"] = String(body.byteLength);
		res.writeHead(200, headers);
		res.end(req.method === "HEAD" ? undefined : body);
	}

	const server = createServer((req, res) => {
		serve(req, res).catch((error: unknown) => {
			console.error("edge server:", error);
			if (res.headersSent) res.end();
			else sendError(req, res, 502);
		});
	});
	await new Promise<void>((resolve, reject) => {
		server.once("error", reject);
		server.listen(options.port, "127.0.0.1", resolve);
	});
	const { port } = server.address() as AddressInfo;
	return {
		url: `http://127.0.0.1:${port}`,
		stop: () =>
			new Promise<void>((resolve) => {
				server.closeAllConnections();
				server.close(() => resolve());
			}),
	};
}
