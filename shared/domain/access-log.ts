import { createHash } from "node:crypto";
import { isbot } from "isbot";
import type { ArticleRef } from "./article.ts";

/**
 * The fields of a CloudFront standard (legacy) access log line, in the order CloudFront
 * writes them and names them in the file's `#Fields:` line.
 */
export const ACCESS_LOG_FIELDS = [
	"date",
	"time",
	"x-edge-location",
	"sc-bytes",
	"c-ip",
	"cs-method",
	"cs(Host)",
	"cs-uri-stem",
	"sc-status",
	"cs(Referer)",
	"cs(User-Agent)",
	"cs-uri-query",
	"cs(Cookie)",
	"x-edge-result-type",
	"x-edge-request-id",
	"x-host-header",
	"cs-protocol",
	"cs-bytes",
	"time-taken",
	"x-forwarded-for",
	"ssl-protocol",
	"ssl-cipher",
	"x-edge-response-result-type",
	"cs-protocol-version",
	"fle-status",
	"fle-encrypted-fields",
	"c-port",
	"time-to-first-byte",
	"x-edge-detailed-result-type",
	"sc-content-type",
	"sc-content-len",
	"sc-range-start",
	"sc-range-end",
] as const;

/** What the view count needs of one logged request; values decoded, `-` as absent. */
export interface AccessLogRequest {
	/** `YYYY-MM-DD`, UTC: the day the request is counted on. */
	date: string;
	/** `HH:MM:SS`, UTC. */
	time: string;
	method: string;
	/** The path as logged (still percent-encoded, as the request sent it). */
	uriStem: string;
	status: number;
	userAgent?: string;
	clientIp?: string;
}

export interface ParsedAccessLog {
	requests: AccessLogRequest[];
	/** Lines that are neither comments nor requests (cut short, a bad date or status). */
	malformed: number;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const TIME = /^\d{2}:\d{2}:\d{2}$/;
const STATUS = /^\d{3}$/;

/**
 * Decodes a logged value once, as CloudFront encoded it once. A value that is not valid
 * percent-encoding is kept as it is: a broken user agent must not end the whole file.
 */
export function decodeLogValue(value: string): string {
	try {
		return decodeURIComponent(value);
	} catch {
		return value;
	}
}

function present(value: string | undefined): string | undefined {
	return value === undefined || value === "-" || value === "" ? undefined : value;
}

/**
 * Parses the text of one CloudFront standard log file: `#Version` and `#Fields` comments,
 * then one tab-separated request per line. Columns are found by the `#Fields` line when the
 * file has one (so a file with fields added or moved still parses), else by the standard
 * order. Blank lines are skipped; lines that cannot be a request are counted, not thrown.
 */
export function parseAccessLog(text: string): ParsedAccessLog {
	let fields: readonly string[] = ACCESS_LOG_FIELDS;
	const requests: AccessLogRequest[] = [];
	let malformed = 0;
	for (const raw of text.split("\n")) {
		const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
		if (line.trim() === "") continue;
		if (line.startsWith("#")) {
			const match = /^#Fields:\s*(.*)$/.exec(line);
			if (match?.[1]) fields = match[1].trim().split(/\s+/);
			continue;
		}
		const values = line.split("\t");
		const get = (name: string) => {
			const index = fields.indexOf(name);
			return index < 0 ? undefined : values[index];
		};
		const date = get("date");
		const time = get("time");
		const method = get("cs-method");
		const uriStem = get("cs-uri-stem");
		const status = get("sc-status");
		if (
			values.length < fields.length ||
			!date ||
			!DATE.test(date) ||
			!time ||
			!TIME.test(time) ||
			!method ||
			!uriStem ||
			!status ||
			!STATUS.test(status)
		) {
			malformed += 1;
			continue;
		}
		const userAgent = present(get("cs(User-Agent)"));
		const clientIp = present(get("c-ip"));
		requests.push({
			date,
			time,
			method,
			uriStem,
			status: Number(status),
			...(userAgent ? { userAgent: decodeLogValue(userAgent) } : {}),
			...(clientIp ? { clientIp } : {}),
		});
	}
	return { requests, malformed };
}

/**
 * A crawler, a feed fetcher, a monitor or a script, by its user agent (the `isbot` list,
 * kept up to date upstream). A request with no user agent at all is no browser either.
 */
export function isBotUserAgent(userAgent: string | undefined): boolean {
	return !userAgent?.trim() || isbot(userAgent);
}

/**
 * A request that showed a reader the page: a GET answered with the page (2xx) or with
 * "not modified" (304: the reader's copy was shown again). HEAD shows nothing; redirects
 * are counted where they lead; 4xx and 5xx (a taken-down page's 404 among them) are no view.
 */
export function isPageView(request: Pick<AccessLogRequest, "method" | "status">): boolean {
	const { method, status } = request;
	return method === "GET" && ((status >= 200 && status < 300) || status === 304);
}

const LANGUAGE = /^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$/;
const PARTNER_ID = /^[a-z0-9][a-z0-9-]{0,63}$/;
const ARTICLE_ID = /^[a-z0-9][a-z0-9._-]{0,127}$/;

/**
 * The article a page path shows (`/{lang}/articles/{partnerId}/{articleId}`, the inverse of
 * `articlePath`), or nothing for any other path: feeds, photos, front pages, a trailing
 * slash, a segment that is no valid id. Each segment is decoded once.
 */
export function articleRefOfPath(uriStem: string): ArticleRef | undefined {
	const segments = uriStem.split("/");
	if (segments.length !== 5 || segments[0] !== "" || segments[2] !== "articles") return undefined;
	const [language, partnerId, articleId] = [segments[1], segments[3], segments[4]].map((s) =>
		decodeLogValue(s ?? ""),
	);
	if (!language || !LANGUAGE.test(language)) return undefined;
	if (!partnerId || !PARTNER_ID.test(partnerId)) return undefined;
	if (!articleId || !ARTICLE_ID.test(articleId)) return undefined;
	return { partnerId, articleId, language };
}

/** An article's views on one day (UTC). */
export interface DailyViews extends ArticleRef {
	/** `YYYY-MM-DD`. */
	day: string;
	views: number;
}

/** An article's views over some span, e.g. a ranking's window. */
export interface ArticleViews extends ArticleRef {
	views: number;
}

function refSortKey(ref: ArticleRef): string {
	return JSON.stringify([ref.language, ref.partnerId, ref.articleId]);
}

function compareStrings(a: string, b: string): number {
	return a < b ? -1 : a > b ? 1 : 0;
}

/** One reader's view of an article in one hour: what Most Viewed counts. */
export interface ReaderView extends ArticleRef {
	/** `YYYY-MM-DD`, UTC: the day the view is counted on. */
	day: string;
	/**
	 * An opaque id of the reader, the article and the hour (a hash: the address and browser
	 * are not kept), the same for every request of that reader to that article in that hour.
	 */
	readerHour: string;
}

/**
 * The article page views among `requests`, one per reader per article per hour: bots and
 * what is no page view left out. A reader is the best identity a log line gives, its client
 * address with its User-Agent; the query string is a field of its own and never part of the
 * page, so `?n=1`, `?n=2` … are one page. Sorted by `readerHour`, so the same log always
 * gives the same list.
 */
export function readerViewsOf(requests: Iterable<AccessLogRequest>): ReaderView[] {
	const views = new Map<string, ReaderView>();
	for (const request of requests) {
		if (!isPageView(request) || isBotUserAgent(request.userAgent)) continue;
		const ref = articleRefOfPath(request.uriStem);
		if (!ref) continue;
		const hour = `${request.date}T${request.time.slice(0, 2)}`;
		const readerHour = createHash("sha256")
			.update(
				JSON.stringify([hour, request.clientIp ?? "", request.userAgent ?? "", refSortKey(ref)]),
			)
			.digest("hex")
			.slice(0, 32);
		if (!views.has(readerHour)) views.set(readerHour, { ...ref, day: request.date, readerHour });
	}
	return [...views.values()].sort((a, b) => compareStrings(a.readerHour, b.readerHour));
}

/** Reader views summed per day and article, sorted by day, then article. */
export function countArticleViews(views: Iterable<ReaderView>): DailyViews[] {
	const counts = new Map<string, DailyViews>();
	for (const view of views) {
		const key = JSON.stringify([view.day, refSortKey(view)]);
		const entry = counts.get(key);
		if (entry) entry.views += 1;
		else
			counts.set(key, {
				partnerId: view.partnerId,
				articleId: view.articleId,
				language: view.language,
				day: view.day,
				views: 1,
			});
	}
	return [...counts.entries()].sort(([a], [b]) => compareStrings(a, b)).map(([, entry]) => entry);
}

/** How many days the Most Viewed ranking looks back, today included. */
export const MOST_VIEWED_DAYS = 7;
/** How many articles a language's ranking keeps. */
export const MOST_VIEWED_SIZE = 50;

/** The `YYYY-MM-DD` UTC days of the window ending on `now`'s day, oldest first. */
export function windowDays(now: Date, days: number = MOST_VIEWED_DAYS): string[] {
	const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
	return Array.from({ length: days }, (_, i) =>
		new Date(today - (days - 1 - i) * 86_400_000).toISOString().slice(0, 10),
	);
}

/**
 * The most viewed first, at most `limit`: views summed per article, ties broken by partner
 * and article id so that equal counts never reorder (and republish) from one run to the next.
 */
export function rankArticles(
	views: Iterable<ArticleViews>,
	limit: number = MOST_VIEWED_SIZE,
): ArticleViews[] {
	const totals = new Map<string, ArticleViews>();
	for (const entry of views) {
		if (entry.views <= 0) continue;
		const key = refSortKey(entry);
		const total = totals.get(key);
		if (total) total.views += entry.views;
		else
			totals.set(key, {
				partnerId: entry.partnerId,
				articleId: entry.articleId,
				language: entry.language,
				views: entry.views,
			});
	}
	return [...totals.entries()]
		.sort(([ka, a], [kb, b]) => b.views - a.views || compareStrings(ka, kb))
		.slice(0, limit)
		.map(([, entry]) => entry);
}

/** Whether two rankings list the same articles in the same order (counts aside). */
export function sameOrder(a: readonly ArticleRef[], b: readonly ArticleRef[]): boolean {
	return a.length === b.length && a.every((ref, i) => refSortKey(ref) === refSortKey(b[i] ?? ref));
}

/**
 * Where a log object's name puts it: `{prefix}{distributionId}.{YYYY-MM-DD-HH}.{unique}.gz`
 * as CloudFront's standard logging names them; nothing for any other key.
 */
export function parseLogObjectKey(
	key: string,
	prefix: string,
): { distributionId: string; hour: string } | undefined {
	if (!key.startsWith(prefix)) return undefined;
	const match = /^([A-Za-z0-9]+)\.(\d{4}-\d{2}-\d{2}-\d{2})\.[^/]+\.gz$/.exec(
		key.slice(prefix.length),
	);
	if (!match?.[1] || !match[2]) return undefined;
	return { distributionId: match[1], hour: match[2] };
}

/** The `YYYY-MM-DD-HH` hour of a log object's name, for an instant. */
export function logHourOf(instant: Date): string {
	return instant.toISOString().slice(0, 13).replace("T", "-");
}

/** The instant a `YYYY-MM-DD-HH` hour starts. */
export function instantOfLogHour(hour: string): Date {
	return new Date(`${hour.slice(0, 10)}T${hour.slice(11, 13)}:00:00Z`);
}
