import { OPML } from "../feeds/formats.ts";
import { escapeHtml } from "./html.ts";
import { langAttr, nativeLanguageName } from "./i18n.ts";
import { type Context, frontPath, href, SITE_NAME, t } from "./page-context.ts";
import { alternates, type FeedLink, opmlLink } from "./page-feeds.ts";
import { siteIcon, siteStylesheet } from "./stylesheet.ts";

export function languageMenu(ctx: Context, languages: readonly string[]): string {
	if (languages.length === 0) return "";
	const items = languages.map(
		(language) =>
			`<li><a href="${href(ctx.siteUrl, frontPath(language))}" hreflang="${escapeHtml(language)}"${langAttr(ctx.lang, language)}>${escapeHtml(nativeLanguageName(language))}</a></li>`,
	);
	return `<nav aria-label="${t(ctx, "languages")}"${ctx.uiLang}><ul class="lang-list">
${items.join("\n")}
</ul></nav>`;
}

/** A `<link rel="alternate" hreflang>` of a page: the same page in another language. */
export interface HreflangLink {
	/** A BCP 47 tag, or `x-default`. */
	hreflang: string;
	path: string;
}

/**
 * A JSON-LD block: JSON in a `<script>`, where HTML ends the element at the first `</script`
 * whatever the JSON says, so every `<` (and `>`, `&`, U+2028/9, which older parsers misread)
 * is written as its JSON escape. A data block is never run: the CSP's `default-src 'none'`
 * does not apply to it.
 */
export function jsonLdScript(document: object): string {
	const json = JSON.stringify(document)
		.replace(/</g, "\\u003c")
		.replace(/>/g, "\\u003e")
		.replace(/&/g, "\\u0026")
		.replace(/\u2028/g, "\\u2028")
		.replace(/\u2029/g, "\\u2029");
	return `<script type="application/ld+json">${json}</script>`;
}

export function layout(input: {
	ctx: Context;
	title: string;
	/** Absent on the 404 page, which answers for any path. */
	canonicalPath?: string;
	/** The page in every language it is in, itself included (reciprocal across them). */
	hreflang?: readonly HreflangLink[];
	/** Structured data about the page (schema.org), for search engines. */
	jsonLd?: object;
	feeds: readonly FeedLink[];
	/** The header's links: the page's own front page, or every language's. */
	nav: string;
	main: string;
}): string {
	const { ctx } = input;
	const { siteUrl } = ctx;
	const stylesheet = siteStylesheet();
	const canonical =
		input.canonicalPath === undefined
			? ""
			: `\n<link rel="canonical" href="${href(siteUrl, input.canonicalPath)}">`;
	const feeds = input.feeds.length > 0 ? `\n${alternates(siteUrl, input.feeds)}` : "";
	const languages = (input.hreflang ?? [])
		.map(
			(link) =>
				`\n<link rel="alternate" hreflang="${escapeHtml(link.hreflang)}" href="${href(siteUrl, link.path)}">`,
		)
		.join("");
	const data = input.jsonLd ? `\n${jsonLdScript(input.jsonLd)}` : "";
	return `<!doctype html>
<html lang="${escapeHtml(ctx.lang)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(input.title)}</title>
<link rel="stylesheet" href="${href(siteUrl, `/${stylesheet.key}`)}">
<link rel="icon" type="image/svg+xml" href="${href(siteUrl, `/${siteIcon().key}`)}">${canonical}${languages}${feeds}${data}
</head>
<body>
<a class="skip" href="#main"${ctx.uiLang}>${t(ctx, "skipToContent")}</a>
<header class="site-header"><div class="wrap">
<a class="brand" href="${href(siteUrl, "/")}">${SITE_NAME}</a>
${input.nav}
</div></header>
<main id="main" class="wrap">
${input.main}
</main>
<footer class="site-footer"><div class="wrap"><a href="${href(siteUrl, "/")}">${SITE_NAME}</a> · ${opmlLink(siteUrl, OPML.label)}</div></footer>
</body>
</html>
`;
}

/**
 * The header of a page in one language: its Latest News and its Subscribe section, then the
 * same page in the other languages it is in (`switcher`), each named in its own language.
 */
export function languageNav(
	ctx: Context,
	language: string,
	switcher: readonly { language: string; path: string }[] = [],
): string {
	const nav = `<nav aria-label="${t(ctx, "home")}"${ctx.uiLang}><ul>
<li><a href="${href(ctx.siteUrl, frontPath(language))}">${t(ctx, "latestNews")}</a></li>
<li><a href="#subscribe">${t(ctx, "subscribe")}</a></li>
</ul></nav>`;
	return switcher.length > 0 ? `${nav}\n${languageSwitcher(ctx, switcher)}` : nav;
}

/** Links to this page in other languages, each named in its own language. */
function languageSwitcher(
	ctx: Context,
	versions: readonly { language: string; path: string }[],
): string {
	const items = versions.map(
		(version) =>
			`<li><a href="${href(ctx.siteUrl, version.path)}" hreflang="${escapeHtml(version.language)}"${langAttr(ctx.lang, version.language)}>${escapeHtml(nativeLanguageName(version.language))}</a></li>`,
	);
	return `<nav class="lang-switch" aria-label="${t(ctx, "otherLanguages")}"${ctx.uiLang}><ul class="lang-list">
${items.join("\n")}
</ul></nav>`;
}
