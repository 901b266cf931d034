import fc from "fast-check";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { describe, expect, it } from "vitest";
import { formatAttribution } from "#shared/domain/agreement.ts";
import type { Article } from "#shared/domain/article.ts";
import { type Manifest, parseManifest } from "#shared/domain/manifest.ts";
import { buildFeedDocument, itemContentHtml } from "#shared/domain/render/feed-document.ts";
import { escapeHtml } from "#shared/domain/render/html.ts";
import { renderAtom } from "#shared/domain/render/render-atom.ts";
import { renderJsonFeed } from "#shared/domain/render/render-json-feed.ts";
import { renderRss } from "#shared/domain/render/render-rss.ts";
import {
	escapeXmlAttribute,
	escapeXmlPlainText,
	escapeXmlText,
} from "#shared/domain/render/xml.ts";
import { type FeedItem, feedEntriesFor } from "#shared/domain/targets.ts";
import { makeArticle } from "../helpers/articles.ts";

const SITE = "https://news.example.org";

// The independent reader: entities decoded once, no trimming, no number guessing. Without
// htmlEntities it leaves numeric character references (plain XML) undecoded.
const xml = new XMLParser({
	ignoreAttributes: false,
	attributeNamePrefix: "@",
	processEntities: true,
	htmlEntities: true,
	trimValues: false,
	parseTagValue: false,
	parseAttributeValue: false,
	isArray: (name) => ["item", "entry", "category", "link"].includes(name),
});

type Node = string | { "#text"?: string; [key: string]: unknown } | undefined;

/** The text of an element, whether or not it has attributes. */
function textOf(node: Node): string | undefined {
	return typeof node === "object" ? (node["#text"] ?? "") : node;
}

// manifest.ts's FORBIDDEN_CHARACTER: what the manifest refuses never reaches a feed.
// biome-ignore lint/suspicious/noControlCharactersInRegex: it lists the control characters.
const FORBIDDEN = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\ufffe\uffff]|\p{Cs}/u;

const ATTACKS = [
	"]]>",
	"]]>]]>",
	"<![CDATA[",
	"-->",
	"<!--",
	"<script>alert(1)</script>",
	"</item><item>",
	"</entry><entry>",
	"</title>",
	"<guid>urn:syndicate:article:other:x:en</guid>",
	"&",
	"&amp;",
	"&lt;",
	"&#60;",
	"&nbsp;",
	'"',
	"'",
	"<",
	">",
	"\t",
	"\n",
	" ",
	"\u00a0",
	"\u2028",
	"\ufeff",
	"😀",
	"𠮷",
	"中文",
	"日本語の見出し",
];

const unit = fc.oneof(
	fc.constantFrom(...ATTACKS),
	fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
	fc.integer({ min: 0x4e00, max: 0x9fff }).map((c) => String.fromCharCode(c)),
	fc
		.integer({ min: 0, max: 0x10ffff })
		.map((c) => String.fromCodePoint(c))
		.filter((c) => !FORBIDDEN.test(c)),
);

function text(constraints: { maxLength: number; maxCodePoints: number; required?: boolean }) {
	return fc
		.string({ unit, maxLength: constraints.maxLength })
		.filter(
			(s) =>
				[...s].length <= constraints.maxCodePoints &&
				(!constraints.required || s.trim().length > 0),
		);
}

const optionalText = fc.option(text({ maxLength: 12, maxCodePoints: 1000 }), { nil: undefined });

/** What a partner controls in one manifest, for every text that reaches a feed. */
const manifestInput = fc.record({
	id: fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,20}$/),
	headline: text({ maxLength: 12, maxCodePoints: 300, required: true }),
	summary: optionalText,
	byline: optionalText,
	holder: text({ maxLength: 12, maxCodePoints: 1000, required: true }),
	translator: optionalText,
	notice: optionalText,
	alt: optionalText,
	subjects: fc.array(fc.stringMatching(/^[a-z0-9-]{1,64}$/), { maxLength: 3 }),
});
type ManifestInput = typeof manifestInput extends fc.Arbitrary<infer T> ? T : never;

/** The manifest as a partner would upload it; parseManifest proves the strings are allowed. */
function acceptedManifest(input: ManifestInput): Manifest {
	const manifest = {
		schema: "syndication-bundle/1",
		id: input.id,
		version: 1,
		language: "en",
		headline: input.headline,
		summary: input.summary,
		byline: input.byline,
		body: "body.html",
		firstCreated: "2024-01-10T09:00:00+09:00",
		versionCreated: "2024-01-10T09:00:00+09:00",
		subjects: input.subjects,
		images: [{ file: "images/photo.png", alt: input.alt }],
		rights: {
			holder: input.holder,
			translator: input.translator,
			agreement: "sn-jst-2023",
			notice: input.notice,
		},
	};
	return parseManifest(new TextEncoder().encode(JSON.stringify(manifest)));
}

/** The feed item ingest makes of a manifest (ingest-upload.ts, feedEntriesFor). */
function itemFrom(manifest: Manifest): FeedItem {
	const { summary: _summary, byline: _byline, ...base } = makeArticle();
	const [image] = base.images;
	const article: Article = {
		...base,
		articleId: manifest.id,
		headline: manifest.headline,
		...(manifest.summary ? { summary: manifest.summary } : {}),
		...(manifest.byline ? { byline: manifest.byline } : {}),
		subjects: manifest.subjects,
		images: image ? [{ ...image, alt: manifest.images[0]?.alt }] : [],
		rights: manifest.rights,
		permission: { ...base.permission, attribution: formatAttribution(manifest.rights) },
	};
	const [entry] = feedEntriesFor(article);
	if (!entry) throw new Error("a published article has a feed entry");
	return entry.item;
}

/** Renders the three formats and reads each back with an independent parser. */
function renderAndParse(items: FeedItem[]) {
	const doc = buildFeedDocument({ siteUrl: SITE, language: "en", feed: "latest", items });
	const rss = renderRss(doc);
	const atom = renderAtom(doc);
	for (const out of [rss, atom]) {
		expect(XMLValidator.validate(out)).toBe(true);
		// htmlEntities would also read HTML's named entities, which XML does not define.
		expect(out).not.toMatch(/&(?!(?:amp|lt|gt|quot|apos|#x?[0-9a-fA-F]+);)/);
	}
	return {
		rss: (xml.parse(rss).rss.channel.item ?? []) as Record<string, Node>[],
		atom: (xml.parse(atom).feed.entry ?? []) as Record<string, Node>[],
		json: JSON.parse(renderJsonFeed(doc)).items as Record<string, unknown>[],
	};
}

/** Exactly one item per article, same ids in order, every text back exactly as it went in. */
function expectRoundTrip(items: FeedItem[]): void {
	const { rss, atom, json } = renderAndParse(items);
	const ids = items.map((item) => item.id);
	expect(rss.map((item) => textOf(item.guid))).toEqual(ids);
	expect(atom.map((entry) => entry.id)).toEqual(ids);
	expect(json.map((item) => item.id)).toEqual(ids);
	items.forEach((item, i) => {
		const creator = item.byline ?? item.holder;
		const content = itemContentHtml(item, SITE);
		const r = rss[i] ?? {};
		expect(r.title).toBe(item.headline);
		expect(r["dc:creator"]).toBe(creator);
		expect(r["dc:rights"]).toBe(item.attribution);
		expect(r.description).toBe(escapeHtml(item.summary ?? item.headline));
		expect(r["content:encoded"]).toBe(content);
		expect(r.category ?? []).toEqual(item.subjects);
		const a = atom[i] ?? {};
		expect(textOf(a.title)).toBe(item.headline);
		expect((a.author as Record<string, Node>).name).toBe(creator);
		expect(textOf(a.rights)).toBe(item.attribution);
		expect(textOf(a.summary)).toBe(item.summary);
		expect(textOf(a.content)).toBe(content);
		const j = json[i] ?? {};
		expect(j.title).toBe(item.headline);
		expect(j.authors).toEqual([{ name: creator }]);
		expect(j._rights).toMatchObject({ attribution: item.attribution });
		expect(j.summary).toBe(item.summary);
		expect(j.content_html).toBe(content);
	});
}

describe("feeds carry partner text as text, whatever it holds", () => {
	it("any manifest text comes back exactly, one item per article, in RSS, Atom and JSON", () => {
		fc.assert(
			fc.property(
				fc.uniqueArray(manifestInput, { minLength: 1, maxLength: 3, selector: (m) => m.id }),
				(inputs) => {
					expectRoundTrip(inputs.map((input) => itemFrom(acceptedManifest(input))));
				},
			),
			{ numRuns: 300 },
		);
	});

	// The attack of the bug report: `feed` split only the first `]]>` of a CDATA section.
	const FAKE_ITEM =
		"x]]>]]></title></item><item><title>FAKE ITEM</title><guid>urn:syndicate:article:other:x:en</guid></item><item><title>y";
	const SCRIPT = "a]]>]]><script>alert(1)</script>";

	function attackedItem(): FeedItem {
		const [entry] = feedEntriesFor(makeArticle({ headline: FAKE_ITEM, byline: SCRIPT }));
		if (!entry) throw new Error("a published article has a feed entry");
		return entry.item;
	}

	it("RSS: a headline and byline with `]]>` twice stay one item with their text verbatim", () => {
		const out = renderRss(
			buildFeedDocument({ siteUrl: SITE, language: "en", feed: "latest", items: [attackedItem()] }),
		);
		expect(XMLValidator.validate(out)).toBe(true);
		const items = xml.parse(out).rss.channel.item;
		expect(items).toHaveLength(1);
		expect(textOf(items[0].guid)).toBe(attackedItem().id);
		expect(items[0].title).toBe(FAKE_ITEM);
		expect(items[0]["dc:creator"]).toBe(SCRIPT);
		expect(out).not.toContain("<script>");
		expect(out).not.toContain("<![CDATA[");
	});

	it("Atom: a headline and byline with `]]>` twice stay one entry with their text verbatim", () => {
		const out = renderAtom(
			buildFeedDocument({ siteUrl: SITE, language: "en", feed: "latest", items: [attackedItem()] }),
		);
		expect(XMLValidator.validate(out)).toBe(true);
		const entries = xml.parse(out).feed.entry;
		expect(entries).toHaveLength(1);
		expect(entries[0].id).toBe(attackedItem().id);
		expect(entries[0].title["@type"]).toBe("text");
		expect(textOf(entries[0].title)).toBe(FAKE_ITEM);
		expect(entries[0].author.name).toBe(SCRIPT);
		expect(out).not.toContain("<script>");
		expect(out).not.toContain("<![CDATA[");
	});

	it("the attack round-trips in every field of every format", () => {
		const item = attackedItem();
		expectRoundTrip([
			{ ...item, summary: FAKE_ITEM, attribution: SCRIPT },
			{ ...item, id: "urn:syndicate:article:science-news:b:en", byline: undefined, holder: SCRIPT },
		]);
	});
});

describe("xml escaping", () => {
	it("escapes the five markup characters, so `]]>` and `-->` cannot close anything", () => {
		expect(escapeXmlText(`a & b < c > d " e ' ]]> -->`)).toBe(
			"a &amp; b &lt; c &gt; d &quot; e &apos; ]]&gt; --&gt;",
		);
		expect(escapeXmlAttribute(`"'<&>`)).toBe("&quot;&apos;&lt;&amp;&gt;");
		expect(escapeXmlPlainText("R&D <b> ]]>")).toBe("R&#x26;D &#x3C;b&gt; ]]&gt;");
	});

	it("drops what XML 1.0 cannot hold and keeps everything it can", () => {
		expect(escapeXmlText("a\u0000b\u0008c\u000bd\u000ce\u001ff\ufffeg\uffffh")).toBe("abcdefgh");
		expect(escapeXmlText("lone \ud800 and \udfff surrogates")).toBe("lone  and  surrogates");
		expect(escapeXmlText("tab\tnewline\n\u0085\u007f😀𠮷中文\ufffd")).toBe(
			"tab\tnewline\n\u0085\u007f😀𠮷中文\ufffd",
		);
	});

	it("writes carriage returns, and whitespace in attributes, as references parsers keep", () => {
		expect(escapeXmlText("a\r\nb")).toBe("a&#13;\nb");
		expect(escapeXmlAttribute("a\tb\nc\rd")).toBe("a&#9;b&#10;c&#13;d");
	});

	it("any string becomes text that parses back to itself, less the illegal characters", () => {
		fc.assert(
			fc.property(fc.string({ unit: "binary" }), (s) => {
				const doc = `<r a="${escapeXmlAttribute(s)}">${escapeXmlText(s)}</r>`;
				expect(XMLValidator.validate(doc)).toBe(true);
				const legal = s.replace(
					// biome-ignore lint/suspicious/noControlCharactersInRegex: the illegal ones.
					/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|\p{Cs}/gu,
					"",
				);
				const parsed = xml.parse(doc).r;
				expect(textOf(parsed)).toBe(legal);
				expect(parsed["@a"]).toBe(legal);
				expect(textOf(xml.parse(`<r>${escapeXmlPlainText(s)}</r>`).r)).toBe(legal);
			}),
		);
	});
});
