import { XMLParser } from "fast-xml-parser";
import { expect } from "vitest";
import type { FeedKill } from "#shared/domain/feeds/kill-notices.ts";
import { buildFeedDocument } from "#shared/domain/render/feed-document.ts";
import { feedEntriesFor } from "#shared/domain/targets.ts";
import { makeArticle } from "./articles.ts";

export const TOMBSTONES_NS = "http://purl.org/atompub/tombstones/1.0";

export const KILLS_SITE = "https://news.example.org";

/** Two kill notices, newest first; the second's id needs escaping in XML. */
export const KILLS: FeedKill[] = [
	{
		id: "urn:syndicate:article:science-news:gone:en",
		when: "2026-06-02T10:00:00.000Z",
		reason: "permission revoked",
	},
	{
		id: "urn:syndicate:article:science-news:a<b&c:en",
		when: "2026-06-01T09:00:00.000Z",
		reason: "withdrawn",
	},
];

/** Latest News with one article still in it and the given notices of others that left. */
export function documentWithKills(deleted: readonly FeedKill[]) {
	const [row] = feedEntriesFor(makeArticle());
	if (!row) throw new Error("a published article has a Latest News row");
	return buildFeedDocument({
		siteUrl: KILLS_SITE,
		language: "en",
		feed: "latest",
		items: [row.item],
		deleted,
	});
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

const parser = new XMLParser({
	ignoreAttributes: false,
	attributeNamePrefix: "@",
	isArray: (_name, _path, _leaf, attribute) => !attribute,
});

type Node = Record<string, unknown>;

/**
 * Checks an Atom document's RFC 6721 tombstones the way a reader that resolves namespaces
 * would see them: every `deleted-entry` under a prefix bound to the tombstones namespace, with
 * an absolute IRI `ref` and an RFC 3339 `when`, naming no entry the same document still has.
 * Returns the refs, in document order.
 */
export function wellFormedTombstones(atom: string, what: string): string[] {
	const [feed] = (parser.parse(atom).feed ?? []) as Node[];
	if (!feed) throw new Error(`${what}: not an Atom feed`);
	const prefixes = Object.keys(feed)
		.filter((key) => key.startsWith("@xmlns:") && feed[key] === TOMBSTONES_NS)
		.map((key) => key.slice("@xmlns:".length));
	const elements = Object.keys(feed).filter((key) => /(^|:)deleted-entry$/.test(key));
	for (const element of elements) {
		expect(prefixes, `${what}: ${element} outside the tombstones namespace`).toContain(
			element.split(":")[0],
		);
	}
	const tombstones = elements.flatMap((element) => feed[element] as Node[]);
	const entryIds = new Set(
		((feed.entry ?? []) as Node[]).map((entry) => String((entry.id as unknown[])[0])),
	);
	return tombstones.map((tombstone) => {
		const ref = String(tombstone["@ref"] ?? "");
		const when = String(tombstone["@when"] ?? "");
		expect(URL.canParse(ref), `${what}: ref ${JSON.stringify(ref)} is an absolute IRI`).toBe(true);
		expect(when, `${what}: when of ${ref}`).toMatch(RFC3339);
		expect(Number.isNaN(Date.parse(when)), `${what}: when of ${ref} is a date`).toBe(false);
		expect(entryIds.has(ref), `${what}: ${ref} both an entry and a tombstone`).toBe(false);
		return ref;
	});
}
