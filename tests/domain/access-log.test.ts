import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
	ACCESS_LOG_FIELDS,
	articleRefOfPath,
	countArticleViews,
	isBotUserAgent,
	isPageView,
	logHourOf,
	parseAccessLog,
	parseLogObjectKey,
	rankArticles,
	readerViewsOf,
	sameOrder,
	windowDays,
} from "#shared/domain/access-log.ts";
import { articlePath } from "#shared/domain/article.ts";
import { encodeLogValue, logFile, logLine, USER_AGENTS } from "../helpers/access-logs.ts";

const PAGE = "/en/articles/science-news/2023-02-hitachi-china-green-league";
const REF = {
	partnerId: "science-news",
	articleId: "2023-02-hitachi-china-green-league",
	language: "en",
};

// Lines as CloudFront writes them, byte for byte (tabs between the 33 fields).
const SAMPLE = [
	"#Version: 1.0",
	"#Fields: date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status cs(Referer) cs(User-Agent) cs-uri-query cs(Cookie) x-edge-result-type x-edge-request-id x-host-header cs-protocol cs-bytes time-taken x-forwarded-for ssl-protocol ssl-cipher x-edge-response-result-type cs-protocol-version fle-status fle-encrypted-fields c-port time-to-first-byte x-edge-detailed-result-type sc-content-type sc-content-len sc-range-start sc-range-end",
	[
		"2026-01-01\t09:15:02\tNRT57-P2\t5123\t203.0.113.7\tGET\td111111abcdef8.cloudfront.net",
		"/en/articles/science-news/2023-02-hitachi-china-green-league\t200\thttps://news.example.org/en/",
		"Mozilla/5.0%20(Windows%20NT%2010.0;%20Win64;%20x64)%20AppleWebKit/537.36%20(KHTML,%20like%20Gecko)%20Chrome/126.0.0.0%20Safari/537.36",
		"-\t-\tHit\tSOX4xwn4XV6Q4rgb7XiVGOHms_BGlTAC4KyHmureZmBNrjGdRLiNIQ==\tnews.example.org\thttps\t412",
		"0.002\t-\tTLSv1.3\tTLS_AES_128_GCM_SHA256\tHit\tHTTP/2.0\t-\t-\t52044\t0.002\tHit",
		"text/html;%20charset=utf-8\t4821\t-\t-",
	].join("\t"),
	// IPv6 client, a conditional GET answered 304 through a proxy (x-forwarded-for set).
	[
		"2026-01-01\t23:59:59\tFRA56-P7\t381\t2001:db8:4a7f:1::23\tGET\td111111abcdef8.cloudfront.net",
		"/en/articles/science-news/2023-02-hitachi-china-green-league\t304\t-",
		"Mozilla/5.0%20(iPhone;%20CPU%20iPhone%20OS%2017_5%20like%20Mac%20OS%20X)%20AppleWebKit/605.1.15%20(KHTML,%20like%20Gecko)%20Version/17.5%20Mobile/15E148%20Safari/604.1",
		"-\t-\tRefreshHit\tb8Ck0Pl0j0QZ4h1n0lD5Cq6gXqU0yVfH0b3K1Jx0jXw9cA0a0Z6wQ==\tnews.example.org\thttps\t530",
		"0.001\t192.0.2.44\tTLSv1.3\tTLS_AES_256_GCM_SHA384\tRefreshHit\tHTTP/3.0\t-\t-\t443\t0.001\tRefreshHit",
		"-\t-\t-\t-",
	].join("\t"),
	// Googlebot reading the same page: not a reader.
	[
		"2026-01-02\t00:00:01\tIAD89-C3\t5123\t66.249.66.1\tGET\td111111abcdef8.cloudfront.net",
		"/en/articles/science-news/2023-02-hitachi-china-green-league\t200\t-",
		"Mozilla/5.0%20(compatible;%20Googlebot/2.1;%20+http://www.google.com/bot.html)",
		"-\t-\tMiss\tx6Zr2m0e0Q0n0rP0GkWbA7i3c2wD2mJ8Y0y8eQzQh0Z9kP0aA0A==\tnews.example.org\thttps\t298",
		"0.120\t-\tTLSv1.2\tECDHE-RSA-AES128-GCM-SHA256\tMiss\tHTTP/1.1\t-\t-\t61052\t0.118\tMiss",
		"text/html;%20charset=utf-8\t4821\t-\t-",
	].join("\t"),
	// A feed reader's HEAD of a feed.
	[
		"2026-01-02\t00:00:02\tIAD89-C3\t335\t3.92.144.159\tHEAD\td111111abcdef8.cloudfront.net",
		"/feeds/en/latest.rss\t200\t-\tSlackbot%201.0%20(+https://api.slack.com/robots)",
		"-\t-\tMiss\t2kP01Cgw2cMXMKlogaJwkCt7MVHA8Flxtt_ncRESDd9POQpVWSM64w==\tnews.example.org\thttps\t123",
		"0.338\t-\tTLSv1.2\tECDHE-RSA-AES128-GCM-SHA256\tMiss\tHTTP/2.0\t-\t-\t61052\t0.000\tMiss",
		"application/rss+xml\t2039\t-\t-",
	].join("\t"),
].join("\r\n");

describe("parseAccessLog", () => {
	it("reads CloudFront's lines: comments, CRLF, IPv6, `-` fields and encoded user agents", () => {
		const { requests, malformed } = parseAccessLog(SAMPLE);
		expect(malformed).toBe(0);
		expect(requests).toEqual([
			{
				date: "2026-01-01",
				time: "09:15:02",
				method: "GET",
				uriStem: PAGE,
				status: 200,
				userAgent: USER_AGENTS.chrome,
				clientIp: "203.0.113.7",
			},
			{
				date: "2026-01-01",
				time: "23:59:59",
				method: "GET",
				uriStem: PAGE,
				status: 304,
				userAgent: USER_AGENTS.safariIphone,
				clientIp: "2001:db8:4a7f:1::23",
			},
			expect.objectContaining({
				date: "2026-01-02",
				userAgent: "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
			}),
			expect.objectContaining({
				method: "HEAD",
				uriStem: "/feeds/en/latest.rss",
				userAgent: "Slackbot 1.0 (+https://api.slack.com/robots)",
			}),
		]);
	});

	it("finds the columns by the #Fields line when a file orders them differently", () => {
		const fields = [...ACCESS_LOG_FIELDS].reverse();
		const standard = logLine({ path: PAGE, date: "2026-02-03" }).split("\t");
		const text = [
			"#Version: 1.0",
			`#Fields: ${fields.join(" ")}`,
			[...standard].reverse().join("\t"),
		].join("\n");
		expect(parseAccessLog(text).requests).toEqual([
			expect.objectContaining({ date: "2026-02-03", uriStem: PAGE, status: 200 }),
		]);
	});

	it("counts the lines it cannot read instead of throwing, and skips blank ones", () => {
		const good = logLine({ path: PAGE });
		const text = logFile([
			good,
			"",
			"   ",
			good.split("\t").slice(0, 10).join("\t"),
			good.replace("2026-01-01", "yesterday"),
			good.replace("\t200\t", "\tOK\t"),
			"garbage",
		]);
		const { requests, malformed } = parseAccessLog(text);
		expect(requests).toHaveLength(1);
		expect(malformed).toBe(4);
	});

	it("keeps a user agent that is not valid percent-encoding as it is", () => {
		const line = logLine({ path: PAGE }).replace(
			encodeLogValue(USER_AGENTS.chrome),
			"Bad%E0%A4%Agent",
		);
		expect(parseAccessLog(logFile([line])).requests[0]?.userAgent).toBe("Bad%E0%A4%Agent");
	});

	it("gives back any user agent, encoded as CloudFront encodes it", () => {
		fc.assert(
			fc.property(
				fc.string({ minLength: 1, unit: "grapheme" }).filter((ua) => ua !== "-"),
				(ua) => {
					const [request] = parseAccessLog(
						logFile([logLine({ path: PAGE, userAgent: ua })]),
					).requests;
					expect(request?.userAgent).toBe(ua);
				},
			),
		);
	});
});

describe("what counts as a view", () => {
	it("counts GETs answered 2xx or 304, not HEAD, redirects or errors", () => {
		expect(isPageView({ method: "GET", status: 200 })).toBe(true);
		expect(isPageView({ method: "GET", status: 206 })).toBe(true);
		expect(isPageView({ method: "GET", status: 304 })).toBe(true);
		expect(isPageView({ method: "HEAD", status: 200 })).toBe(false);
		expect(isPageView({ method: "POST", status: 200 })).toBe(false);
		for (const status of [301, 302, 400, 403, 404, 405, 500, 503]) {
			expect(isPageView({ method: "GET", status })).toBe(false);
		}
	});

	it("tells bots, feed fetchers and scripts from browsers by the user agent", () => {
		for (const ua of [USER_AGENTS.chrome, USER_AGENTS.safariIphone, USER_AGENTS.firefox]) {
			expect(isBotUserAgent(ua), ua).toBe(false);
		}
		for (const ua of [
			USER_AGENTS.googlebot,
			USER_AGENTS.bingbot,
			USER_AGENTS.feedly,
			USER_AGENTS.curl,
			"python-requests/2.31.0",
			"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/126.0.0.0 Safari/537.36",
			"",
			"   ",
			undefined,
		]) {
			expect(isBotUserAgent(ua), String(ua)).toBe(true);
		}
	});

	it("knows an article page's path and nothing else", () => {
		expect(articleRefOfPath(PAGE)).toEqual(REF);
		expect(articleRefOfPath("/zh-Hant/articles/p1/a.b_c-1")).toEqual({
			partnerId: "p1",
			articleId: "a.b_c-1",
			language: "zh-Hant",
		});
		// Encoded once, as a browser may send any character.
		expect(articleRefOfPath("/ja/articles/p%31/a%2D1")).toEqual({
			partnerId: "p1",
			articleId: "a-1",
			language: "ja",
		});
		for (const path of [
			"/",
			"/en/",
			"/en",
			`${PAGE}/`,
			`${PAGE}/extra`,
			"/feeds/en/latest.rss",
			"/media/en/science-news/a/photo.jpg",
			"/en/articles/science-news",
			"/en/articles/Science-News/a",
			"/en/articles/science-news/..",
			"/en/articles/science-news/%2e%2e",
			"/en/articles/p/a%2Fb",
			"/e/articles/p/a",
			"/en/article/p/a",
			"/en/articles//a",
			"/en/articles/p/%E0%A4%A",
		]) {
			expect(articleRefOfPath(path), path).toBeUndefined();
		}
	});

	it("is the inverse of articlePath for every valid article", () => {
		const id = fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,20}$/);
		const partner = fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,20}$/);
		const language = fc.constantFrom("en", "zh", "ja", "zh-Hant", "pt-BR");
		fc.assert(
			fc.property(partner, id, language, (partnerId, articleId, lang) => {
				const ref = { partnerId, articleId, language: lang };
				expect(articleRefOfPath(articlePath(ref))).toEqual(ref);
			}),
		);
	});

	it("counts each article's reader views per day from a real log", () => {
		const lines = [
			...SAMPLE.split("\r\n"),
			logLine({ path: PAGE, date: "2026-01-02" }),
			logLine({ path: PAGE, date: "2026-01-02", status: 404 }),
			logLine({ path: PAGE, date: "2026-01-02", method: "HEAD" }),
			logLine({ path: PAGE, date: "2026-01-02", userAgent: null }),
			logLine({ path: PAGE, date: "2026-01-02", userAgent: USER_AGENTS.bingbot }),
			logLine({ path: "/ja/articles/science-news/b", date: "2026-01-02", status: 304 }),
			logLine({ path: "/en/", date: "2026-01-02" }),
		];
		expect(countArticleViews(readerViewsOf(parseAccessLog(lines.join("\n")).requests))).toEqual([
			{ ...REF, day: "2026-01-01", views: 2 },
			{ ...REF, day: "2026-01-02", views: 1 },
			{ partnerId: "science-news", articleId: "b", language: "ja", day: "2026-01-02", views: 1 },
		]);
	});
});

describe("one view per reader per article per hour", () => {
	it("counts one reader reloading an article 300 times with ?n=1…?n=300 once in the hour", () => {
		const reloads = Array.from({ length: 300 }, (_, i) =>
			logLine({
				path: PAGE,
				query: `n=${i + 1}`,
				time: `09:${String(Math.floor(i / 5)).padStart(2, "0")}:00`,
			}),
		);
		const views = readerViewsOf(parseAccessLog(logFile(reloads)).requests);
		expect(views).toHaveLength(1);
		expect(countArticleViews(views)).toEqual([{ ...REF, day: "2026-01-01", views: 1 }]);
	});

	it("tells readers apart by address and browser, and counts each again the next hour", () => {
		const lines = [
			logLine({ path: PAGE, time: "09:00:00" }),
			logLine({ path: PAGE, time: "09:59:59" }),
			logLine({ path: PAGE, time: "10:00:00" }),
			logLine({ path: PAGE, time: "09:10:00", ip: "198.51.100.9" }),
			logLine({ path: PAGE, time: "09:10:00", userAgent: USER_AGENTS.firefox }),
			logLine({ path: "/ja/articles/science-news/b", time: "09:20:00" }),
		];
		const views = readerViewsOf(parseAccessLog(logFile(lines)).requests);
		expect(countArticleViews(views)).toEqual([
			{ ...REF, day: "2026-01-01", views: 4 },
			{ partnerId: "science-news", articleId: "b", language: "ja", day: "2026-01-01", views: 1 },
		]);
		// The reader's id is an opaque hash, different for each hour and article.
		expect(new Set(views.map((view) => view.readerHour)).size).toBe(5);
		for (const view of views) expect(view.readerHour).toMatch(/^[0-9a-f]{32}$/);
		expect(JSON.stringify(views)).not.toContain("203.0.113.7");
	});
});

describe("ranking", () => {
	const a = { partnerId: "p", articleId: "a", language: "en" };
	const b = { partnerId: "p", articleId: "b", language: "en" };
	const c = { partnerId: "q", articleId: "a", language: "en" };

	it("sums an article's days, most viewed first, equal counts by id, at most `limit`", () => {
		const ranked = rankArticles([
			{ ...c, views: 3 },
			{ ...b, views: 2 },
			{ ...a, views: 1 },
			{ ...a, views: 2 },
			{ ...b, views: 0 },
		]);
		expect(ranked).toEqual([
			{ ...a, views: 3 },
			{ ...c, views: 3 },
			{ ...b, views: 2 },
		]);
		expect(
			rankArticles(
				[
					{ ...a, views: 1 },
					{ ...b, views: 5 },
				],
				1,
			),
		).toEqual([{ ...b, views: 5 }]);
		expect(rankArticles([{ ...a, views: 0 }])).toEqual([]);
	});

	it("ranks the same whatever order the counts come in", () => {
		const entry = fc.record({
			partnerId: fc.constantFrom("p", "q"),
			articleId: fc.constantFrom("a", "b", "c"),
			language: fc.constant("en"),
			views: fc.nat(20),
		});
		fc.assert(
			fc.property(fc.array(entry), (entries) => {
				expect(rankArticles([...entries].reverse())).toEqual(rankArticles(entries));
			}),
		);
	});

	it("compares orders, not counts", () => {
		const once = { ...a, views: 1 };
		const often = { ...a, views: 9 };
		expect(sameOrder([once], [often])).toBe(true);
		expect(sameOrder([a, b], [b, a])).toBe(false);
		expect(sameOrder([a], [a, b])).toBe(false);
		expect(sameOrder([], [])).toBe(true);
	});

	it("looks back seven UTC days, today included, across a month's end", () => {
		expect(windowDays(new Date("2026-03-02T23:59:59Z"))).toEqual([
			"2026-02-24",
			"2026-02-25",
			"2026-02-26",
			"2026-02-27",
			"2026-02-28",
			"2026-03-01",
			"2026-03-02",
		]);
		expect(windowDays(new Date("2026-01-01T00:00:00Z"), 2)).toEqual(["2025-12-31", "2026-01-01"]);
	});
});

describe("log object names", () => {
	it("reads the distribution and the hour from CloudFront's names", () => {
		expect(
			parseLogObjectKey("cloudfront/E2QWRUHEXAMPLE.2026-01-01-09.a1b2c3d4.gz", "cloudfront/"),
		).toEqual({
			distributionId: "E2QWRUHEXAMPLE",
			hour: "2026-01-01-09",
		});
		expect(parseLogObjectKey("cloudfront/LOCALEDGE.2026-01-01-23.0f.gz", "cloudfront/")).toEqual({
			distributionId: "LOCALEDGE",
			hour: "2026-01-01-23",
		});
		for (const key of [
			"cloudfront/E2QWRUHEXAMPLE.2026-01-01-09.a1b2c3d4",
			"cloudfront/E2QWRUHEXAMPLE.2026-01-01.a1b2c3d4.gz",
			"other/E2QWRUHEXAMPLE.2026-01-01-09.a1b2c3d4.gz",
			"cloudfront/sub/E2.2026-01-01-09.x.gz",
		]) {
			expect(parseLogObjectKey(key, "cloudfront/"), key).toBeUndefined();
		}
		expect(logHourOf(new Date("2026-01-01T09:59:59Z"))).toBe("2026-01-01-09");
	});
});
