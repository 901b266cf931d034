import { describe, expect, it } from "vitest";
import { sitePathsOf } from "#shared/use-cases/publish-targets.ts";

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
});
