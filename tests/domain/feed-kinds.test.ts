import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { subjectName, subjectSlug } from "#shared/domain/feeds/kinds.ts";
import { planArticleChange } from "#shared/domain/plan-article-change.ts";
import {
	archivePageOf,
	feedEntriesFor,
	feedKey,
	feedOfKey,
	parseFeedName,
	parseTargetId,
	type Target,
	targetId,
} from "#shared/domain/targets.ts";
import { makeAgreement } from "../helpers/agreements.ts";
import { makeArticle } from "../helpers/articles.ts";

const NOW = new Date("2026-06-01T00:00:00.000Z");

describe("subject slugs", () => {
	it.each([
		["energy", "energy"],
		["Climate Change", "climate-change"],
		["  R&D / Policy!! ", "r-d-policy"],
		["ＥＮＥＲＧＹ", "energy"],
		["能源", "能源"],
		["気候 変動", "気候-変動"],
		["Ünïcödé", "ünïcödé"],
		["हिन्दी समाचार", "हिन्दी-समाचार"],
		["a|b/c", "a-b-c"],
		["!!!", ""],
	])("%j becomes %j", (subject, slug) => {
		expect(subjectSlug(subject)).toBe(slug);
	});

	it("is lower-case, stable, at most 64 code points, and never holds | or /", () => {
		fc.assert(
			fc.property(fc.string({ unit: "grapheme", maxLength: 100 }), (subject) => {
				const slug = subjectSlug(subject);
				expect(subjectSlug(slug)).toBe(slug);
				expect(slug).not.toMatch(/[|/\s]/);
				expect(slug).not.toMatch(/^-|-$/);
				expect([...slug].length).toBeLessThanOrEqual(64);
				expect(slug).toBe(slug.toLowerCase());
				if (slug) expect(parseFeedName(`subjects/${slug}`)).toBe(`subjects/${slug}`);
			}),
		);
	});
});

describe("subject names", () => {
	it("are the manifest's, else the slug made readable", () => {
		expect(subjectName("china", { china: "中国" })).toBe("中国");
		expect(subjectName("green-technology", { china: "中国" })).toBe("Green technology");
		expect(subjectName("energy", undefined)).toBe("Energy");
		expect(subjectName("新能源", undefined)).toBe("新能源");
	});
});

describe("target ids", () => {
	const targets: Target[] = [
		{ kind: "feed", language: "en", feed: "latest" },
		{ kind: "feed", language: "zh-Hant", feed: "updated" },
		{ kind: "feed", language: "ja", feed: "most-viewed" },
		{ kind: "feed", language: "en", feed: "partners/science-news" },
		{ kind: "feed", language: "zh", feed: "subjects/能源" },
		{ kind: "front", language: "en" },
		{ kind: "home" },
		{ kind: "opml" },
		{ kind: "page", language: "en", partnerId: "science-news", articleId: "a.b-c" },
		{ kind: "agreement", agreementId: "sn-jst.2023_1" },
	];

	it.each(targets.map((target) => [targetId(target), target]))(
		"%s round-trips through the one codec",
		(id, target) => {
			expect(parseTargetId(id)).toEqual(target);
			expect(targetId(parseTargetId(id))).toBe(id);
		},
	);

	it("uses the contract's spelling", () => {
		expect(targets.map(targetId)).toEqual([
			"feed|en|latest",
			"feed|zh-Hant|updated",
			"feed|ja|most-viewed",
			"feed|en|partners/science-news",
			"feed|zh|subjects/能源",
			"front|en",
			"home",
			"opml",
			"page|en|science-news|a.b-c",
			"agreement|sn-jst.2023_1",
		]);
	});

	it.each([
		"feed|en|oldest",
		"feed|en|partners/",
		"feed|en|partners/a/b",
		"feed|en|subjects/Energy",
		"feed|en|subjects/../x",
		"feed||latest",
		"front|",
		"front|en|x",
		"page|en|p",
		"opml|x",
		"agreement|",
		"agreement|a|b",
		"agreement|a/b",
		"agreement|..",
		"",
	])("refuses %j", (id) => {
		expect(() => parseTargetId(id)).toThrow(/not a target id/);
	});

	it("names a feed in the store by language and name, and back", () => {
		expect(feedKey("en", "partners/science-news")).toBe("en/partners/science-news");
		expect(feedOfKey("en/partners/science-news")).toEqual({
			language: "en",
			feed: "partners/science-news",
		});
		expect(() => feedOfKey("en/nothing")).toThrow();
	});

	it("puts ordinals 1-50 on archive page 0, 51-100 on page 1", () => {
		expect([1, 50, 51, 100, 101].map(archivePageOf)).toEqual([0, 0, 1, 1, 2]);
	});
});

describe("feed rows", () => {
	it("puts a public article in Latest News, its partner's feed and one feed per subject slug", () => {
		const rows = feedEntriesFor(makeArticle({ subjects: ["energy", "Energy", "climate change"] }));
		expect(rows.map((row) => row.feedKey)).toEqual([
			"en/latest",
			"en/partners/science-news",
			"en/subjects/energy",
			"en/subjects/climate-change",
		]);
		// One item for every feed: the same id, text and attribution wherever it appears.
		expect(new Set(rows.map((row) => JSON.stringify(row.item))).size).toBe(1);
	});

	it("adds Recent Updates from the second version, sorted by versionCreated", () => {
		const rows = feedEntriesFor(
			makeArticle({ version: 2, versionCreated: "2024-02-01T09:00:00+09:00" }),
		);
		expect(rows.find((row) => row.feedKey === "en/updated")?.sortKey).toBe(
			"2024-02-01T00:00:00.000Z#science-news#2024-01-test-article",
		);
		expect(rows.find((row) => row.feedKey === "en/latest")?.sortKey).toBe(
			"2024-01-10T00:00:00.000Z#science-news#2024-01-test-article",
		);
	});

	it("carries the photo's caption and credit only when images are permitted", () => {
		const [row] = feedEntriesFor(makeArticle());
		expect(row?.item.image).toMatchObject({ caption: "A photo", credit: "The Science News Ltd." });
		const [none] = feedEntriesFor(
			makeArticle({ permission: { ...makeArticle().permission, imagesAllowed: false } }),
		);
		expect(none?.item.image).toBeUndefined();
	});
});

describe("targets follow the rows that change", () => {
	const agreement = makeAgreement();
	const first = planArticleChange({
		current: undefined,
		change: { kind: "upload", next: makeArticle(), by: "p", reason: "bundle" },
		agreement,
		now: NOW,
	}).next;
	const ids = (plan: { targets: Target[] }) => plan.targets.map(targetId).sort();

	it("a second version re-renders its feeds, Recent Updates, Most Viewed, the front and home pages", () => {
		const plan = planArticleChange({
			current: first,
			change: {
				kind: "upload",
				next: makeArticle({ version: 2, headline: "v2", versionCreated: "2024-02-01T00:00:00Z" }),
				by: "p",
				reason: "bundle",
			},
			agreement,
			now: NOW,
		});
		expect(ids(plan)).toEqual(
			[
				"feed|en|latest",
				"feed|en|updated",
				// It has no rows, but shows the article by their item.
				"feed|en|most-viewed",
				"feed|en|partners/science-news",
				"feed|en|subjects/energy",
				"feed|en|subjects/policy",
				"front|en",
				"home",
				"page|en|science-news|2024-01-test-article",
			].sort(),
		);
	});

	it("a new subject on a new version adds that feed; a dropped one deletes its row", () => {
		const plan = planArticleChange({
			current: first,
			change: {
				kind: "upload",
				next: makeArticle({ subjects: ["energy", "transport"] }),
				by: "p",
				reason: "bundle",
			},
			agreement,
			now: NOW,
		});
		expect(plan.feedPuts.map((row) => row.feedKey)).toContain("en/subjects/transport");
		expect(plan.feedDeletes.map((row) => row.feedKey)).toEqual(["en/subjects/policy"]);
		expect(ids(plan)).toContain("feed|en|subjects/transport");
		expect(ids(plan)).toContain("feed|en|subjects/policy");
	});

	it("a takedown re-renders Most Viewed too, which has no rows", () => {
		const plan = planArticleChange({
			current: first,
			change: { kind: "withdraw", by: "ops", reason: "order" },
			agreement,
			now: NOW,
		});
		expect(ids(plan)).toContain("feed|en|most-viewed");
		expect(ids(plan)).toContain("front|en");
	});

	it("never asks for the OPML: the publisher does when a feed is first listed", () => {
		const plan = planArticleChange({
			current: undefined,
			change: { kind: "upload", next: makeArticle(), by: "p", reason: "bundle" },
			agreement,
			now: NOW,
		});
		expect(ids(plan)).not.toContain("opml");
	});
});
