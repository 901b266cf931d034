import { type FeedDocument, type FormatUrls, itemContentHtml, siteHref } from "./feed-document.ts";
import { FEED_ICONS } from "./feed-icons.ts";
import { FEED_STYLESHEET_PI } from "./feed-xsl.ts";
import { escapeHtml } from "./html.ts";
import {
	escapeXmlPlainText,
	XML_DECLARATION,
	type XmlAttributes,
	xmlElement,
	xmlStartTag,
} from "./xml.ts";

const RSS_ROOT =
	'<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:fh="http://purl.org/syndication/history/1.0" xmlns:media="http://search.yahoo.com/mrss/">';

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

function atomLink(rel: string, href: string, type = "application/rss+xml"): string {
	return xmlElement("atom:link", { href, rel, type });
}

/** The RFC 5005 and WebSub links of a feed or archive document, as `atom:link`s. */
function navigationLinks(doc: FeedDocument): string[] {
	const links: [string, FormatUrls | undefined][] = [
		["current", doc.currentUrls],
		["prev-archive", doc.prevArchiveUrls],
		["next-archive", doc.nextArchiveUrls],
	];
	const out = links.flatMap(([rel, urls]) => (urls ? [atomLink(rel, urls.rss)] : []));
	if (doc.hubUrl) out.push(xmlElement("atom:link", { href: doc.hubUrl, rel: "hub" }));
	return out;
}

/** The channel's `<image>`: its title and link must be the channel's own. */
function channelImage(doc: FeedDocument): string[] {
	const { path, width, height } = FEED_ICONS.rssImage;
	return [
		"<image>",
		`  ${plain("url", siteHref(doc.siteUrl, path))}`,
		`  ${plain("title", doc.title)}`,
		`  ${plain("link", doc.homeUrl)}`,
		`  ${plain("width", String(width))}`,
		`  ${plain("height", String(height))}`,
		"</image>",
	];
}

/** Media RSS's description of a photo; its children are the caption and the credit. */
export function mediaContentStart(
	url: string,
	image: { contentType: string; bytes: number },
): string {
	return xmlStartTag("media:content", {
		url,
		type: image.contentType,
		fileSize: image.bytes,
		medium: "image",
	});
}

/**
 * RSS 2.0 (https://www.rssboard.org/rss-specification) with `atom:link rel=self`,
 * `content:encoded`, `dc:creator`, `dc:rights`, the photo as `enclosure` and `media:content`
 * (with its credit), and RFC 5005 archive links. Every text is escaped, never in CDATA.
 */
export function renderRss(doc: FeedDocument): string {
	const lines = [
		XML_DECLARATION,
		FEED_STYLESHEET_PI,
		RSS_ROOT,
		"  <channel>",
		`    ${plain("title", doc.title)}`,
		`    ${plain("link", doc.homeUrl)}`,
		`    ${plain("description", doc.description)}`,
		`    ${plain("language", doc.language)}`,
		`    ${plain("lastBuildDate", rfc822(doc.updated))}`,
		`    ${plain("generator", "Syndicate")}`,
		`    ${plain("docs", "https://www.rssboard.org/rss-specification")}`,
		...channelImage(doc).map((line) => `    ${line}`),
		`    ${atomLink("self", doc.selfUrls.rss)}`,
		...navigationLinks(doc).map((link) => `    ${link}`),
	];
	if (doc.archive) lines.push("    <fh:archive/>");
	for (const item of doc.items) {
		lines.push(
			"    <item>",
			`      ${plain("title", item.headline)}`,
			`      ${plain("link", siteHref(doc.siteUrl, item.path))}`,
			`      ${plain("guid", item.id, { isPermaLink: "false" })}`,
			`      ${plain("pubDate", rfc822(item.firstCreated))}`,
			// RSS descriptions are HTML by convention; the title stays plain text.
			`      ${html("description", escapeHtml(item.summary ?? item.headline))}`,
			`      ${html("content:encoded", itemContentHtml(item, doc.siteUrl, doc.fullText?.get(item.id)))}`,
			// RSS <author> must be an e-mail address; Dublin Core carries a plain name.
			`      ${plain("dc:creator", item.byline ?? item.holder)}`,
			...item.subjects.map((subject) => `      ${plain("category", subject)}`),
			`      ${plain("dc:rights", item.attribution)}`,
		);
		if (item.image) {
			const url = siteHref(doc.siteUrl, item.image.path);
			lines.push(
				`      ${xmlElement("enclosure", { url, length: item.image.bytes, type: item.image.contentType })}`,
				`      ${mediaContentStart(url, item.image)}`,
			);
			if (item.image.caption) {
				lines.push(`        ${plain("media:description", item.image.caption, { type: "plain" })}`);
			}
			if (item.image.credit) lines.push(`        ${plain("media:credit", item.image.credit)}`);
			lines.push("      </media:content>");
		}
		lines.push("    </item>");
	}
	lines.push("  </channel>", "</rss>", "");
	return lines.join("\n");
}
