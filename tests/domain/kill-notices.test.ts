import { XMLParser, XMLValidator } from "fast-xml-parser";
import { describe, expect, it } from "vitest";
import type { Article } from "#shared/domain/article.ts";
import {
	FEED_KILL_NOTICES,
	type FeedKill,
	type FeedTombstone,
	feedKillNotices,
	KILL_NOTICE_MS,
	killReasonOf,
	liveKillNotices,
} from "#shared/domain/feeds/kill-notices.ts";
import { renderAtom } from "#shared/domain/render/render-atom.ts";
import { renderJsonFeed } from "#shared/domain/render/render-json-feed.ts";
import { renderRss } from "#shared/domain/render/render-rss.ts";
import { makeArticle } from "../helpers/articles.ts";
import { documentWithKills, KILLS, KILLS_SITE, TOMBSTONES_NS } from "../helpers/tombstones.ts";

const xml = new XMLParser({
	htmlEntities: true,
	ignoreAttributes: false,
	attributeNamePrefix: "@",
	isArray: (name) => ["entry", "at:deleted-entry"].includes(name),
});

describe("kill notices in the feed writers", () => {
	it("Atom: an RFC 6721 at:deleted-entry per notice, with ref, when, by and the reason class", () => {
		const atom = renderAtom(documentWithKills(KILLS));
		expect(XMLValidator.validate(atom)).toBe(true);
		const feed = xml.parse(atom).feed;
		expect(feed["@xmlns:at"]).toBe(TOMBSTONES_NS);
		const deleted = feed["at:deleted-entry"];
		expect(deleted).toHaveLength(2);
		expect(deleted[0]).toMatchObject({
			"@ref": KILLS[0]?.id,
			"@when": KILLS[0]?.when,
			"at:by": { name: "Syndicate", uri: `${KILLS_SITE}/en/` },
			"at:comment": { "#text": "permission revoked", "@xml:lang": "en" },
		});
		// Escaped in the attribute, read back as it was.
		expect(deleted[1]["@ref"]).toBe(KILLS[1]?.id);
		// The notice is a change of the feed: `updated` is its instant when it is the newest.
		expect(feed.updated).toBe(KILLS[0]?.when);
		// The item still in the feed stays an entry.
		expect(feed.entry).toHaveLength(1);
	});

	it("Atom without notices declares no tombstone namespace", () => {
		const atom = renderAtom(documentWithKills([]));
		expect(atom).not.toContain(TOMBSTONES_NS);
		expect(atom).not.toContain("deleted-entry");
	});

	it("JSON Feed: a top-level _syndicate.deleted list of id, when and reason", () => {
		const json = JSON.parse(renderJsonFeed(documentWithKills(KILLS)));
		expect(json._syndicate).toEqual({ deleted: KILLS });
		expect(json.items).toHaveLength(1);
		expect(JSON.parse(renderJsonFeed(documentWithKills([])))).not.toHaveProperty("_syndicate");
	});

	it("RSS has no kill notices: the item just leaves", () => {
		const rss = renderRss(documentWithKills(KILLS));
		expect(rss).not.toContain("science-news:gone");
		expect(rss).not.toContain("deleted");
	});
});

describe("kill notices: reason classes and the 30 days", () => {
	const published = makeArticle();
	const reasonOf = (overrides: Partial<Article>) => killReasonOf({ ...published, ...overrides });

	it("names the class, never the private reason", () => {
		expect(reasonOf({ takedown: { at: "x", by: "ops", reason: "legal order 42" } })).toBe(
			"withdrawn",
		);
		expect(reasonOf({ pubStatus: "canceled", status: "withdrawn" })).toBe(
			"canceled by the partner",
		);
		expect(reasonOf({ pubStatus: "withheld", status: "withdrawn" })).toBe(
			"withheld by the partner",
		);
		const permission = (decision: Article["permission"]["decision"]) => ({
			permission: { ...published.permission, decision },
			status: "pending-permission" as const,
		});
		expect(reasonOf(permission("revoked"))).toBe("permission revoked");
		expect(reasonOf(permission("expired"))).toBe("permission expired");
		expect(reasonOf(permission("pending"))).toBe("permission narrowed");
		expect(reasonOf({ status: "embargoed" })).toBe("embargoed");
		expect(reasonOf({})).toBe("removed from this feed");
	});

	it("shows notices younger than 30 days, newest first", () => {
		const now = new Date("2026-07-01T00:00:00.000Z");
		const at = (ms: number) => new Date(now.getTime() - ms).toISOString();
		const kill = (id: string, when: string): FeedKill => ({ id, when, reason: "withdrawn" });
		const notices = [
			kill("old", at(KILL_NOTICE_MS)),
			kill("young", at(KILL_NOTICE_MS - 1)),
			kill("new", at(0)),
		];
		expect(liveKillNotices(notices, now).map(({ id }) => id)).toEqual(["new", "young"]);
	});
});

describe("kill notices: the feed document's share", () => {
	const at = (minute: number) => new Date(Date.UTC(2026, 2, 1, 0, minute)).toISOString();
	// Row i of a feed: on archive page ⌊i / 50⌋, placed by its minute.
	const row = (i: number, when: string): FeedTombstone => ({
		id: `urn:x:${String(i).padStart(3, "0")}`,
		when,
		reason: "permission revoked",
		page: Math.floor(i / 50),
		sortKey: `${at(i)}#p#${i}`,
	});
	const ids = (notices: readonly FeedTombstone[]) => notices.map(({ id }) => id);

	it("carries every notice while they are few", () => {
		const few = Array.from({ length: FEED_KILL_NOTICES }, (_, i) => row(i, at(100)));
		expect(feedKillNotices(few, 0)).toEqual(few);
	});

	it("of one revoke, carries the rows it listed first; the rest are in their archive pages", () => {
		const revoke = Array.from({ length: 300 }, (_, i) => row(i, at(400)));
		const carried = feedKillNotices(revoke, 6);
		expect(carried).toHaveLength(FEED_KILL_NOTICES);
		expect(new Set(ids(carried))).toEqual(new Set(ids(revoke.slice(-FEED_KILL_NOTICES))));
	});

	it("carries the newest first, and any notice no archive document carries", () => {
		const older = Array.from({ length: 60 }, (_, i) => row(i, at(i + 100)));
		const unpaged = { ...row(1, at(1)), id: "urn:x:unpaged", page: undefined };
		const past = { ...row(2, at(2)), id: "urn:x:past", page: 9 };
		const live = [...older].reverse().concat([past, unpaged]);
		expect(ids(feedKillNotices(live, 2))).toEqual([
			...ids(older.slice(-FEED_KILL_NOTICES).reverse()),
			"urn:x:past",
			"urn:x:unpaged",
		]);
	});
});
