import type { EventEmitter } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse, STATUS_CODES } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import type { S3Client } from "@aws-sdk/client-s3";
import type S3rver from "s3rver";
import { FEED_CORS } from "#shared/domain/feeds/cors.ts";
import type { SiteCache } from "#shared/ports/publishing.ts";
import {
	AccessLog,
	type AccessLogEntry,
	type EdgeResultType,
	newRequestId,
} from "./edge-access-log.ts";
import {
	type ByteRange,
	builtInPage,
	byteRangeOf,
	COMPRESS_MAX_BYTES,
	COMPRESS_MIN_BYTES,
	type Coding,
	cacheControlOf,
	chooseCoding,
	ERROR_CACHE,
	FEED_SECURITY_HEADERS,
	feedCorsHeaders,
	feedPreflightHeaders,
	isCompressible,
	isFeedKey,
	isNotModified,
	mediaTypeOf,
	SECURITY_HEADERS,
} from "./edge-http.ts";
import { type Body, EdgeOrigin, type Lookup, type ObjectMeta } from "./edge-origin.ts";

/** The local CloudFront: serves the site bucket, and forgets what changed when told. */
export interface EdgeServer extends SiteCache {
	url: string;
	/**
	 * CloudFront invalidation paths (`/en/`, `/feeds/en/latest.rss`, names URL-encoded); a
	 * path ending in `*` drops everything. Without it the edge is at most `ttlMs` stale.
	 */
	invalidate(paths: readonly string[]): Promise<void>;
	/** The same by site-bucket key, or of every key when none are given. */
	invalidateKeys(keys?: Iterable<string>): void;
	/** Writes the buffered access-log lines now. */
	flushLogs(): Promise<void>;
	/** Stops serving, then writes the buffered access-log lines. */
	stop(): Promise<void>;
}

export interface EdgeServerOptions {
	port: number;
	s3: S3Client;
	/** The site bucket. */
	bucket: string;
	/** Access logs in CloudFront's standard format; none when absent. */
	logs?: {
		bucket: string;
		prefix?: string;
		distributionId?: string;
		/** Default: `SYNDICATE_LOG_FLUSH_SECONDS`, else 5. */
		flushSeconds?: number;
	};
	/**
	 * Where S3 object events are emitted (s3rver emits `event` with S3 notification records):
	 * every key of the site bucket they name is invalidated at once.
	 */
	objectEvents?: EventEmitter | S3rver;
	/** How long metadata is trusted without asking S3 (default 1 s): the staleness bound. */
	ttlMs?: number;
	/** Memory for complete bodies and their compressed forms (default 64 MB). */
	maxCacheBytes?: number;
	/** Bodies above this are streamed and not kept (default 8 MB). */
	maxCachedObjectBytes?: number;
}

/** Longest request path served, in bytes; site paths are far shorter. */
const MAX_PATH_BYTES = 1024;
// s3rver stores each name of a key as a file name plus a suffix of up to 22 characters, and
// Linux allows 255 bytes: a longer name is an internal error in s3rver, not a 404.
const MAX_NAME_BYTES = 200;
// `sitemaps` holds the parts of a sitemap too large for one file (render-sitemap.ts).
const SITE_AREAS = new Set(["feeds", "media", "assets", "agreements", "icons", "sitemaps"]);
const ROOT_FILES = new Set(["index.html", "404.html", "favicon.ico", "sitemap.xml"]);
const LANGUAGE_TAG = /^[a-z]{2,3}(-[A-Za-z0-9]{1,8})*$/i;
// Clients send printable ASCII; a raw `\` is a separator to some servers and `#` is never sent.
const RAW_PATH = /^\/[\x21-\x7e]*$/;
const RAW_UNSAFE = /[\\#]/;
const UNSAFE_IN_NAME = /[/\\\p{Cc}\p{Cf}]/u;
const PLAIN_QUERY = /^[\x21-\x7e]*$/;

/** Where a request target points in the site bucket, or the status that says it points nowhere. */
export type SiteKey =
	| { ok: true; key: string }
	| { ok: false; status: 301; location: string; reason: string }
	| { ok: false; status: 400 | 404 | 414; reason: string };

const RESOLVED_LIMIT = 10_000;
const resolved = new Map<string, SiteKey>();

/**
 * {@link resolveSiteKey} remembered for the targets seen lately: it is a pure function, and
 * the same few paths are asked for again and again.
 */
function resolveSiteKeyCached(target: string): SiteKey {
	let site = resolved.get(target);
	if (!site) {
		site = resolveSiteKey(target);
		if (resolved.size >= RESOLVED_LIMIT) resolved.clear();
		resolved.set(target, site);
	}
	return site;
}

function refuse(status: 400 | 404 | 414, reason: string): SiteKey {
	return { ok: false, status, reason };
}

/**
 * Maps a raw request target (`req.url`, before any decoding) to a site-bucket key, by
 * whitelist: the raw path is split on `/`, each name decoded exactly once, and the first must
 * be a site area (`feeds`, `media`, `assets`, `agreements`, `icons`, `sitemaps` or a language
 * tag; `/` alone is the home page, `/404.html` the not-found page, `/favicon.ico` the icon
 * readers ask for, `/sitemap.xml` the sitemap). A trailing `/` means that folder's `index.html`,
 * as the CloudFront function does, and a language folder without it (`/en`) is redirected to
 * it (301). The query string is never part of the key. Malformed paths (bad escapes, `.` and
 * `..`, empty names, separators or control characters in a name) are 400, other paths
 * outside the site 404, long ones 414.
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
	if (names.length === 1 && LANGUAGE_TAG.test(first)) {
		const search = query === -1 ? "" : target.slice(query);
		// The name is a language tag (letters, digits, hyphens): safe in a header as it is.
		const location = `/${first}/${PLAIN_QUERY.test(search) ? search : ""}`;
		return { ok: false, status: 301, location, reason: "a language folder without its slash" };
	}
	const inSite =
		names.length === 1 ? ROOT_FILES.has(first) : SITE_AREAS.has(first) || LANGUAGE_TAG.test(first);
	return inSite ? { ok: true, key: names.join("/") } : refuse(404, "not a site path");
}

const STATUS_TITLES: Record<number, [string, string]> = {
	400: ["Bad request", "The address is not a valid path on this site."],
	404: ["Not found", "There is no page at this address."],
	405: ["Method not allowed", "This site answers GET and HEAD only."],
	408: ["Request timeout", "The request did not arrive in time."],
	417: ["Expectation failed", "This site meets no expectation but 100-continue."],
	414: ["URI too long", "The address is longer than any path on this site."],
	431: [
		"Request header fields too large",
		"The request's headers are larger than any this site accepts.",
	],
	502: ["Bad gateway", "The site's storage did not answer. Try again in a moment."],
};

/** One request as it goes through the edge: what the access log and `X-Cache` need. */
interface Exchange {
	requestId: string;
	started: number;
	firstByte: number | undefined;
	result: EdgeResultType;
	detailed: string | undefined;
	contentType: string | undefined;
	contentLength: number | undefined;
	/** A path under `/feeds/`: the answer carries CORS headers for a request with an Origin. */
	feed: boolean;
}

/** The response headers of a stored version, computed once per version. */
interface Representation {
	contentType: string;
	/** ETag, Last-Modified, Cache-Control and Vary: a 304 carries exactly these. */
	validators: string[];
	compressible: boolean;
}

const X_CACHE: Record<EdgeResultType, string> = {
	Hit: "Hit from cloudfront",
	RefreshHit: "RefreshHit from cloudfront",
	Miss: "Miss from cloudfront",
	Error: "Error from cloudfront",
	Redirect: "Redirect from cloudfront",
	FunctionGeneratedResponse: "FunctionGeneratedResponse from cloudfront",
};

const SECURITY = SECURITY_HEADERS.flat();
const FEED_SECURITY = FEED_SECURITY_HEADERS.flat();

/** Undefined when the answer was sent synchronously. */
type Pending = Promise<void> | undefined;
type Encoded = { coding: Coding; bytes: Buffer };
const EMPTY = Buffer.alloc(0);

/**
 * The CloudFront stand-in over the site bucket, behaving as the distribution does: media
 * types with charset, Cache-Control by path class, ETag and Last-Modified with 304s answered
 * from an in-memory index (no body read), gzip and Brotli by `Accept-Encoding`, security
 * headers on every response, CORS under `/feeds/` (preflights included), the site's
 * `404.html` for unknown paths, 405 for methods other than GET and HEAD (and OPTIONS under
 * `/feeds/`), `/en` → `/en/`, and one access-log line per request in CloudFront's standard
 * format. Bytes are served only when they are the whole object for the ETag sent
 * with them (see {@link EdgeOrigin}); the index is at most `ttlMs` stale, less when
 * invalidated (by `objectEvents`, or through `invalidate` as CloudFront is told).
 */
export async function startEdgeServer(options: EdgeServerOptions): Promise<EdgeServer> {
	const origin = new EdgeOrigin({
		s3: options.s3,
		bucket: options.bucket,
		...(options.ttlMs === undefined ? {} : { ttlMs: options.ttlMs }),
		...(options.maxCacheBytes === undefined ? {} : { maxCacheBytes: options.maxCacheBytes }),
		...(options.maxCachedObjectBytes === undefined
			? {}
			: { maxCachedObjectBytes: options.maxCachedObjectBytes }),
	});
	const log = options.logs
		? new AccessLog({
				s3: options.s3,
				bucket: options.logs.bucket,
				...(options.logs.prefix === undefined ? {} : { prefix: options.logs.prefix }),
				...(options.logs.distributionId === undefined
					? {}
					: { distributionId: options.logs.distributionId }),
				...(options.logs.flushSeconds === undefined
					? {}
					: { flushSeconds: options.logs.flushSeconds }),
			})
		: undefined;
	const representations = new WeakMap<ObjectMeta, Representation>();
	let distributionHost = "";

	function representationOf(meta: ObjectMeta): Representation {
		let known = representations.get(meta);
		if (!known) {
			const contentType = mediaTypeOf(meta.key, meta.contentType);
			const compressible = isCompressible(contentType);
			const validators = [
				"ETag",
				meta.etag,
				"Cache-Control",
				cacheControlOf(meta.key, meta.cacheControl),
			];
			if (meta.lastModified) validators.push("Last-Modified", meta.lastModified.toUTCString());
			if (isFeedKey(meta.key)) validators.push("Vary", FEED_CORS.vary);
			else if (compressible) validators.push("Vary", "Accept-Encoding");
			known = { contentType, validators, compressible };
			representations.set(meta, known);
		}
		return known;
	}

	function send(
		req: IncomingMessage,
		res: ServerResponse,
		exchange: Exchange,
		status: number,
		headers: string[],
		body: Buffer | undefined,
	): void {
		exchange.firstByte = performance.now();
		const all = headers.concat(exchange.feed ? FEED_SECURITY : SECURITY);
		if (exchange.feed) all.push(...feedCorsHeaders(req.headers.origin));
		all.push("X-Cache", X_CACHE[exchange.result], "X-Amz-Cf-Id", exchange.requestId);
		res.writeHead(status, all);
		res.end(req.method === "HEAD" ? undefined : body);
	}

	/** An HTML answer of the edge's own: 400, 405, 414, 502, or 404 without a site 404 page. */
	function sendBuiltIn(
		req: IncomingMessage,
		res: ServerResponse,
		exchange: Exchange,
		status: number,
		extra: string[] = [],
	): void {
		const [title, text] = STATUS_TITLES[status] ?? ["Error", "The request failed."];
		const body = Buffer.from(builtInPage(status, title, text));
		exchange.result = "Error";
		exchange.contentType = "text/html; charset=utf-8";
		exchange.contentLength = body.byteLength;
		send(
			req,
			res,
			exchange,
			status,
			[
				"Content-Type",
				exchange.contentType,
				"Content-Length",
				String(body.byteLength),
				"Cache-Control",
				ERROR_CACHE,
				...extra,
			],
			body,
		);
	}

	/** The body in the coding the client prefers, when the type and size call for one. */
	function encode(
		req: IncomingMessage,
		body: { meta: ObjectMeta; bytes: Buffer },
		compressible: boolean,
	): Encoded | Promise<Encoded> {
		const size = body.bytes.byteLength;
		if (!compressible || size < COMPRESS_MIN_BYTES || size > COMPRESS_MAX_BYTES)
			return { coding: "identity", bytes: body.bytes };
		const coding = chooseCoding(req.headers["accept-encoding"]);
		if (coding === "identity") return { coding, bytes: body.bytes };
		const ready = origin.encodedIfKept(body.meta.etag, coding);
		if (ready) return { coding, bytes: ready };
		return origin.encoded(body.meta.etag, body.bytes, coding).then((bytes) => ({ coding, bytes }));
	}

	/** The site's own 404 page (key `404.html`) with status 404, else a built-in one. */
	async function sendNotFound(
		req: IncomingMessage,
		res: ServerResponse,
		exchange: Exchange,
	): Promise<void> {
		const { meta } = await origin.lookup("404.html");
		const body = meta && (await origin.body(meta));
		if (body?.kind !== "bytes") {
			if (body?.kind === "stream") body.stream.destroy();
			sendBuiltIn(req, res, exchange, 404);
			return;
		}
		exchange.result = "Error";
		const encoded = await encode(req, body, true);
		exchange.contentType = "text/html; charset=utf-8";
		exchange.contentLength = encoded.bytes.byteLength;
		const headers = [
			"Content-Type",
			exchange.contentType,
			"Content-Length",
			String(encoded.bytes.byteLength),
			"Cache-Control",
			ERROR_CACHE,
			"Vary",
			exchange.feed ? FEED_CORS.vary : "Accept-Encoding",
		];
		if (encoded.coding !== "identity") headers.push("Content-Encoding", encoded.coding);
		send(req, res, exchange, 404, headers, encoded.bytes);
	}

	/**
	 * A body too large to keep, whole or the part asked for: all but its last chunk are sent
	 * as they come, the last only once the whole has matched its ETag; a torn one cuts the
	 * connection, so no client ever receives it complete.
	 */
	function sendStream(
		req: IncomingMessage,
		res: ServerResponse,
		exchange: Exchange,
		body: Extract<Body, { kind: "stream" }>,
		range: Exclude<ByteRange, { kind: "unsatisfiable" }>,
	): void {
		const representation = representationOf(body.meta);
		const part = range.kind === "part" ? range : undefined;
		const length = part ? part.end - part.start + 1 : body.meta.size;
		exchange.contentType = representation.contentType;
		exchange.contentLength = length;
		exchange.firstByte = performance.now();
		const headers = ["Content-Type", representation.contentType];
		headers.push("Content-Length", String(length), "Accept-Ranges", "bytes");
		if (part) headers.push("Content-Range", `bytes ${part.start}-${part.end}/${body.meta.size}`);
		res.writeHead(part ? 206 : 200, [
			...headers,
			...representation.validators,
			...(exchange.feed ? FEED_SECURITY : SECURITY),
			...(exchange.feed ? feedCorsHeaders(req.headers.origin) : []),
			"X-Cache",
			X_CACHE[exchange.result],
			"X-Amz-Cf-Id",
			exchange.requestId,
		]);
		const { stream, verify } = body;
		if (req.method === "HEAD") {
			stream.destroy();
			res.end();
			return;
		}
		let held: Buffer | undefined;
		let offset = 0;
		stream.on("data", (chunk: Buffer) => {
			verify.update(chunk);
			const from = offset;
			offset += chunk.byteLength;
			// Every byte is read and hashed; only those in the range are sent.
			const piece = part
				? chunk.subarray(Math.max(0, part.start - from), Math.max(0, part.end + 1 - from))
				: chunk;
			if (piece.byteLength === 0) return;
			if (held && !res.write(held)) {
				stream.pause();
				res.once("drain", () => stream.resume());
			}
			held = piece;
		});
		stream.on("end", () => {
			if (verify.whole()) res.end(held ?? EMPTY);
			else {
				exchange.detailed = "OriginReadError";
				res.destroy();
			}
		});
		stream.on("error", () => {
			exchange.detailed = "OriginReadError";
			res.destroy();
		});
		res.on("close", () => stream.destroy());
	}

	// The path a cached answer takes (a 304, or a body already in memory) stays synchronous:
	// on a 304 the promise machinery would cost as much as the rest of the work.
	function serve(req: IncomingMessage, res: ServerResponse, exchange: Exchange): Pending {
		// The key comes from the whitelist only: never from a URL parser's idea of the path.
		const site = resolveSiteKeyCached(req.url ?? "");
		exchange.feed = site.ok && isFeedKey(site.key);
		if (req.method !== "GET" && req.method !== "HEAD") {
			// OPTIONS is answered under `/feeds/` only, as only the feed behaviours allow it.
			if (req.method === "OPTIONS" && exchange.feed) {
				answerFeedOptions(req, res, exchange);
				return;
			}
			exchange.detailed = "InvalidRequestMethod";
			const allowed = exchange.feed ? FEED_CORS.allowMethods.join(", ") : "GET, HEAD";
			sendBuiltIn(req, res, exchange, 405, ["Allow", allowed]);
			return;
		}
		if (!site.ok) {
			if (site.status === 301) {
				exchange.result = "FunctionGeneratedResponse";
				exchange.contentLength = 0;
				const headers = ["Location", site.location, "Content-Length", "0"];
				headers.push("Cache-Control", "public, max-age=3600");
				send(req, res, exchange, 301, headers, EMPTY);
				return;
			}
			if (site.status === 404) return sendNotFound(req, res, exchange);
			exchange.detailed = "InvalidRequest";
			sendBuiltIn(req, res, exchange, site.status);
			return;
		}
		// A full GET needs the body whatever the metadata says: one GET brings both.
		const wantsBody =
			req.method === "GET" &&
			req.headers["if-none-match"] === undefined &&
			req.headers["if-modified-since"] === undefined;
		const lookup = origin.lookup(site.key, wantsBody);
		if (lookup instanceof Promise)
			return lookup.then((found) => serveVersion(req, res, exchange, found));
		return serveVersion(req, res, exchange, lookup);
	}

	/**
	 * OPTIONS under `/feeds/`: 204 with the methods allowed and, to a CORS preflight, what it
	 * asks, whether or not the document exists (S3 answers a preflight from its CORS rule alone).
	 */
	function answerFeedOptions(req: IncomingMessage, res: ServerResponse, exchange: Exchange): void {
		// The feed behaviours pass every OPTIONS on to S3: none is answered from the cache.
		exchange.result = "Miss";
		exchange.contentLength = 0;
		const allowed = FEED_CORS.allowMethods.join(", ");
		const { origin } = req.headers;
		const preflight = feedPreflightHeaders(origin, req.headers["access-control-request-method"]);
		send(req, res, exchange, 204, ["Allow", allowed, ...preflight], EMPTY);
	}

	function serveVersion(
		req: IncomingMessage,
		res: ServerResponse,
		exchange: Exchange,
		lookup: Lookup,
	): Pending {
		exchange.result = lookup.result;
		const { meta } = lookup;
		if (!meta) return sendNotFound(req, res, exchange);
		const representation = representationOf(meta);
		const ifNoneMatch = req.headers["if-none-match"];
		const ifModifiedSince = req.headers["if-modified-since"];
		if (
			(ifNoneMatch !== undefined || ifModifiedSince !== undefined) &&
			isNotModified(ifNoneMatch, ifModifiedSince, meta)
		) {
			send(req, res, exchange, 304, representation.validators, undefined);
			return;
		}
		const body = origin.body(meta);
		if (body instanceof Promise) return body.then((read) => serveBody(req, res, exchange, read));
		return serveBody(req, res, exchange, body);
	}

	function serveBody(
		req: IncomingMessage,
		res: ServerResponse,
		exchange: Exchange,
		body: Body | undefined,
	): Pending {
		if (!body) {
			exchange.result = "Miss";
			return sendNotFound(req, res, exchange);
		}
		if (body.result === "Miss") exchange.result = "Miss";
		const range = byteRangeOf(
			req.headers.range,
			[req.headers["if-range"]].flat()[0],
			body.meta,
			body.kind === "stream" ? body.meta.size : body.bytes.byteLength,
		);
		if (range.kind === "unsatisfiable") {
			if (body.kind === "stream") body.stream.destroy();
			sendUnsatisfiable(req, res, exchange, body.meta.size);
			return;
		}
		if (body.kind === "stream") {
			sendStream(req, res, exchange, body, range);
			return;
		}
		const served = representationOf(body.meta);
		// A gone page is answered whole, as CloudFront's function turns only a 200 into a 410.
		if (range.kind === "part" && !body.meta.gone) {
			sendPart(req, res, exchange, served, body.bytes, range);
			return;
		}
		const respond = (encoded: Encoded) => {
			exchange.contentType = served.contentType;
			exchange.contentLength = encoded.bytes.byteLength;
			const headers = ["Content-Type", served.contentType];
			headers.push("Content-Length", String(encoded.bytes.byteLength), "Accept-Ranges", "bytes");
			if (encoded.coding !== "identity") headers.push("Content-Encoding", encoded.coding);
			const status = body.meta.gone ? 410 : 200;
			send(req, res, exchange, status, headers.concat(served.validators), encoded.bytes);
		};
		// What was read may be newer than the index knew: its own metadata is what is served.
		const encoded = encode(req, body, served.compressible);
		if (encoded instanceof Promise) return encoded.then(respond);
		respond(encoded);
	}

	/** A 416 naming the length: the range starts past the end. */
	function sendUnsatisfiable(
		req: IncomingMessage,
		res: ServerResponse,
		exchange: Exchange,
		size: number,
	): void {
		exchange.contentLength = 0;
		const headers = ["Content-Range", `bytes */${size}`, "Content-Length", "0"];
		headers.push("Accept-Ranges", "bytes", "Cache-Control", ERROR_CACHE);
		send(req, res, exchange, 416, headers, EMPTY);
	}

	/**
	 * A 206 with the part asked for. CloudFront compresses no range response, so the part is
	 * of the identity representation.
	 */
	function sendPart(
		req: IncomingMessage,
		res: ServerResponse,
		exchange: Exchange,
		served: Representation,
		bytes: Buffer,
		range: Extract<ByteRange, { kind: "part" }>,
	): void {
		const part = bytes.subarray(range.start, range.end + 1);
		exchange.contentType = served.contentType;
		exchange.contentLength = part.byteLength;
		const headers = ["Content-Type", served.contentType, "Content-Length", String(part.byteLength)];
		headers.push("Content-Range", `bytes ${range.start}-${range.end}/${bytes.byteLength}`);
		headers.push("Accept-Ranges", "bytes");
		send(req, res, exchange, 206, headers.concat(served.validators), part);
	}

	/** The request's size on the wire, as CloudFront's cs-bytes counts it (no body here). */
	function requestBytes(req: IncomingMessage): number {
		let bytes = req.method?.length ?? 0;
		bytes += (req.url?.length ?? 0) + req.httpVersion.length + 9 + 2;
		const raw = req.rawHeaders;
		for (let i = 0; i + 1 < raw.length; i += 2)
			bytes += (raw[i]?.length ?? 0) + (raw[i + 1]?.length ?? 0) + 4;
		return bytes;
	}

	function record(req: IncomingMessage, res: ServerResponse, exchange: Exchange, written: number) {
		if (!log) return;
		const now = performance.now();
		const target = req.url ?? "";
		const query = target.indexOf("?");
		const socket = req.socket;
		const sent = res.headersSent;
		const finished = res.writableFinished;
		const header = (name: string) => {
			const value = req.headers[name];
			return Array.isArray(value) ? value.join(",") : value;
		};
		const entry: AccessLogEntry = {
			at: new Date(),
			scBytes: Math.max(0, (socket.bytesWritten ?? 0) - written),
			clientIp: socket.remoteAddress ?? "-",
			clientPort: socket.remotePort ?? 0,
			method: req.method ?? "-",
			distributionHost,
			uriStem: query === -1 ? target : target.slice(0, query),
			uriQuery: query === -1 ? undefined : target.slice(query + 1),
			status: sent ? res.statusCode : 0,
			referer: header("referer"),
			userAgent: header("user-agent"),
			resultType: sent && finished ? exchange.result : "Error",
			detailedResultType:
				sent && finished
					? (exchange.detailed ?? exchange.result)
					: sent
						? (exchange.detailed ?? "ClientCommError")
						: "ClientHungUpRequest",
			requestId: exchange.requestId,
			hostHeader: header("host"),
			protocol: "http",
			csBytes: requestBytes(req),
			timeTakenMs: now - exchange.started,
			timeToFirstByteMs: (exchange.firstByte ?? now) - exchange.started,
			forwardedFor: header("x-forwarded-for"),
			protocolVersion: `HTTP/${req.httpVersion}`,
			contentType: exchange.contentType,
			contentLength: exchange.contentLength,
		};
		log.record(entry);
	}

	const server = createServer((req, res) => {
		const exchange: Exchange = {
			requestId: newRequestId(),
			started: performance.now(),
			firstByte: undefined,
			result: "Hit",
			detailed: undefined,
			contentType: undefined,
			contentLength: undefined,
			feed: false,
		};
		if (log) {
			const written = req.socket.bytesWritten ?? 0;
			res.once("close", () => record(req, res, exchange, written));
		}
		const fail = (error: unknown) => {
			console.error("edge server:", error);
			exchange.detailed = "OriginError";
			if (res.headersSent) res.destroy();
			else sendBuiltIn(req, res, exchange, 502);
		};
		try {
			serve(req, res, exchange)?.catch(fail);
		} catch (error) {
			fail(error);
		}
	});
	/** An answer node's HTTP server would make itself, with the headers of every other. */
	function serverAnswer(status: number): { headers: string[]; body: string } {
		const [title, text] = STATUS_TITLES[status] ?? ["Error", "The request failed."];
		const body = builtInPage(status, title, text);
		const headers = [
			"Content-Type",
			"text/html; charset=utf-8",
			"Content-Length",
			String(Buffer.byteLength(body)),
			"Cache-Control",
			ERROR_CACHE,
			"Connection",
			"close",
			...SECURITY,
			"X-Cache",
			X_CACHE.Error,
			"X-Amz-Cf-Id",
			newRequestId(),
		];
		return { headers, body };
	}
	// Node answers a request it cannot parse (a 431 for oversized headers, a 400 for a
	// malformed line) itself, with no headers of ours; CloudFront's error answers carry the
	// response headers policy like any other.
	server.on("clientError", (error: NodeJS.ErrnoException, socket: Duplex) => {
		if (!socket.writable || error.code === "ECONNRESET") {
			socket.destroy();
			return;
		}
		const status =
			error.code === "HPE_HEADER_OVERFLOW"
				? 431
				: error.code === "ERR_HTTP_REQUEST_TIMEOUT"
					? 408
					: 400;
		const { headers, body } = serverAnswer(status);
		let head = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ""}\r\n`;
		for (let i = 0; i + 1 < headers.length; i += 2) head += `${headers[i]}: ${headers[i + 1]}\r\n`;
		socket.end(`${head}\r\n${body}`);
	});
	// Likewise an `Expect` other than 100-continue, which node would answer 417 bare.
	server.on("checkExpectation", (_req: IncomingMessage, res: ServerResponse) => {
		const { headers, body } = serverAnswer(417);
		res.writeHead(417, headers);
		res.end(body);
	});
	await new Promise<void>((resolve, reject) => {
		server.once("error", reject);
		server.listen(options.port, "127.0.0.1", resolve);
	});
	const { port } = server.address() as AddressInfo;
	distributionHost = `127.0.0.1:${port}`;

	const onObjectEvent = (event: unknown) => {
		const records = (
			event as { Records?: { s3?: { bucket?: { name?: string }; object?: { key?: string } } }[] }
		).Records;
		const keys: string[] = [];
		for (const record of records ?? []) {
			const key = record.s3?.object?.key;
			// s3rver's records carry the raw key (real S3 would URL-encode it).
			if (record.s3?.bucket?.name === options.bucket && key !== undefined) keys.push(key);
		}
		if (keys.length > 0) origin.invalidate(keys);
	};
	// s3rver is a Koa application, an EventEmitter its type declarations leave out.
	const objectEvents = options.objectEvents as EventEmitter | undefined;
	objectEvents?.on("event", onObjectEvent);

	return {
		url: `http://127.0.0.1:${port}`,
		async invalidate(paths) {
			const keys: string[] = [];
			for (const path of paths) {
				if (path.endsWith("*")) {
					origin.invalidate();
					return;
				}
				const site = resolveSiteKey(path);
				if (site.ok) keys.push(site.key);
			}
			origin.invalidate(keys);
		},
		invalidateKeys: (keys) => origin.invalidate(keys),
		flushLogs: () => log?.flush() ?? Promise.resolve(),
		async stop() {
			objectEvents?.off("event", onObjectEvent);
			await new Promise<void>((resolve) => {
				server.closeAllConnections();
				server.close(() => resolve());
			});
			await log?.stop();
		},
	};
}
