import { type FeedItem, itemUpdated } from "../targets.ts";
import {
	attributionLanguage,
	type FeedDocument,
	type FormatUrls,
	itemContentHtml,
	itemTranslations,
	siteHref,
} from "./feed-document.ts";
import { FEED_ICONS } from "./feed-icons.ts";
import { FEED_STYLESHEET_PI } from "./feed-xsl.ts";
import { mediaContentStart } from "./render-rss.ts";
import { escapeXmlAttribute, XML_DECLARATION, xmlElement, xmlStartTag } from "./xml.ts";

/** RFC 3339 date-time in UTC: `2024-01-10T00:00:00.000Z`. */
function rfc3339(instant: Date | string): string {
	return new Date(instant).toISOString();
}

const ATOM_TYPE = "application/atom+xml";
const TOMBSTONES_NS = "http://purl.org/atompub/tombstones/1.0";

/** The RFC 5005 and WebSub links of a feed or archive document. */
// An English attribution in a feed of another language says so.
function rightsAttributes(item: FeedItem, language: string): Record<string, string> {
	const lang = attributionLanguage(item, language);
	return lang ? { type: "text", "xml:lang": lang } : { type: "text" };
}

function navigationLinks(doc: FeedDocument): string[] {
	const links: [string, FormatUrls | undefined][] = [
		["current", doc.currentUrls],
		["prev-archive", doc.prevArchiveUrls],
		["next-archive", doc.nextArchiveUrls],
	];
	const out = links.flatMap(([rel, urls]) =>
		urls ? [xmlElement("link", { rel, type: ATOM_TYPE, href: urls.atom })] : [],
	);
	if (doc.hubUrl) out.push(xmlElement("link", { rel: "hub", href: doc.hubUrl }));
	return out;
}

/**
 * Atom 1.0 (RFC 4287) with `xml:lang`, an author and rights on every entry, the photo as an
 * enclosure and `media:content` with its credit, its translations as `hreflang` alternates,
 * and RFC 5005 archive links. Titles,
 * summaries and rights are plain text (type="text"); the content is escaped HTML. Never CDATA.
 */
export function renderAtom(doc: FeedDocument): string {
	const deleted = doc.deleted ?? [];
	const lines = [
		XML_DECLARATION,
		FEED_STYLESHEET_PI,
		`<feed xmlns="http://www.w3.org/2005/Atom" xmlns:fh="http://purl.org/syndication/history/1.0" xmlns:media="http://search.yahoo.com/mrss/"${deleted.length > 0 ? ` xmlns:at="${TOMBSTONES_NS}"` : ""} xml:lang="${escapeXmlAttribute(doc.language)}">`,
		`  ${xmlElement("id", {}, doc.id)}`,
		`  ${xmlElement("title", { type: "text" }, doc.title)}`,
		`  ${xmlElement("subtitle", { type: "text" }, doc.description)}`,
		`  ${xmlElement("updated", {}, rfc3339(doc.updated))}`,
		`  ${xmlElement("link", { rel: "self", type: ATOM_TYPE, href: doc.selfUrls.atom })}`,
		`  ${xmlElement("link", { rel: "alternate", type: "text/html", href: doc.homeUrl })}`,
		...navigationLinks(doc).map((link) => `  ${link}`),
		"  <author>",
		`    ${xmlElement("name", {}, "Syndicate")}`,
		"  </author>",
		`  ${xmlElement("generator", {}, "Syndicate")}`,
		`  ${xmlElement("icon", {}, siteHref(doc.siteUrl, FEED_ICONS.favicon.path))}`,
		`  ${xmlElement("logo", {}, siteHref(doc.siteUrl, FEED_ICONS.logo.path))}`,
	];
	if (doc.archive) lines.push("  <fh:archive/>");
	for (const item of doc.items) {
		lines.push(
			"  <entry>",
			`    ${xmlElement("id", {}, item.id)}`,
			`    ${xmlElement("title", { type: "text" }, item.headline)}`,
			`    ${xmlElement("link", { rel: "alternate", type: "text/html", href: siteHref(doc.siteUrl, item.path) })}`,
			// Its translations (RFC 4287 §4.2.7.4): one alternate per other language we publish.
			...itemTranslations(doc, item).map(
				(one) =>
					`    ${xmlElement("link", { rel: "alternate", type: "text/html", hreflang: one.language, href: siteHref(doc.siteUrl, one.path) })}`,
			),
			// Already RFC 3339 in UTC (toUtc, domain/article.ts): written as stored.
			`    ${xmlElement("published", {}, item.firstCreated)}`,
			`    ${xmlElement("updated", {}, itemUpdated(item))}`,
		);
		// Optional: the content is inline HTML, so RFC 4287 needs no summary beside it.
		if (item.summary) lines.push(`    ${xmlElement("summary", { type: "text" }, item.summary)}`);
		lines.push(
			`    ${xmlElement("content", { type: "html" }, itemContentHtml(item, doc.siteUrl, doc.fullText?.get(item.id)))}`,
			"    <author>",
			`      ${xmlElement("name", {}, item.byline ?? item.holder)}`,
			"    </author>",
			...item.subjects.map((term) => `    ${xmlElement("category", { term })}`),
			`    ${xmlElement("rights", rightsAttributes(item, doc.language), item.attribution)}`,
		);
		if (item.image) {
			const href = siteHref(doc.siteUrl, item.image.path);
			lines.push(
				`    ${xmlElement("link", {
					rel: "enclosure",
					type: item.image.contentType,
					length: item.image.bytes,
					href,
				})}`,
				`    ${mediaContentStart(href, item.image)}`,
			);
			if (item.image.caption) {
				lines.push(
					`      ${xmlElement("media:description", { type: "plain" }, item.image.caption)}`,
				);
			}
			if (item.image.credit) {
				lines.push(`      ${xmlElement("media:credit", {}, item.image.credit)}`);
			}
			lines.push("    </media:content>");
		}
		lines.push("  </entry>");
	}
	// RFC 6721 tombstones: the entry `ref` was deleted `when`, by whom, and the reason class.
	for (const kill of deleted) {
		lines.push(
			`  ${xmlStartTag("at:deleted-entry", { ref: kill.id, when: rfc3339(kill.when) })}`,
			"    <at:by>",
			`      ${xmlElement("name", {}, "Syndicate")}`,
			`      ${xmlElement("uri", {}, doc.homeUrl)}`,
			"    </at:by>",
			`    ${xmlElement("at:comment", { "xml:lang": "en" }, kill.reason)}`,
			"  </at:deleted-entry>",
		);
	}
	lines.push("</feed>", "");
	return lines.join("\n");
}
