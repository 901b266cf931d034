import { type FeedDocument, itemContentHtml } from "./feed-document.ts";
import { absoluteUrl } from "./html.ts";
import { escapeXmlAttribute, XML_DECLARATION, xmlElement } from "./xml.ts";

/** RFC 3339 date-time in UTC: `2024-01-10T00:00:00.000Z`. */
function rfc3339(instant: Date | string): string {
	return new Date(instant).toISOString();
}

/**
 * Atom 1.0 (RFC 4287) with `xml:lang`, an author and rights on every entry. Titles, summaries
 * and rights are plain text (type="text"); the content is escaped HTML. Never CDATA.
 */
export function renderAtom(doc: FeedDocument): string {
	const lines = [
		XML_DECLARATION,
		`<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="${escapeXmlAttribute(doc.language)}">`,
		`  ${xmlElement("id", {}, doc.id)}`,
		`  ${xmlElement("title", { type: "text" }, doc.title)}`,
		`  ${xmlElement("subtitle", { type: "text" }, doc.description)}`,
		`  ${xmlElement("updated", {}, rfc3339(doc.updated))}`,
		`  ${xmlElement("link", { rel: "self", type: "application/atom+xml", href: doc.selfUrls.atom })}`,
		`  ${xmlElement("link", { rel: "alternate", type: "text/html", href: doc.homeUrl })}`,
		"  <author>",
		`    ${xmlElement("name", {}, "Syndicate")}`,
		"  </author>",
		`  ${xmlElement("generator", {}, "Syndicate")}`,
	];
	for (const item of doc.items) {
		lines.push(
			"  <entry>",
			`    ${xmlElement("id", {}, item.id)}`,
			`    ${xmlElement("title", { type: "text" }, item.headline)}`,
			`    ${xmlElement("link", { rel: "alternate", type: "text/html", href: absoluteUrl(doc.siteUrl, item.path) })}`,
			`    ${xmlElement("published", {}, rfc3339(item.firstCreated))}`,
			`    ${xmlElement("updated", {}, rfc3339(item.versionCreated))}`,
		);
		// Optional: the content is inline HTML, so RFC 4287 needs no summary beside it.
		if (item.summary) lines.push(`    ${xmlElement("summary", { type: "text" }, item.summary)}`);
		lines.push(
			`    ${xmlElement("content", { type: "html" }, itemContentHtml(item, doc.siteUrl))}`,
			"    <author>",
			`      ${xmlElement("name", {}, item.byline ?? item.holder)}`,
			"    </author>",
			...item.subjects.map((term) => `    ${xmlElement("category", { term })}`),
			`    ${xmlElement("rights", { type: "text" }, item.attribution)}`,
		);
		if (item.image) {
			lines.push(
				`    ${xmlElement("link", {
					rel: "enclosure",
					type: item.image.contentType,
					length: item.image.bytes,
					href: absoluteUrl(doc.siteUrl, item.image.path),
				})}`,
			);
		}
		lines.push("  </entry>");
	}
	lines.push("</feed>", "");
	return lines.join("\n");
}
