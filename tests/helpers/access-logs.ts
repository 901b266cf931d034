import { gzipSync } from "node:zlib";
import { ACCESS_LOG_FIELDS } from "#shared/domain/access-log.ts";

/** User agents as browsers and bots really send them. */
export const USER_AGENTS = {
	chrome:
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36",
	safariIphone:
		"Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
	firefox: "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
	googlebot:
		"Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; Googlebot/2.1; +http://www.google.com/bot.html) Chrome/126.0.6478.126 Safari/537.36",
	bingbot: "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
	feedly:
		"Feedly/1.0 (+http://www.feedly.com/fetcher.html; 3 subscribers; like FeedFetcher-Google)",
	curl: "curl/8.5.0",
} as const;

/**
 * Encodes a value as CloudFront's standard log does: percent-encoding for spaces, controls,
 * non-ASCII and the few characters that would break the line (tab, `%`, quotes, backslash).
 */
export function encodeLogValue(value: string): string {
	return Array.from(new TextEncoder().encode(value), (byte) =>
		byte <= 0x20 || byte >= 0x7f || "%\"\\'<>`".includes(String.fromCharCode(byte))
			? `%${byte.toString(16).toUpperCase().padStart(2, "0")}`
			: String.fromCharCode(byte),
	).join("");
}

export interface LogRequest {
	date?: string;
	time?: string;
	method?: string;
	path: string;
	status?: number;
	/** Raw; encoded as CloudFront does. `null` for a request without the header (`-`). */
	userAgent?: string | null;
	ip?: string;
	referer?: string;
	/** `cs-uri-query`, as sent (CloudFront logs the query apart from the path). */
	query?: string;
}

let requestCounter = 0;

/** One tab-separated line in the 33 standard fields, `-` wherever CloudFront writes it. */
export function logLine(request: LogRequest): string {
	const status = request.status ?? 200;
	const ua = request.userAgent === undefined ? USER_AGENTS.chrome : request.userAgent;
	const hit = status === 304 ? "RefreshHit" : status >= 400 ? "Error" : "Hit";
	const values: Record<(typeof ACCESS_LOG_FIELDS)[number], string> = {
		date: request.date ?? "2026-01-01",
		time: request.time ?? "09:15:02",
		"x-edge-location": "NRT57-P2",
		"sc-bytes": status === 304 ? "381" : "5123",
		"c-ip": request.ip ?? "203.0.113.7",
		"cs-method": request.method ?? "GET",
		"cs(Host)": "d111111abcdef8.cloudfront.net",
		"cs-uri-stem": request.path,
		"sc-status": String(status),
		"cs(Referer)": request.referer ? encodeLogValue(request.referer) : "-",
		"cs(User-Agent)": ua === null ? "-" : encodeLogValue(ua),
		"cs-uri-query": request.query ?? "-",
		"cs(Cookie)": "-",
		"x-edge-result-type": hit,
		"x-edge-request-id": `SOX4xwn4XV6Q4rgb7XiVGOHms_BGlTAC4KyHmure${String(++requestCounter).padStart(6, "0")}==`,
		"x-host-header": "news.example.org",
		"cs-protocol": "https",
		"cs-bytes": "412",
		"time-taken": "0.002",
		"x-forwarded-for": "-",
		"ssl-protocol": "TLSv1.3",
		"ssl-cipher": "TLS_AES_128_GCM_SHA256",
		"x-edge-response-result-type": hit,
		"cs-protocol-version": "HTTP/2.0",
		"fle-status": "-",
		"fle-encrypted-fields": "-",
		"c-port": "52044",
		"time-to-first-byte": "0.002",
		"x-edge-detailed-result-type": hit,
		"sc-content-type": status === 304 ? "-" : "text/html;%20charset=utf-8",
		"sc-content-len": status === 304 ? "-" : "4821",
		"sc-range-start": "-",
		"sc-range-end": "-",
	};
	return ACCESS_LOG_FIELDS.map((field) => values[field]).join("\t");
}

/** A whole log file's text: the two header comments, then the lines. */
export function logFile(lines: readonly string[]): string {
	return ["#Version: 1.0", `#Fields: ${ACCESS_LOG_FIELDS.join(" ")}`, ...lines, ""].join("\n");
}

/** A log object's bytes, as CloudFront writes them: gzip of the file. */
export function gzipLog(requests: readonly LogRequest[]): Uint8Array {
	return new Uint8Array(gzipSync(logFile(requests.map(logLine))));
}

let objectCounter = 0;

/** A log object key as CloudFront's standard logging names them. */
export function logKey(hour: string, distributionId = "E2QWRUHEXAMPLE"): string {
	return `cloudfront/${distributionId}.${hour}.${(++objectCounter).toString(16).padStart(8, "0")}.gz`;
}

let readerCounter = 0;

/**
 * `n` views of a page by readers no other call gave (Most Viewed counts a reader once per
 * article and hour, whichever log object holds the line).
 */
export function views(path: string, n: number, overrides: Partial<LogRequest> = {}): LogRequest[] {
	return Array.from({ length: n }, () => {
		const reader = readerCounter++;
		return {
			path,
			ip: `10.${(reader >> 16) & 255}.${(reader >> 8) & 255}.${reader & 255}`,
			...overrides,
		};
	});
}
