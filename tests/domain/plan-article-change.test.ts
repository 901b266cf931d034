import { describe, expect, it } from "vitest";
import type { Agreement } from "#shared/domain/agreement.ts";
import type { Article } from "#shared/domain/article.ts";
import type { KillReason } from "#shared/domain/feeds/kill-notices.ts";
import {
	type ArticleChange,
	ArticleChangeError,
	type ArticlePlan,
	type FeedPosition,
	planArticleChange,
} from "#shared/domain/plan-article-change.ts";
import { targetId } from "#shared/domain/targets.ts";
import { makeAgreement } from "../helpers/agreements.ts";
import { makeArticle } from "../helpers/articles.ts";

// When the stored articles of a test were first uploaded, and when the change under test runs.
const EARLIER = new Date("2026-05-01T00:00:00.000Z");
const NOW = new Date("2026-06-01T00:00:00.000Z");

const FEED_KEY = "en/latest";
const SORT_KEY = "2024-01-10T00:00:00.000Z#science-news#2024-01-test-article";
const ROW = { feedKey: FEED_KEY, sortKey: SORT_KEY };
// The article is in its language's Latest News, its partner's feed and one per subject.
const ROWS = [
	"en/latest",
	"en/partners/science-news",
	"en/subjects/energy",
	"en/subjects/policy",
].map((feedKey) => ({ feedKey, sortKey: SORT_KEY }));
const ITEM = "urn:syndicate:article:science-news:2024-01-test-article:en";
// ROWS deleted with the kill notice each feed keeps (docs/feeds.md, "Kill notices").
const killed = (reason: KillReason, when = NOW) =>
	ROWS.map((row) => ({ ...row, kill: { id: ITEM, when: when.toISOString(), reason } }));
// A second version is in Recent Updates too, by its versionCreated.
const V2_ROWS = [
	ROW,
	{ feedKey: "en/updated", sortKey: "2024-01-11T00:00:00.000Z#science-news#2024-01-test-article" },
	...ROWS.slice(1),
];
const PAGE = "page|en|science-news|2024-01-test-article";
const FEED_TARGETS = [
	"feed|en|latest",
	"feed|en|partners/science-news",
	"feed|en|subjects/energy",
	"feed|en|subjects/policy",
];
const ALL_TARGETS = [...FEED_TARGETS, "front|en", "home", PAGE].sort();
// A stored article whose rows change (taken down, public again, a new item) changes Most
// Viewed too, which has no rows of its own but lists it by their item. A first upload has had
// no views, so its targets are ALL_TARGETS.
const RANKED_TARGETS = [...ALL_TARGETS, "feed|en|most-viewed"].sort();
const V2_TARGETS = [...RANKED_TARGETS, "feed|en|updated"].sort();
// An article that becomes public or stops being so changes what its translations link, and
// the sitemap.
const cameOrWent = (targets: readonly string[]) =>
	[...targets, "sitemap", "translations|en|science-news|2024-01-test-article"].sort();
const positionOf = (row: FeedPosition) => ({ feedKey: row.feedKey, sortKey: row.sortKey });
const ATTRIBUTION =
	"This article has been translated by JST with permission from The Science News Ltd. Unauthorized reproduction of the article and photographs is prohibited.";
const IMAGE = {
	path: "/media/en/science-news/2024-01-test-article/images/photo.png",
	contentType: "image/png",
	bytes: 68,
	alt: "Two people",
};

function upload(overrides: Partial<Article> = {}): ArticleChange {
	return { kind: "upload", next: makeArticle(overrides), by: "science-news", reason: "bundle" };
}

function reevaluate(): ArticleChange {
	return { kind: "reevaluate", by: "scheduler", reason: "agreement or clock changed" };
}

function withdraw(): ArticleChange {
	return { kind: "withdraw", by: "ops@example.com", reason: "legal order 42" };
}

function restore(): ArticleChange {
	return { kind: "restore", by: "ops@example.com", reason: "order lifted" };
}

function plan(
	current: Article | undefined,
	change: ArticleChange,
	agreement: Agreement | undefined,
	now: Date = NOW,
): ArticlePlan {
	return planArticleChange({ current, change, agreement, now });
}

/** The stored article after a first upload, decided by the function under test itself. */
function stored(
	agreement: Agreement | undefined,
	overrides: Partial<Article> = {},
	now: Date = EARLIER,
): Article {
	return plan(undefined, upload(overrides), agreement, now).next;
}

const targetIds = (result: ArticlePlan) => result.targets.map(targetId).sort();

function expectNothingToDo(result: ArticlePlan) {
	expect(result.changed).toBe(false);
	expect(result.event).toBeUndefined();
	expect(result.feedPuts).toEqual([]);
	expect(result.feedDeletes).toEqual([]);
	expect(result.targets).toEqual([]);
}

describe("planArticleChange: first upload", () => {
	it("publishes under a covering agreement: row put, page, feed and home rendered", () => {
		const result = plan(undefined, upload(), makeAgreement());

		expect(result.next.status).toBe("published");
		expect(result.next.revision).toBe(1);
		expect(result.next).not.toHaveProperty("dueAt");
		expect(result.next).not.toHaveProperty("takedown");
		expect(result.next.permission).toEqual({
			agreementId: "sn-jst-2023",
			decision: "granted",
			reason: "covered by agreement sn-jst-2023",
			checkedAt: NOW.toISOString(),
			sha256: "0".repeat(64),
			attribution: ATTRIBUTION,
			holder: "The Science News Ltd.",
			imagesAllowed: true,
		});
		expect(result.feedPuts.map(positionOf)).toEqual(ROWS);
		expect(result.feedPuts[0]).toMatchObject({
			...ROW,
			item: {
				id: "urn:syndicate:article:science-news:2024-01-test-article:en",
				version: 1,
				headline: 'Tokyo & Osaka <agree> on "green" rules',
				attribution: ATTRIBUTION,
				path: "/en/articles/science-news/2024-01-test-article",
				image: IMAGE,
			},
		});
		expect(result.feedDeletes).toEqual([]);
		expect(targetIds(result)).toEqual(cameOrWent(ALL_TARGETS));
		expect(result.changed).toBe(true);
		expect(result.event).toEqual({
			at: NOW.toISOString(),
			action: "upload",
			by: "science-news",
			reason: "bundle",
			version: 1,
			status: "published",
			permission: result.next.permission,
		});
	});

	it.each([
		["no agreement", undefined, "pending", "agreement sn-jst-2023 does not exist"],
		[
			"another partner's agreement",
			makeAgreement({ partnerId: "other" }),
			"pending",
			"does not belong to partner science-news",
		],
		["a revoked agreement", makeAgreement({ status: "revoked" }), "revoked", "is revoked"],
		[
			"an agreement without the language",
			makeAgreement({ languages: ["zh"] }),
			"pending",
			"does not cover language en",
		],
		[
			"an agreement not yet valid",
			makeAgreement({ validFrom: "2027-01-01T00:00:00Z" }),
			"pending",
			"is valid from 2027-01-01T00:00:00Z",
		],
		[
			"an agreement that expired at this instant",
			makeAgreement({ validUntil: NOW.toISOString() }),
			"expired",
			"expired at",
		],
	] as const)(
		"keeps the article private under %s: no rows, no targets",
		(_, agreement, decision, reason) => {
			const result = plan(undefined, upload(), agreement);

			expect(result.next.status).toBe("pending-permission");
			expect(result.next.revision).toBe(1);
			expect(result.next.permission).toMatchObject({
				decision,
				checkedAt: NOW.toISOString(),
				imagesAllowed: false,
			});
			expect(result.next.permission.reason).toContain(reason);
			expect(result.next.permission.unblock).toEqual(expect.stringMatching(/\S/));
			expect(result.feedPuts).toEqual([]);
			expect(result.feedDeletes).toEqual([]);
			// Nothing was ever public, so there is nothing to render again.
			expect(result.targets).toEqual([]);
			expect(result.changed).toBe(true);
			expect(result.event).toMatchObject({
				action: "upload",
				version: 1,
				status: "pending-permission",
				permission: result.next.permission,
			});
		},
	);

	it("never credits another partner's agreement in the record", () => {
		const result = plan(undefined, upload(), makeAgreement({ partnerId: "other" }));
		expect(result.next.permission.agreementId).toBeNull();
	});

	it("is due when an agreement not yet valid starts", () => {
		const result = plan(undefined, upload(), makeAgreement({ validFrom: "2026-07-01T00:00:00Z" }));
		expect(result.next.status).toBe("pending-permission");
		expect(result.next.dueAt).toBe("2026-07-01T00:00:00.000Z");
	});

	it.each(["withheld", "canceled"] as const)(
		"withdraws a %s upload: nothing public",
		(pubStatus) => {
			const result = plan(undefined, upload({ pubStatus }), makeAgreement());

			expect(result.next.status).toBe("withdrawn");
			expect(result.next.permission.decision).toBe("granted");
			expect(result.feedPuts).toEqual([]);
			expect(result.feedDeletes).toEqual([]);
			expect(result.targets).toEqual([]);
			expect(result.event).toMatchObject({ action: "upload", status: "withdrawn" });
		},
	);

	it.each(["reevaluate", "withdraw", "restore"] as const)(
		"refuses to %s an article that is not stored",
		(kind) => {
			const change = { reevaluate, withdraw, restore }[kind]();
			expect(() => plan(undefined, change, makeAgreement())).toThrow(ArticleChangeError);
		},
	);
});

describe("planArticleChange: embargo", () => {
	const embargoUntil = "2026-06-02T09:00:00+09:00"; // 2026-06-02T00:00:00Z

	it("holds an upload under a future embargo, due at the embargo", () => {
		const result = plan(undefined, upload({ embargoUntil }), makeAgreement());

		expect(result.next.status).toBe("embargoed");
		expect(result.next.permission.decision).toBe("granted");
		expect(result.next.dueAt).toBe("2026-06-02T00:00:00.000Z");
		expect(result.feedPuts).toEqual([]);
		expect(result.targets).toEqual([]);
		expect(result.event).toMatchObject({ action: "upload", status: "embargoed" });
	});

	it("changes nothing just before the embargo ends", () => {
		const current = stored(makeAgreement(), { embargoUntil });
		const result = plan(
			current,
			reevaluate(),
			makeAgreement(),
			new Date("2026-06-01T23:59:59.999Z"),
		);
		expect(result.next.status).toBe("embargoed");
		expectNothingToDo(result);
	});

	it.each([
		["at", "2026-06-02T00:00:00.000Z"],
		["after", "2026-06-03T12:00:00.000Z"],
	])("publishes %s the embargo instant, and is no longer due", (_, instant) => {
		const current = stored(makeAgreement(), { embargoUntil });
		const result = plan(current, reevaluate(), makeAgreement(), new Date(instant));

		expect(result.next.status).toBe("published");
		expect(result.next).not.toHaveProperty("dueAt");
		expect(result.next.revision).toBe(current.revision + 1);
		expect(result.feedPuts.map(positionOf)).toEqual(ROWS);
		expect(result.feedPuts[0]).toMatchObject(ROW);
		expect(result.feedDeletes).toEqual([]);
		expect(targetIds(result)).toEqual(cameOrWent(RANKED_TARGETS));
		expect(result.changed).toBe(true);
		expect(result.event).toMatchObject({ at: instant, action: "reevaluate", status: "published" });
	});
});

describe("planArticleChange: dueAt", () => {
	it.each([
		[
			"the embargo before the window closes",
			{ embargoUntil: "2026-06-03T00:00:00Z" },
			{ validUntil: "2026-06-05T00:00:00Z" },
			"2026-06-03T00:00:00.000Z",
		],
		[
			"the window closing before the embargo",
			{ embargoUntil: "2026-06-10T00:00:00Z" },
			{ validUntil: "2026-06-05T00:00:00Z" },
			"2026-06-05T00:00:00.000Z",
		],
		[
			"the window opening before the embargo and the close",
			{ embargoUntil: "2026-06-25T00:00:00Z" },
			{ validFrom: "2026-06-20T00:00:00Z", validUntil: "2026-07-01T00:00:00Z" },
			"2026-06-20T00:00:00.000Z",
		],
		[
			"a past embargo, only the close ahead",
			{ embargoUntil: "2026-05-01T00:00:00Z" },
			{ validUntil: "2026-08-01T00:00:00Z" },
			"2026-08-01T00:00:00.000Z",
		],
	])("is the earliest future instant: %s", (_, article, agreement, dueAt) => {
		const result = plan(undefined, upload(article), makeAgreement(agreement));
		expect(result.next.dueAt).toBe(dueAt);
	});

	it.each([
		["an open window and no embargo", {}, {}],
		["a past embargo and an open window", { embargoUntil: "2026-05-01T00:00:00Z" }, {}],
		[
			"a window already closed",
			{},
			{ validFrom: "2025-01-01T00:00:00Z", validUntil: "2026-01-01T00:00:00Z" },
		],
	])("is absent with %s", (_, article, agreement) => {
		const result = plan(undefined, upload(article), makeAgreement(agreement));
		expect(result.next).not.toHaveProperty("dueAt");
	});

	it("is dropped from the stored article once it has passed", () => {
		const current = stored(makeAgreement({ validFrom: "2026-05-15T00:00:00Z" }));
		expect(current.dueAt).toBe("2026-05-15T00:00:00.000Z");

		const result = plan(
			current,
			reevaluate(),
			makeAgreement({ validFrom: "2026-05-15T00:00:00Z" }),
		);
		expect(result.next).not.toHaveProperty("dueAt");
	});
	it("moves dueAt alone when the window is extended: changed, but no event and no targets", () => {
		const current = stored(makeAgreement({ validUntil: "2026-07-01T00:00:00Z" }));
		const result = plan(
			current,
			reevaluate(),
			makeAgreement({ validUntil: "2026-08-01T00:00:00Z" }),
		);

		expect(result.next.status).toBe("published");
		expect(result.next.dueAt).toBe("2026-08-01T00:00:00.000Z");
		expect(result.next.permission).toBe(current.permission);
		expect(result.changed).toBe(true);
		expect(result.event).toBeUndefined();
		expect(result.feedPuts).toEqual([]);
		expect(result.feedDeletes).toEqual([]);
		expect(result.targets).toEqual([]);
	});
});

describe("planArticleChange: re-evaluate", () => {
	it("publishes a pending article once its agreement is granted, without a new upload", () => {
		const current = stored(undefined);
		expect(current.status).toBe("pending-permission");

		const result = plan(current, reevaluate(), makeAgreement());

		expect(result.next.status).toBe("published");
		expect(result.next.version).toBe(1);
		expect(result.next.revision).toBe(current.revision + 1);
		expect(result.next.permission).toMatchObject({
			decision: "granted",
			agreementId: "sn-jst-2023",
			checkedAt: NOW.toISOString(),
			imagesAllowed: true,
		});
		expect(result.next.permission).not.toHaveProperty("unblock");
		expect(result.feedPuts.map(positionOf)).toEqual(ROWS);
		expect(result.feedPuts[0]).toMatchObject({ ...ROW, item: { version: 1, image: IMAGE } });
		expect(result.feedDeletes).toEqual([]);
		expect(targetIds(result)).toEqual(cameOrWent(RANKED_TARGETS));
		expect(result.changed).toBe(true);
		expect(result.event).toEqual({
			at: NOW.toISOString(),
			action: "reevaluate",
			by: "scheduler",
			reason: "agreement or clock changed",
			version: 1,
			status: "published",
			permission: result.next.permission,
		});
	});

	it("drops the photo from the feed item when the agreement no longer covers images", () => {
		const current = stored(makeAgreement());
		const result = plan(current, reevaluate(), makeAgreement({ scope: ["text"] }));

		expect(result.next.status).toBe("published");
		expect(result.next.permission).toMatchObject({ decision: "granted", imagesAllowed: false });
		expect(result.feedPuts.map(positionOf)).toEqual(ROWS);
		expect(result.feedPuts[0]).toMatchObject(ROW);
		expect(result.feedPuts[0]?.item).not.toHaveProperty("image");
		expect(result.feedDeletes).toEqual([]);
		expect(targetIds(result)).toEqual(RANKED_TARGETS);
		expect(result.changed).toBe(true);
		expect(result.event).toMatchObject({ action: "reevaluate", status: "published" });
	});

	it("takes a published article out of every page and feed when its agreement is revoked", () => {
		const current = stored(makeAgreement());
		const result = plan(current, reevaluate(), makeAgreement({ status: "revoked" }));

		expect(result.next.status).toBe("pending-permission");
		expect(result.next.permission).toMatchObject({
			decision: "revoked",
			agreementId: "sn-jst-2023",
			reason: "agreement sn-jst-2023 is revoked",
			checkedAt: NOW.toISOString(),
			imagesAllowed: false,
		});
		expect(result.next.permission.unblock).toEqual(expect.stringMatching(/\S/));
		expect(result.feedPuts).toEqual([]);
		expect(result.feedDeletes).toEqual(killed("permission revoked"));
		expect(targetIds(result)).toEqual(cameOrWent(RANKED_TARGETS));
		expect(result.changed).toBe(true);
		expect(result.event).toMatchObject({
			action: "reevaluate",
			status: "pending-permission",
			permission: { decision: "revoked" },
		});
	});

	it("takes an article down when the clock reaches the agreement's validUntil", () => {
		const agreement = makeAgreement({ validUntil: "2026-07-01T00:00:00Z" });
		const current = stored(agreement);
		expect(current.status).toBe("published");
		expect(current.dueAt).toBe("2026-07-01T00:00:00.000Z");

		const result = plan(current, reevaluate(), agreement, new Date("2026-07-01T00:00:00.000Z"));

		expect(result.next.status).toBe("pending-permission");
		expect(result.next.permission.decision).toBe("expired");
		expect(result.next.permission.unblock).toEqual(expect.stringMatching(/\S/));
		expect(result.next).not.toHaveProperty("dueAt");
		expect(result.feedPuts).toEqual([]);
		expect(result.feedDeletes).toEqual(
			killed("permission expired", new Date("2026-07-01T00:00:00.000Z")),
		);
		expect(targetIds(result)).toEqual(cameOrWent(RANKED_TARGETS));
		expect(result.event).toMatchObject({ action: "reevaluate", status: "pending-permission" });
	});

	it("publishes an article by itself when the agreement's validFrom is reached", () => {
		const agreement = makeAgreement({ validFrom: "2026-07-01T00:00:00Z" });
		const current = stored(agreement, {}, NOW);
		expect(current.status).toBe("pending-permission");
		expect(current.dueAt).toBe("2026-07-01T00:00:00.000Z");

		const result = plan(current, reevaluate(), agreement, new Date("2026-07-01T00:00:00.000Z"));

		expect(result.next.status).toBe("published");
		expect(result.next.permission.decision).toBe("granted");
		expect(result.next).not.toHaveProperty("dueAt");
		expect(result.feedPuts.map(positionOf)).toEqual(ROWS);
		expect(result.feedPuts[0]).toMatchObject(ROW);
		expect(targetIds(result)).toEqual(cameOrWent(RANKED_TARGETS));
		expect(result.event).toMatchObject({ action: "reevaluate", status: "published" });
	});

	it("re-puts the row when an amended agreement changes the attribution", () => {
		const current = stored(makeAgreement());
		const result = plan(current, reevaluate(), makeAgreement({ notice: "All rights reserved." }));

		expect(result.feedPuts.map(positionOf)).toEqual(ROWS);
		expect(result.feedPuts[0]?.item.attribution).toBe(
			"This article has been translated by JST with permission from The Science News Ltd. All rights reserved.",
		);
		expect(targetIds(result)).toEqual(RANKED_TARGETS);
	});
});

describe("planArticleChange: idempotence", () => {
	it("changes nothing on a second re-evaluation with the same inputs", () => {
		const current = stored(undefined);
		const first = plan(current, reevaluate(), makeAgreement());
		const second = plan(first.next, reevaluate(), makeAgreement());

		expect(second.next.status).toBe("published");
		expect(second.next.permission).toEqual(first.next.permission);
		expectNothingToDo(second);
	});

	it("keeps the first permission record, checkedAt included, when re-checked later", () => {
		const current = stored(undefined);
		const first = plan(current, reevaluate(), makeAgreement());
		const second = plan(
			first.next,
			reevaluate(),
			makeAgreement(),
			new Date("2026-06-15T00:00:00Z"),
		);

		expect(second.next.permission).toBe(first.next.permission);
		expect(second.next.permission.checkedAt).toBe(NOW.toISOString());
		expectNothingToDo(second);
	});

	it("changes nothing when a revoked article is re-checked under the still revoked agreement", () => {
		const revoked = makeAgreement({ status: "revoked" });
		const first = plan(stored(makeAgreement()), reevaluate(), revoked);
		const second = plan(first.next, reevaluate(), revoked, new Date("2026-06-15T00:00:00Z"));

		expect(second.next.status).toBe("pending-permission");
		expect(second.next.permission).toBe(first.next.permission);
		expectNothingToDo(second);
	});
});

describe("planArticleChange: new version", () => {
	it("re-puts the feed row and renders the page of a public article", () => {
		const current = stored(makeAgreement());
		const result = plan(
			current,
			upload({
				version: 2,
				headline: "Corrected headline",
				versionCreated: "2024-01-11T09:00:00+09:00",
				sha256: "1".repeat(64),
			}),
			makeAgreement(),
		);

		expect(result.next.status).toBe("published");
		expect(result.next.version).toBe(2);
		expect(result.next.revision).toBe(current.revision + 1);
		expect(result.next.permission).toMatchObject({
			sha256: "1".repeat(64),
			checkedAt: NOW.toISOString(),
		});
		expect(result.feedPuts.map(positionOf)).toEqual(V2_ROWS);
		expect(result.feedPuts[0]).toMatchObject({
			...ROW,
			item: {
				version: 2,
				headline: "Corrected headline",
				versionCreated: "2024-01-11T00:00:00.000Z",
			},
		});
		expect(result.feedDeletes).toEqual([]);
		expect(targetIds(result)).toEqual(V2_TARGETS);
		expect(result.changed).toBe(true);
		expect(result.event).toMatchObject({ action: "upload", version: 2, status: "published" });
	});

	it("a new version without a subject leaves that subject's feed with a kill notice", () => {
		const current = stored(makeAgreement());
		const result = plan(current, upload({ version: 2, subjects: ["energy"] }), makeAgreement());

		expect(result.next.status).toBe("published");
		expect(result.feedDeletes).toEqual([
			{
				feedKey: "en/subjects/policy",
				sortKey: SORT_KEY,
				kill: { id: ITEM, when: NOW.toISOString(), reason: "removed from this feed" },
			},
		]);
	});

	it("moves the row when a new version corrects firstCreated: new row put, old row deleted", () => {
		const current = stored(makeAgreement());
		const result = plan(
			current,
			upload({ version: 2, firstCreated: "2024-01-09T09:00:00+09:00" }),
			makeAgreement(),
		);

		const moved = "2024-01-09T00:00:00.000Z#science-news#2024-01-test-article";
		// Every row sorted by firstCreated moves; the new Recent Updates row is by versionCreated.
		expect(result.feedPuts.map((row) => row.sortKey)).toEqual([
			moved,
			SORT_KEY,
			moved,
			moved,
			moved,
		]);
		expect(result.feedDeletes).toEqual(ROWS);
		expect(targetIds(result)).toEqual(V2_TARGETS);
	});

	it("takes a public article off the site when a new version is under a future embargo", () => {
		const current = stored(makeAgreement());
		const result = plan(
			current,
			upload({ version: 2, embargoUntil: "2026-06-10T00:00:00Z" }),
			makeAgreement(),
		);

		expect(result.next.status).toBe("embargoed");
		expect(result.next.dueAt).toBe("2026-06-10T00:00:00.000Z");
		expect(result.feedPuts).toEqual([]);
		expect(result.feedDeletes).toEqual(killed("embargoed"));
		expect(targetIds(result)).toEqual(cameOrWent(RANKED_TARGETS));
	});

	it.each(["withheld", "canceled"] as const)(
		"takes a public article down with a %s version",
		(pubStatus) => {
			const current = stored(makeAgreement());
			const result = plan(current, upload({ version: 2, pubStatus }), makeAgreement());

			expect(result.next.status).toBe("withdrawn");
			expect(result.feedPuts).toEqual([]);
			expect(result.feedDeletes).toEqual(
				killed(pubStatus === "canceled" ? "canceled by the partner" : "withheld by the partner"),
			);
			expect(targetIds(result)).toEqual(cameOrWent(RANKED_TARGETS));
			expect(result.event).toMatchObject({ action: "upload", version: 2, status: "withdrawn" });
		},
	);
});

describe("planArticleChange: withdraw and restore", () => {
	it("withdraws a public article: takedown recorded, row deleted, everything rendered again", () => {
		const current = stored(makeAgreement());
		const result = plan(current, withdraw(), makeAgreement());

		expect(result.next.status).toBe("withdrawn");
		expect(result.next.takedown).toEqual({
			at: NOW.toISOString(),
			by: "ops@example.com",
			reason: "legal order 42",
		});
		// The permission itself did not change, so its record is kept as evidence.
		expect(result.next.permission).toBe(current.permission);
		expect(result.next.revision).toBe(current.revision + 1);
		expect(result.feedPuts).toEqual([]);
		expect(result.feedDeletes).toEqual(killed("withdrawn"));
		expect(targetIds(result)).toEqual(cameOrWent(RANKED_TARGETS));
		expect(result.changed).toBe(true);
		expect(result.event).toEqual({
			at: NOW.toISOString(),
			action: "withdraw",
			by: "ops@example.com",
			reason: "legal order 42",
			version: 1,
			status: "withdrawn",
			permission: current.permission,
		});
	});

	it("keeps a taken-down article withdrawn when a new version is uploaded", () => {
		const takenDown = plan(stored(makeAgreement()), withdraw(), makeAgreement()).next;
		const result = plan(
			takenDown,
			upload({ version: 2, headline: "New version" }),
			makeAgreement(),
			new Date("2026-06-02T00:00:00Z"),
		);

		expect(result.next.status).toBe("withdrawn");
		expect(result.next.version).toBe(2);
		expect(result.next.takedown).toEqual(takenDown.takedown);
		expect(result.feedPuts).toEqual([]);
		expect(result.feedDeletes).toEqual([]);
		expect(result.targets).toEqual([]);
		expect(result.changed).toBe(true);
		expect(result.event).toMatchObject({ action: "upload", version: 2, status: "withdrawn" });
	});

	it("restores a taken-down article to published", () => {
		const takenDown = plan(stored(makeAgreement()), withdraw(), makeAgreement()).next;
		const result = plan(takenDown, restore(), makeAgreement(), new Date("2026-06-02T00:00:00Z"));

		expect(result.next.status).toBe("published");
		expect(result.next).not.toHaveProperty("takedown");
		expect(result.next.revision).toBe(takenDown.revision + 1);
		expect(result.feedPuts.map(positionOf)).toEqual(ROWS);
		expect(result.feedPuts[0]).toMatchObject({ ...ROW, item: { version: 1, image: IMAGE } });
		expect(result.feedDeletes).toEqual([]);
		expect(targetIds(result)).toEqual(cameOrWent(RANKED_TARGETS));
		expect(result.changed).toBe(true);
		expect(result.event).toMatchObject({
			at: "2026-06-02T00:00:00.000Z",
			action: "restore",
			by: "ops@example.com",
			reason: "order lifted",
			status: "published",
		});
	});

	it("restores the version uploaded during the takedown", () => {
		const takenDown = plan(stored(makeAgreement()), withdraw(), makeAgreement()).next;
		const updated = plan(takenDown, upload({ version: 2 }), makeAgreement()).next;
		const result = plan(updated, restore(), makeAgreement());

		expect(result.next.status).toBe("published");
		expect(result.feedPuts[0]?.item.version).toBe(2);
		expect(result.event).toMatchObject({ action: "restore", version: 2 });
	});

	it("keeps a restored article private when its permission does not stand", () => {
		const takenDown = plan(stored(makeAgreement()), withdraw(), makeAgreement()).next;
		const result = plan(takenDown, restore(), makeAgreement({ status: "revoked" }));

		expect(result.next.status).toBe("pending-permission");
		expect(result.next).not.toHaveProperty("takedown");
		expect(result.feedPuts).toEqual([]);
		expect(result.feedDeletes).toEqual([]);
		expect(result.targets).toEqual([]);
	});
});

describe("planArticleChange: an article that stays private", () => {
	it("renders nothing when a pending article gets a new version still without an agreement", () => {
		const current = stored(undefined);
		const result = plan(current, upload({ version: 2 }), undefined);

		expect(result.next.status).toBe("pending-permission");
		expect(result.feedPuts).toEqual([]);
		expect(result.feedDeletes).toEqual([]);
		expect(result.targets).toEqual([]);
		expect(result.changed).toBe(true);
		expect(result.event).toMatchObject({ action: "upload", version: 2 });
	});

	it("renders nothing when an embargoed article loses its agreement", () => {
		const current = stored(makeAgreement(), { embargoUntil: "2026-12-01T00:00:00Z" });
		expect(current.status).toBe("embargoed");

		const result = plan(current, reevaluate(), makeAgreement({ status: "revoked" }));

		expect(result.next.status).toBe("pending-permission");
		expect(result.targets).toEqual([]);
		expect(result.feedPuts).toEqual([]);
		expect(result.feedDeletes).toEqual([]);
		expect(result.changed).toBe(true);
		expect(result.event).toMatchObject({ status: "pending-permission" });
	});

	it("renders nothing when a pending article is withdrawn", () => {
		const result = plan(stored(undefined), withdraw(), undefined);

		expect(result.next.status).toBe("withdrawn");
		expect(result.next.takedown?.by).toBe("ops@example.com");
		expect(result.targets).toEqual([]);
		expect(result.feedDeletes).toEqual([]);
		expect(result.event).toMatchObject({ action: "withdraw", status: "withdrawn" });
	});
});
