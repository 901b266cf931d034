/**
 * What the local edge answers with, as CloudFront would: media types, cache lifetimes,
 * security headers, content negotiation and conditional requests. Pure functions of the
 * request headers and an object's metadata.
 */

import { FEED_CORS } from "../shared/domain/feeds/cors.ts";
import { FEED_STYLESHEET } from "../shared/domain/feeds/feed-stylesheet.ts";
import { essenceOf, FEED_DOCUMENT_TYPES } from "../shared/domain/feeds/formats.ts";

/** The content security policy of contracts.md: no scripts, no inline styles, no framing. */
export const CONTENT_SECURITY_POLICY =
	"default-src 'none'; img-src 'self'; style-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/**
 * On every response, as the distribution's response headers policy adds them (the values of
 * CloudFront's managed SecurityHeadersPolicy, with our CSP and DENY for framing).
 */
export const SECURITY_HEADERS: readonly (readonly [string, string])[] = [
	["Content-Security-Policy", CONTENT_SECURITY_POLICY],
	["Strict-Transport-Security", "max-age=63072000; includeSubDomains"],
	["X-Content-Type-Options", "nosniff"],
	["X-Frame-Options", "DENY"],
	["Referrer-Policy", "strict-origin-when-cross-origin"],
];

/** The same under `/feeds/`, where the policy lets an RSS or Atom document load its XSLT. */
export const FEED_SECURITY_HEADERS: readonly (readonly [string, string])[] = SECURITY_HEADERS.map(
	([name, value]) =>
		name === "Content-Security-Policy"
			? ([name, `${value}; ${FEED_STYLESHEET.contentSecurityPolicy}`] as const)
			: ([name, value] as const),
);

/** Under `/feeds/`: the documents any origin may read (FEED_CORS), found or not. */
export function isFeedKey(key: string): boolean {
	return key.startsWith("feeds/");
}

/**
 * The CORS headers of a response under `/feeds/`: only to a request with an Origin, as the
 * response headers policy adds them; `Vary: Origin` keeps caches from mixing the two.
 */
export function feedCorsHeaders(origin: string | undefined): string[] {
	if (origin === undefined) return [];
	return [
		"Access-Control-Allow-Origin",
		FEED_CORS.allowOrigin,
		"Access-Control-Expose-Headers",
		FEED_CORS.exposeHeaders.join(", "),
	];
}

/** What a CORS preflight (an OPTIONS with Origin and Access-Control-Request-Method) is told. */
export function feedPreflightHeaders(
	origin: string | undefined,
	requestMethod: string | undefined,
): string[] {
	if (origin === undefined || requestMethod === undefined) return [];
	return [
		"Access-Control-Allow-Methods",
		FEED_CORS.allowMethods.join(", "),
		"Access-Control-Allow-Headers",
		FEED_CORS.allowHeaders,
		"Access-Control-Max-Age",
		String(FEED_CORS.maxAgeSeconds),
	];
}

/** Feeds and pages change with every publish: readers re-check within a minute. */
export const SHORT_CACHE = "public, max-age=60";
/** A content-hashed name never changes its bytes. */
export const IMMUTABLE_CACHE = "public, max-age=31536000, immutable";
/** As CloudFront caches an error response by default (ErrorCachingMinTTL 10 s). */
export const ERROR_CACHE = "public, max-age=10";

const HTML = "text/html; charset=utf-8";
// Agreements' ODRL policies (docs/permissions.md).
const JSON_LD = "application/ld+json";
const LANGUAGE = "[a-z]{2,3}(?:-[A-Za-z0-9]{1,8})*";
const HTML_KEY = new RegExp(
	`^(?:(?:index|404)\\.html|${LANGUAGE}/(?:.+/)?index\\.html|${LANGUAGE}/articles/[^/]+/[^/]+)$`,
	"i",
);
// An article's ninjs document, beside its page (docs/feeds.md, "ninjs").
const NINJS_KEY = new RegExp(`^${LANGUAGE}/articles/[^/]+/[^/]+\\.ninjs\\.json$`, "i");
const HASHED_ASSET = /^assets\/.+-[0-9a-f]{8,}\.[a-z0-9]+$/;
const FEED_TYPES: Readonly<Record<string, string>> = Object.fromEntries(
	FEED_DOCUMENT_TYPES.map(({ extension, contentType }) => [extension, contentType]),
);
const ASSET_TYPES: Record<string, string> = {
	css: "text/css; charset=utf-8",
	html: HTML,
	txt: "text/plain; charset=utf-8",
	svg: "image/svg+xml",
	png: "image/png",
	jpg: "image/jpeg",
	jpeg: "image/jpeg",
	gif: "image/gif",
	webp: "image/webp",
	avif: "image/avif",
	ico: "image/x-icon",
};

function extensionOf(key: string): string {
	const name = key.slice(key.lastIndexOf("/") + 1);
	const dot = name.lastIndexOf(".");
	return dot <= 0 ? "" : name.slice(dot + 1).toLowerCase();
}

/**
 * The media type of a site key. Site paths are the contract (docs/feeds.md), so pages, feeds,
 * OPML, feed.xsl, agreements' policies and the stylesheet get their type from the path, charset
 * included, whatever the object was stored with; anything else (photos) keeps its stored type.
 */
export function mediaTypeOf(key: string, stored: string | undefined): string {
	if (NINJS_KEY.test(key)) return "application/json";
	if (HTML_KEY.test(key)) return HTML;
	const extension = extensionOf(key);
	if (key.startsWith("feeds/")) {
		const type = FEED_TYPES[extension];
		if (type) return type;
		if (`/${key}` === FEED_STYLESHEET.path) return FEED_STYLESHEET.contentType;
	}
	if (key.startsWith("assets/")) {
		const type = ASSET_TYPES[extension];
		if (type) return type;
	}
	if (key.startsWith("agreements/") && extension === "jsonld") return JSON_LD;
	if (stored) return stored;
	return ASSET_TYPES[extension] ?? "application/octet-stream";
}

/**
 * Cache-Control by path class: content-hashed stylesheets and scripts under `assets/` are
 * immutable; anything else keeps the object's own Cache-Control (so a photo the publisher
 * stores under a content-hashed name with `immutable` keeps it), else short.
 */
export function cacheControlOf(key: string, stored: string | undefined): string {
	if (HASHED_ASSET.test(key)) return IMMUTABLE_CACHE;
	return stored ?? SHORT_CACHE;
}

// CloudFront's list of the types it compresses.
const CLOUDFRONT_COMPRESSIBLE =
	/^(?:text\/|application\/(?:json|xml|javascript|rss\+xml|atom\+xml|xhtml\+xml|ld\+json)|image\/svg\+xml)/i;
// Every document under `/feeds/`: those CloudFront lacks (JSON Feed) the AWS edge serves from
// the publisher's compressed copies, so the local edge compresses them too.
const FEED_DOCUMENT_ESSENCES = new Set(
	FEED_DOCUMENT_TYPES.map(({ contentType }) => essenceOf(contentType)),
);

/** Sizes CloudFront compresses: from 1,000 bytes to 10,000,000 bytes. */
export const COMPRESS_MIN_BYTES = 1000;
export const COMPRESS_MAX_BYTES = 10_000_000;

/** CloudFront's list of compressible types, and the feed documents' (`application/feed+json`). */
export function isCompressible(contentType: string): boolean {
	return (
		CLOUDFRONT_COMPRESSIBLE.test(contentType) ||
		FEED_DOCUMENT_ESSENCES.has(essenceOf(contentType).trim().toLowerCase())
	);
}

export type Coding = "br" | "gzip" | "identity";

/**
 * The coding to answer with, by the q-values of `Accept-Encoding` (RFC 9110 §12.5.3): the
 * acceptable compressed coding with the highest q, Brotli on a tie, or identity when
 * neither is acceptable or identity is explicitly preferred.
 */
export function chooseCoding(acceptEncoding: string | undefined): Coding {
	if (!acceptEncoding) return "identity";
	let br: number | undefined;
	let gzip: number | undefined;
	let identity: number | undefined;
	let any: number | undefined;
	for (const part of acceptEncoding.split(",")) {
		const [rawName = "", ...params] = part.split(";");
		const name = rawName.trim().toLowerCase();
		if (name === "") continue;
		let q = 1;
		for (const param of params) {
			const [k, v] = param.split("=");
			if (k?.trim().toLowerCase() === "q") {
				const value = Number(v?.trim());
				q = Number.isFinite(value) ? Math.min(Math.max(value, 0), 1) : 0;
			}
		}
		if (name === "br") br = q;
		else if (name === "gzip" || name === "x-gzip") gzip = q;
		else if (name === "identity") identity = q;
		else if (name === "*") any = q;
	}
	const brQ = br ?? any ?? 0;
	const gzipQ = gzip ?? any ?? 0;
	const best = Math.max(brQ, gzipQ);
	if (best <= 0 || (identity !== undefined && identity > best)) return "identity";
	return brQ >= gzipQ ? "br" : "gzip";
}

/** The validators of a stored representation. */
export interface Validators {
	etag: string;
	lastModified: Date | undefined;
}

const strip = (tag: string) => (tag.startsWith("W/") ? tag.slice(2) : tag);

/**
 * Whether a GET or HEAD may be answered 304 (RFC 9110 §13.1.2 and §13.1.3): `If-None-Match`
 * by weak comparison, and only without it `If-Modified-Since`, to the second.
 */
export function isNotModified(
	ifNoneMatch: string | undefined,
	ifModifiedSince: string | undefined,
	validators: Validators,
): boolean {
	if (ifNoneMatch !== undefined) {
		if (ifNoneMatch === validators.etag) return true;
		const current = strip(validators.etag);
		return ifNoneMatch
			.split(",")
			.map((tag) => tag.trim())
			.some((tag) => tag === "*" || strip(tag) === current);
	}
	if (ifModifiedSince === undefined || validators.lastModified === undefined) return false;
	const since = Date.parse(ifModifiedSince);
	if (Number.isNaN(since)) return false;
	return Math.floor(validators.lastModified.getTime() / 1000) <= Math.floor(since / 1000);
}

const ESCAPES: Record<string, string> = {
	"&": "&amp;",
	"<": "&lt;",
	">": "&gt;",
	'"': "&quot;",
};

/** A minimal HTML page for the edge's own answers (no site 404 page, 400, 405, 502). */
export function builtInPage(status: number, title: string, text: string): string {
	const escapeHtml = (value: string) => value.replace(/[&<>"]/g, (c) => ESCAPES[c] ?? c);
	return `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>${status} ${escapeHtml(title)}</title></head><body><h1>${escapeHtml(title)}</h1><p>${escapeHtml(text)}</p><p><a href="/">Home</a></p></body></html>\n`;
}

/** What a `Range` header asks of a representation of a known size. */
export type ByteRange =
	| { kind: "whole" }
	| { kind: "unsatisfiable" }
	| { kind: "part"; start: number; end: number };

const SINGLE_RANGE = /^bytes=(?:(\d+)-(\d*)|-(\d+))$/i;

/**
 * The part of a representation a GET asks for (RFC 9110 §14): one range of bytes, `a-b`,
 * `a-` or `-n`. Whatever a server may ignore is answered whole: no `Range`, another unit,
 * a syntax error, several ranges (CloudFront, like S3, serves one), or an `If-Range` that no
 * longer matches the ETag (strong comparison) or the Last-Modified date.
 */
export function byteRangeOf(
	range: string | undefined,
	ifRange: string | undefined,
	validators: Validators,
	size: number,
): ByteRange {
	if (range === undefined) return { kind: "whole" };
	if (ifRange !== undefined) {
		const matches = ifRange.startsWith('"')
			? !validators.etag.startsWith("W/") && ifRange === validators.etag
			: validators.lastModified !== undefined &&
				Date.parse(ifRange) === Math.floor(validators.lastModified.getTime() / 1000) * 1000;
		if (!matches) return { kind: "whole" };
	}
	const match = SINGLE_RANGE.exec(range.trim());
	if (!match) return { kind: "whole" };
	const [, first, last, suffix] = match;
	if (suffix !== undefined) {
		const length = Number(suffix);
		if (length === 0 || size === 0) return { kind: "unsatisfiable" };
		return { kind: "part", start: Math.max(0, size - length), end: size - 1 };
	}
	const start = Number(first);
	const end = last ? Number(last) : Number.POSITIVE_INFINITY;
	if (end < start) return { kind: "whole" };
	if (start >= size) return { kind: "unsatisfiable" };
	return { kind: "part", start, end: Math.min(end, size - 1) };
}
