import { type FeedDocument, itemContentHtml } from "./feed-document.ts";
import { absoluteUrl, escapeHtml } from "./html.ts";
import { escapeXmlPlainText, XML_DECLARATION, type XmlAttributes, xmlElement } from "./xml.ts";

const RSS_ROOT =
	'<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/">';

/** RFC 822 date-time as RSS 2.0 wants it (four-digit year, GMT): `Wed, 10 Jan 2024 00:00:00 GMT`. */
function rfc822(instant: Date | string): string {
	const date = new Date(instant);
	if (Number.isNaN(date.getTime())) throw new RangeError(`not a date: ${String(instant)}`);
	return date.toUTCString();
}

/** An element of plain text (RSS leaves it to readers to guess; the escaping tells them). */
function plain(name: string, text: string, attributes: XmlAttributes = {}): string {
	return xmlElement(name, attributes, text, escapeXmlPlainText);
}

/** An element whose text is HTML, escaped once more as XML text. */
function html(name: string, markup: string): string {
	return xmlElement(name, {}, markup);
}

/**
 * RSS 2.0 (https://www.rssboard.org/rss-specification) with `atom:link rel=self`,
 * `content:encoded`, `dc:creator` and `dc:rights`. Every text is escaped, never in CDATA.
 */
export function renderRss(doc: FeedDocument): string {
	const lines = [
		XML_DECLARATION,
		RSS_ROOT,
		"  <channel>",
		`    ${plain("title", doc.title)}`,
		`    ${plain("link", doc.homeUrl)}`,
		`    ${plain("description", doc.description)}`,
		`    ${plain("language", doc.language)}`,
		`    ${plain("lastBuildDate", rfc822(doc.updated))}`,
		`    ${plain("generator", "Syndicate")}`,
		`    ${plain("docs", "https://www.rssboard.org/rss-specification")}`,
		`    ${xmlElement("atom:link", { href: doc.selfUrls.rss, rel: "self", type: "application/rss+xml" })}`,
	];
	for (const item of doc.items) {
		lines.push(
			"    <item>",
			`      ${plain("title", item.headline)}`,
			`      ${plain("link", absoluteUrl(doc.siteUrl, item.path))}`,
			`      ${plain("guid", item.id, { isPermaLink: "false" })}`,
			`      ${plain("pubDate", rfc822(item.firstCreated))}`,
			// RSS descriptions are HTML by convention; the title stays plain text.
			`      ${html("description", escapeHtml(item.summary ?? item.headline))}`,
			`      ${html("content:encoded", itemContentHtml(item, doc.siteUrl))}`,
			// RSS <author> must be an e-mail address; Dublin Core carries a plain name.
			`      ${plain("dc:creator", item.byline ?? item.holder)}`,
			...item.subjects.map((subject) => `      ${plain("category", subject)}`),
			`      ${plain("dc:rights", item.attribution)}`,
		);
		if (item.image) {
			lines.push(
				`      ${xmlElement("enclosure", {
					url: absoluteUrl(doc.siteUrl, item.image.path),
					length: item.image.bytes,
					type: item.image.contentType,
				})}`,
			);
		}
		lines.push("    </item>");
	}
	lines.push("  </channel>", "</rss>", "");
	return lines.join("\n");
}
