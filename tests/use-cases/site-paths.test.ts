import { describe, expect, it } from "vitest";
import { sitePathsOf } from "#shared/publishing/site-paths.ts";

describe("sitePathsOf", () => {
	it("names the URL paths a CDN caches the changed keys under", () => {
		expect(
			sitePathsOf([
				"en/index.html",
				"index.html",
				"feeds/en/latest.rss",
				"media/en/p/a/images/a #b?c%d.png",
			]),
		).toEqual([
			"/",
			"/en/",
			"/en/index.html",
			"/feeds/en/latest.rss",
			"/index.html",
			"/media/en/p/a/images/a%20%23b%3Fc%25d.png",
		]);
	});

	it("names the compressed copies the AWS edge caches current Atom, JSON Feed and OPML under", () => {
		expect(
			sitePathsOf([
				"feeds/en/latest.atom",
				"feeds/en/subjects/能源.json",
				"feeds/index.opml",
				"feeds/en/latest.rss",
				"feeds/en/latest/archive/2.atom",
			]),
		).toEqual([
			"/feeds/en/latest.atom",
			"/feeds/en/latest.atom.br",
			"/feeds/en/latest.atom.gz",
			"/feeds/en/latest.rss",
			"/feeds/en/latest/archive/2.atom",
			"/feeds/en/subjects/%E8%83%BD%E6%BA%90.json",
			"/feeds/en/subjects/%E8%83%BD%E6%BA%90.json.br",
			"/feeds/en/subjects/%E8%83%BD%E6%BA%90.json.gz",
			"/feeds/index.opml",
			"/feeds/index.opml.br",
			"/feeds/index.opml.gz",
		]);
	});
});
