import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { resolveSiteKey } from "../../local/edge-server.ts";

const ingest = "syndicate-ingest";

/** Request targets that must never become a lookup: the status each must get. */
const MALFORMED = [
	`/..%2F${ingest}%2Farchive%2Fx.zip`,
	`/..%2f${ingest}%2farchive%2fx.zip`,
	`/en/..%2F..%2F${ingest}%2Farchive%2Fx.zip`,
	`/media/en/..%2F..%2F..%2F${ingest}%2Fcontent%2Fx`,
	`/%2e%2e/${ingest}/archive/x.zip`,
	`/%2E%2E%2F${ingest}%2Fincoming%2Fx.zip`,
	`/.%2e/${ingest}/archive/x.zip`,
	`/../${ingest}/archive/x.zip`,
	`/en/../../${ingest}/reports/x`,
	"/en/..%5C..%5Cx",
	"/en/..%5c..%5cx",
	"/en\\..\\..\\x",
	"/%C0%AE%C0%AE/",
	"/%C0%AF",
	`/%C0%AE%C0%AE%C0%AF${ingest}%C0%AFarchive`,
	"/%E0%80%AE%E0%80%AE",
	"/en/%ED%A0%80",
	"/en/%",
	"/en/%zz",
	"/en/%E2%80",
	`//${ingest}/x`,
	"//en/",
	"/en//x",
	"/./en/",
	"/en/./index.html",
	"/en/%2e/x",
	"/en/%2E",
	"/en/..",
	"/en/%00",
	"/en/a%00.png",
	"/en/%0A",
	"/en/%7F",
	"/en/%C2%85",
	"/en/%E2%80%AE",
	"/en/%E2%80%8B",
	"/en/%EF%BB%BF",
	"/en/a#b",
	"/en/a b",
	"",
	"en/",
	"*",
	`http://edge/..%2F${ingest}%2Farchive%2Fx.zip`,
];

const NOT_SITE_PATHS = [
	"/incoming/x",
	"/archive/x",
	"/reports/x",
	"/content/x",
	`/${ingest}/archive/x`,
	`/${ingest}/`,
	"/%73yndicate-ingest/archive/x",
	"/%252e%252e%252f",
	`/%252e%252e%252f${ingest}%252farchive%252fx.zip`,
	"/feeds",
	"/assets",
	"/robots.txt",
	"/en-/",
	"/e/",
	"/english/",
	"/en-abcdefghi/",
	"/feeds.json",
];

const TOO_LONG = [
	`/en/${"a".repeat(2000)}`,
	`/en/${"a/".repeat(600)}`,
	`/${"..%2F".repeat(400)}${ingest}%2Farchive%2Fx.zip`,
	`/en/${"%2e%2e%2f".repeat(300)}`,
	`/media/en/${"b".repeat(300)}.png`,
	`/media/en/${"%C3%BC".repeat(100)}.png`,
];

const SITE_PATHS: [string, string][] = [
	["/", "index.html"],
	["/?x=1", "index.html"],
	["/index.html", "index.html"],
	["/en/", "en/index.html"],
	["/en/index.html", "en/index.html"],
	["/%65n/", "en/index.html"],
	["/zh-Hant/", "zh-Hant/index.html"],
	["/zh-hant-tw/", "zh-hant-tw/index.html"],
	["/yue/", "yue/index.html"],
	["/feeds/en/latest.rss", "feeds/en/latest.rss"],
	["/feeds/feed.xsl", "feeds/feed.xsl"],
	["/icons/icon-512.png", "icons/icon-512.png"],
	["/favicon.ico", "favicon.ico"],
	["/feeds/zh-Hant/latest.json?v=2", "feeds/zh-Hant/latest.json"],
	["/en/articles/science-news/a-b.c", "en/articles/science-news/a-b.c"],
	["/en/articles/science-news/a-b.c/", "en/articles/science-news/a-b.c/index.html"],
	["/media/en/p/a/images/a%23b%3Fc%25d.png", "media/en/p/a/images/a#b?c%d.png"],
	["/media/en/p/a/images/a%20b%20%C3%BC%E6%BC%A2.png", "media/en/p/a/images/a b ü漢.png"],
	["/media/en/p/a/images/100%252F2.png", "media/en/p/a/images/100%2F2.png"],
	["/media/en/p/a/images/a..b", "media/en/p/a/images/a..b"],
	["/media/en/p/a/images/...", "media/en/p/a/images/..."],
	["/media/en/p/a/images/.hidden", "media/en/p/a/images/.hidden"],
	["/media/en/p/a/images/a+b(1)!'*.png", "media/en/p/a/images/a+b(1)!'*.png"],
	[`/en/?x=..%2F${ingest}%2Farchive%2Fx.zip`, "en/index.html"],
	[`/?/../${ingest}/archive/x.zip`, "index.html"],
	[`/en/${"a".repeat(200)}`, `en/${"a".repeat(200)}`],
	["/404.html", "404.html"],
	["/sitemap.xml", "sitemap.xml"],
	["/sitemaps/2.xml", "sitemaps/2.xml"],
	["/assets/site-0123abcd.css", "assets/site-0123abcd.css"],
	["/feeds/index.opml", "feeds/index.opml"],
	["/feeds/en/partners/science-news.atom", "feeds/en/partners/science-news.atom"],
];

/** A language folder without its slash, as CloudFront's function redirects it. */
const REDIRECTS: [string, string][] = [
	["/en", "/en/"],
	["/%65n", "/en/"],
	["/zh-Hant", "/zh-Hant/"],
	["/en?utm=x&y=1", "/en/?utm=x&y=1"],
	// A query that is not plain ASCII is dropped rather than put in a header.
	["/en?q=\u00e9", "/en/"],
];

describe("resolveSiteKey", () => {
	it.each(MALFORMED)("rejects %j as malformed", (target) => {
		expect(resolveSiteKey(target)).toMatchObject({ ok: false, status: 400 });
	});

	it.each(NOT_SITE_PATHS)("answers %j with not found, without a lookup", (target) => {
		expect(resolveSiteKey(target)).toMatchObject({ ok: false, status: 404 });
	});

	it.each(TOO_LONG)("rejects a very long path (%#)", (target) => {
		expect(resolveSiteKey(target)).toMatchObject({ ok: false, status: 414 });
	});

	it.each(REDIRECTS)("redirects %j to %j", (target, location) => {
		expect(resolveSiteKey(target)).toMatchObject({ ok: false, status: 301, location });
	});

	it.each(SITE_PATHS)("maps %j to %j", (target, key) => {
		expect(resolveSiteKey(target)).toEqual({ ok: true, key });
	});

	it("gives back any site key from its encoded path, decoding exactly once", () => {
		const name = fc
			.string({ unit: "grapheme", minLength: 1, maxLength: 12 })
			.filter((s) => s !== "." && s !== ".." && !/[/\\\p{Cc}\p{Cf}]/u.test(s));
		const area = fc.constantFrom("feeds", "media", "en", "zh-Hant", "pt-BR");
		fc.assert(
			fc.property(area, fc.array(name, { minLength: 1, maxLength: 4 }), (first, rest) => {
				const segments = [first, ...rest];
				const target = `/${segments.map(encodeURIComponent).join("/")}`;
				expect(resolveSiteKey(target)).toEqual({ ok: true, key: segments.join("/") });
			}),
		);
	});

	it("never yields a key outside the site areas, whatever the target", () => {
		const token = fc.constantFrom(
			"/",
			".",
			"..",
			"%2e",
			"%2E",
			"%2f",
			"%2F",
			"%5c",
			"%25",
			"%252f",
			"%00",
			"%C0",
			"%AF",
			"%E2%80%AE",
			"\\",
			"?",
			"#",
			"en",
			"feeds",
			"media",
			"x",
			ingest,
		);
		fc.assert(
			fc.property(fc.array(token, { maxLength: 16 }), (tokens) => {
				const result = resolveSiteKey(`/${tokens.join("")}`);
				if (!result.ok) return;
				const segments = result.key.split("/");
				expect(segments[0]).toMatch(
					/^(index\.html|404\.html|feeds|media|assets|[a-z]{2,3}(-[a-z0-9]{1,8})*)$/i,
				);
				for (const segment of segments) {
					expect(segment).not.toMatch(/^\.{0,2}$/);
					expect(segment).not.toMatch(/[\\\p{Cc}\p{Cf}]/u);
				}
			}),
		);
	});
});
