import { XMLValidator } from "fast-xml-parser";
import { describe, expect, it } from "vitest";
import { buildFeedDocument, type FeedDocument } from "#shared/domain/render/feed-document.ts";
import {
	FEED_DOCUMENT_MAX_BYTES,
	feedBody,
	fitFeedDocument,
} from "#shared/domain/render/feed-full-text.ts";
import { FEED_RENDERERS } from "#shared/domain/render/render-feed.ts";
import { type FeedItem, feedEntriesFor } from "#shared/domain/targets.ts";
import { makeArticle } from "../helpers/articles.ts";

const SITE = "https://news.example.org";

/** The Latest News item of article `n` (newer for a larger `n`), allowed its full text. */
function fullTextItem(n: number): FeedItem & { fullText: NonNullable<FeedItem["fullText"]> } {
	const at = new Date(Date.parse("2024-01-01T00:00:00Z") + n * 60_000).toISOString();
	const article = makeArticle({ articleId: `a${n}`, firstCreated: at, versionCreated: at });
	const [row] = feedEntriesFor({
		...article,
		permission: { ...article.permission, fullTextAllowed: true },
	});
	const fullText = row?.item.fullText;
	if (!row || !fullText) throw new Error("a full-text article has a Latest News row with its body");
	return { ...row.item, fullText };
}

// About 30 KB of text, with markup characters every format escapes (and grows) differently.
const LARGE = `<p>${'Tokyo &amp; Osaka &lt;agree&gt; on "green" rules, ]]&gt; and all. '.repeat(450)}</p>`;

/** A feed (or archive) document of `count` items, each with a large body. */
function largeDocument(count: number, page?: { index: number; count: number }): FeedDocument {
	const items = Array.from({ length: count }, (_, i) => fullTextItem(count - i));
	const doc = buildFeedDocument({
		siteUrl: SITE,
		language: "en",
		feed: "latest",
		items,
		...(page ? { page } : { archivePages: 2 }),
	});
	return {
		...doc,
		fullText: new Map(items.map((item) => [item.id, feedBody(item, LARGE, SITE)])),
	};
}

const bytesOf = (doc: FeedDocument) =>
	Object.values(FEED_RENDERERS).map((render) => new TextEncoder().encode(render(doc)).byteLength);
const isWhole = (doc: FeedDocument, item: FeedItem) => doc.fullText?.has(item.id) === true;

describe("full text within the size of a feed document", () => {
	it("the body text survives every format's escaping, with no CDATA", () => {
		const doc = largeDocument(1);
		for (const render of Object.values(FEED_RENDERERS)) {
			const out = render(doc);
			expect(out).toContain("Tokyo");
			expect(out).not.toContain("CDATA");
			expect(out).not.toContain("]]>");
		}
		expect(XMLValidator.validate(FEED_RENDERERS.rss(doc))).toBe(true);
		expect(XMLValidator.validate(FEED_RENDERERS.atom(doc))).toBe(true);
	});

	it("a feed document whose archives hold every item carries fewer items, each whole", () => {
		const doc = largeDocument(50);
		expect(Math.max(...bytesOf(doc))).toBeGreaterThan(FEED_DOCUMENT_MAX_BYTES);
		const fitted = fitFeedDocument(doc, true);
		for (const bytes of bytesOf(fitted)) expect(bytes).toBeLessThan(FEED_DOCUMENT_MAX_BYTES);
		expect(fitted.items.length).toBeGreaterThan(1);
		expect(fitted.items.length).toBeLessThan(50);
		// The newest, in order, every one whole.
		expect(fitted.items).toEqual(doc.items.slice(0, fitted.items.length));
		expect(fitted.items.every((item) => isWhole(fitted, item))).toBe(true);
	});

	it("items of teaser agreements do not end a feed document that holds fewer items", () => {
		const doc = largeDocument(50);
		// Every other item's agreement allows no full text.
		const teasers = new Set(doc.items.filter((_, i) => i % 2 === 1).map((item) => item.id));
		const mixed = {
			...doc,
			fullText: new Map([...(doc.fullText ?? [])].filter(([id]) => !teasers.has(id))),
		};
		const fitted = fitFeedDocument(mixed, true);
		for (const bytes of bytesOf(fitted)) expect(bytes).toBeLessThan(FEED_DOCUMENT_MAX_BYTES);
		expect(fitted.items).toEqual(doc.items.slice(0, fitted.items.length));
		// It ends at the first whole text that does not fit, not at the first teaser.
		expect(fitted.items.length).toBeGreaterThan(2);
		const next = doc.items[fitted.items.length];
		expect(next && !teasers.has(next.id)).toBe(true);
		expect(fitted.items.every((item) => teasers.has(item.id) || isWhole(fitted, item))).toBe(true);
	});

	it("an archive document keeps every item: those past the limit are teasers", () => {
		const doc = largeDocument(50, { index: 0, count: 2 });
		const fitted = fitFeedDocument(doc, false);
		for (const bytes of bytesOf(fitted)) expect(bytes).toBeLessThan(FEED_DOCUMENT_MAX_BYTES);
		expect(fitted.items).toEqual(doc.items);
		const whole = fitted.items.filter((item) => isWhole(fitted, item));
		expect(whole.length).toBeGreaterThan(0);
		expect(whole.length).toBeLessThan(50);
		// The newest are whole, the oldest teasers.
		expect(whole).toEqual(fitted.items.slice(0, whole.length));
	});

	it("a body too large for any document leaves its item a teaser, never an empty feed", () => {
		const [item] = largeDocument(1).items;
		if (!item?.fullText) throw new Error("a full-text item");
		const huge = `<p>${"x".repeat(FEED_DOCUMENT_MAX_BYTES)}</p>`;
		const doc = {
			...largeDocument(1),
			fullText: new Map([[item.id, feedBody({ ...item, fullText: item.fullText }, huge, SITE)]]),
		};
		const fitted = fitFeedDocument(doc, true);
		expect(fitted.items).toEqual([item]);
		expect(fitted.fullText?.size).toBe(0);
		for (const bytes of bytesOf(fitted)) expect(bytes).toBeLessThan(FEED_DOCUMENT_MAX_BYTES);
	});

	it("a document within the limit is left as it is", () => {
		const doc = largeDocument(3);
		expect(fitFeedDocument(doc, true)).toBe(doc);
	});
});
