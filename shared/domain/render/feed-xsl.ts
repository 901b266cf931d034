import { FEED_STYLESHEET } from "../feeds/feed-stylesheet.ts";
import { CATALOGUE, type UiStrings, uiFor } from "./i18n.ts";
import { SITE_NAME } from "./page-context.ts";
import { siteIcon, siteStylesheet } from "./stylesheet.ts";
import { escapeXmlAttribute, escapeXmlText, XML_DECLARATION } from "./xml.ts";

/** The processing instruction after the XML declaration of every RSS and Atom document. */
export const FEED_STYLESHEET_PI = `<?xml-stylesheet type="text/xsl" href="${FEED_STYLESHEET.path}"?>`;

const UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const LOWER = UPPER.toLowerCase();

// XPath 1.0's test that the feed's language is `range` or a subtag of it, as languageCovers.
function covers(range: string): string {
	const lower = range.toLowerCase();
	return `$lang = '${lower}' or starts-with($lang, '${lower}-')`;
}

/** A variable holding a UI text in the feed's language (English where it has none), as pages pick it. */
function uiVariable(name: string, pick: (strings: UiStrings, tag: string) => string): string {
	const fallback = uiFor("");
	const whens = CATALOGUE.map(
		([range, tag, strings]) =>
			`<xsl:when test="${escapeXmlAttribute(covers(range))}">${escapeXmlText(pick(strings, tag))}</xsl:when>`,
	);
	return `<xsl:variable name="${name}"><xsl:choose>${whens.join("")}<xsl:otherwise>${escapeXmlText(pick(fallback.strings, fallback.lang))}</xsl:otherwise></xsl:choose></xsl:variable>`;
}

let cached: string | undefined;

/**
 * The XSLT 1.0 stylesheet at {@link FEED_STYLESHEET}: one for RSS 2.0 and Atom 1.0, making
 * the document a page in the site's own stylesheet (the feed's CSP allows no inline style):
 * its title and description, a box with its address to copy into a reader, and its items
 * with links and dates. Interface text is the pages' (i18n.ts), in the feed's language.
 */
export function renderFeedXsl(): string {
	cached ??= `${XML_DECLARATION}
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform" xmlns:atom="http://www.w3.org/2005/Atom" exclude-result-prefixes="atom">
<xsl:output method="html" encoding="utf-8" doctype-system="about:legacy-compat"/>
<xsl:variable name="feedLang" select="normalize-space(/rss/channel/language | /atom:feed/@xml:lang)"/>
<xsl:variable name="lang" select="translate($feedLang, '${UPPER}', '${LOWER}')"/>
${uiVariable("uiLang", (_, tag) => tag)}
${uiVariable("subscribe", (strings) => strings.subscribe)}
${uiVariable("preview", (strings) => strings.feedPreview)}
${uiVariable("published", (strings) => strings.published)}
<xsl:variable name="title" select="/rss/channel/title | /atom:feed/atom:title"/>
<xsl:template match="/">
<html lang="{$feedLang}">
<head>
<meta name="viewport" content="width=device-width, initial-scale=1"/>
<title><xsl:value-of select="$title"/></title>
<link rel="stylesheet" href="/${siteStylesheet().key}"/>
<link rel="icon" type="image/svg+xml" href="/${siteIcon().key}"/>
</head>
<body>
<header class="site-header"><div class="wrap"><a class="brand" href="/">${SITE_NAME}</a></div></header>
<main id="main" class="wrap">
<h1><xsl:value-of select="$title"/></h1>
<p><xsl:value-of select="/rss/channel/description | /atom:feed/atom:subtitle"/></p>
<section class="subscribe" id="subscribe" lang="{$uiLang}">
<h2><xsl:value-of select="$subscribe"/></h2>
<p><xsl:value-of select="$preview"/></p>
<p><code class="url"><xsl:value-of select="/rss/channel/atom:link[@rel='self']/@href | /atom:feed/atom:link[@rel='self']/@href"/></code></p>
</section>
<ul class="items">
<xsl:apply-templates select="/rss/channel/item | /atom:feed/atom:entry"/>
</ul>
</main>
</body>
</html>
</xsl:template>
<xsl:template match="item">
<li><h2><a href="{link}"><xsl:value-of select="title"/></a></h2>
<p class="meta"><span lang="{$uiLang}"><xsl:value-of select="$published"/></span><xsl:text> </xsl:text><xsl:value-of select="substring(pubDate, 1, 16)"/></p></li>
</xsl:template>
<xsl:template match="atom:entry">
<li><h2><a href="{atom:link[@rel='alternate']/@href}"><xsl:value-of select="atom:title"/></a></h2>
<p class="meta"><span lang="{$uiLang}"><xsl:value-of select="$published"/></span><xsl:text> </xsl:text><time datetime="{atom:published}"><xsl:value-of select="substring(atom:published, 1, 10)"/></time></p></li>
</xsl:template>
</xsl:stylesheet>
`;
	return cached;
}
