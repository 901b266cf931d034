import { describe, expect, it } from "vitest";
import { collapsePaths } from "#shared/adapters/cloudfront/cloudfront-site-cache.ts";

const covers = (patterns: readonly string[], path: string) =>
	patterns.some((p) => (p.endsWith("*") ? path.startsWith(p.slice(0, -1)) : p === path));

describe("CloudFront invalidation paths", () => {
	it("keeps a publish's few changed paths exactly", () => {
		const paths = ["/feeds/en/latest.rss", "/en/", "/en/index.html", "/en/articles/p/a"];
		expect(collapsePaths(paths, 500)).toEqual([...paths].sort());
	});

	it("covers a takedown of 1,000 articles with few wildcards, and still every path", () => {
		const paths = [
			"/feeds/en/latest.rss",
			"/feeds/en/latest.atom",
			"/en/",
			...Array.from({ length: 1000 }, (_, i) => [
				`/en/articles/p/a${i}`,
				`/media/en/p/a${i}/images/photo.png`,
				`/media/en/p/a${i}/images/second.jpg`,
			]).flat(),
		];
		const collapsed = collapsePaths(paths, 500);
		expect(collapsed.length).toBeLessThanOrEqual(500);
		expect(collapsed).toContain("/feeds/en/latest.rss");
		for (const path of paths) expect(covers(collapsed, path), path).toBe(true);
	});

	it("ends at the whole site when nothing narrower fits", () => {
		const paths = Array.from({ length: 20 }, (_, i) => `/p${i}`);
		expect(collapsePaths(paths, 5)).toEqual(["/*"]);
	});
});
