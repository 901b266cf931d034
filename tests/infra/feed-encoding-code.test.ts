import { runInNewContext } from "node:vm";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compressedVariantsOf } from "#shared/domain/compressed-variants.ts";
import { FEED_ENCODING_CODE } from "../../infra/constructs/feed-encoding-code.ts";
import { chooseCoding } from "../../local/edge-http.ts";

type Header = { value: string; multiValue?: { value: string }[] };

const handler = runInNewContext(`${FEED_ENCODING_CODE}; handler`) as (event: unknown) => {
	uri: string;
};

/** Runs the function as CloudFront would on one viewer request, and returns the URI it leaves. */
function rewrite(uri: string, acceptEncoding?: string | Header): string {
	const header = typeof acceptEncoding === "string" ? { value: acceptEncoding } : acceptEncoding;
	return handler({
		version: "1.0",
		context: { eventType: "viewer-request" },
		viewer: { ip: "198.51.100.7" },
		request: {
			method: "GET",
			uri,
			querystring: {},
			headers: {
				host: { value: "news.example.org" },
				...(header ? { "accept-encoding": header } : {}),
			},
			cookies: {},
		},
	}).uri;
}

describe("feed-encoding function", () => {
	it.each([
		["gzip", "/feeds/en/latest.atom.gz"],
		["br", "/feeds/en/latest.atom.br"],
		["gzip, deflate, br, zstd", "/feeds/en/latest.atom.br"],
		["GZIP", "/feeds/en/latest.atom.gz"],
		["x-gzip", "/feeds/en/latest.atom.gz"],
		["br;q=0, gzip", "/feeds/en/latest.atom.gz"],
		["gzip;q=0.5, br;q=0.4", "/feeds/en/latest.atom.gz"],
		["br;q=0.5, gzip;q=0.5", "/feeds/en/latest.atom.br"],
		["*", "/feeds/en/latest.atom.br"],
		["*;q=0.3, br;q=0", "/feeds/en/latest.atom.gz"],
	])("serves a viewer taking %j the copy %s", (header, expected) => {
		expect(rewrite("/feeds/en/latest.atom", header)).toBe(expected);
	});

	it.each([
		["no Accept-Encoding", undefined],
		["an empty one", ""],
		["identity only", "identity"],
		["deflate only", "deflate"],
		["gzip refused", "gzip;q=0"],
		["both refused", "gzip;q=0, br;q=0"],
		["everything refused", "*;q=0"],
		["identity preferred", "identity;q=1, gzip;q=0.5, br;q=0.5"],
		["a malformed q", "gzip;q=abc"],
	])("serves the document itself for %s", (_, header) => {
		expect(rewrite("/feeds/en/latest.atom", header)).toBe("/feeds/en/latest.atom");
	});

	it("reads an Accept-Encoding sent on several lines", () => {
		const header = { value: "deflate", multiValue: [{ value: "deflate" }, { value: "gzip" }] };
		expect(rewrite("/feeds/en/latest.json", header)).toBe("/feeds/en/latest.json.gz");
	});

	it.each([
		"/feeds/en/latest.json",
		"/feeds/en/partners/science-news.atom",
		"/feeds/zh/subjects/%E8%83%BD%E6%BA%90.json",
		"/feeds/index.opml",
	])("rewrites every current Atom, JSON Feed and OPML document: %s", (uri) => {
		expect(rewrite(uri, "br")).toBe(`${uri}.br`);
	});

	it.each([
		"/feeds/en/latest.rss",
		"/feeds/en/latest/archive/2.atom",
		"/feeds/en/partners/science-news/archive/1.json",
		"/feeds/en/latest.atom.br",
		"/en/",
		"/404.html",
	])("leaves %s as it is (CloudFront compresses it, or it has no copy)", (uri) => {
		expect(rewrite(uri, "gzip, br")).toBe(uri);
	});

	it("rewrites to exactly the copies the publisher writes", () => {
		for (const uri of ["/feeds/en/latest.atom", "/feeds/en/latest/archive/1.atom"]) {
			const written = compressedVariantsOf(uri).map((variant) => variant.name);
			const served = ["br", "gzip"].map((coding) => rewrite(uri, coding)).filter((u) => u !== uri);
			expect(served).toEqual(written);
		}
	});

	it("chooses as the local edge does, whatever the header", () => {
		const token = fc.constantFrom("gzip", "br", "identity", "*", "deflate", "x-gzip", "zstd", "");
		const q = fc.option(fc.constantFrom("0", "1", "0.5", "0.001", "1.0", "abc", ""), {
			nil: undefined,
		});
		const part = fc
			.tuple(token, q, fc.constantFrom("", " "))
			.map(([name, value, space]) => `${space}${name}${value === undefined ? "" : `;q=${value}`}`);
		fc.assert(
			fc.property(fc.array(part, { maxLength: 5 }), (parts) => {
				const header = parts.join(",");
				const coding = chooseCoding(header);
				const suffix = { br: ".br", gzip: ".gz", identity: "" }[coding];
				expect(rewrite("/feeds/en/latest.atom", header)).toBe(`/feeds/en/latest.atom${suffix}`);
			}),
		);
	});
});
