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

export function layout(input: {
	ctx: Context;
	title: string;
	/** Absent on the 404 page, which answers for any path. */
	canonicalPath?: string;
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
	return `<!doctype html>
<html lang="${escapeHtml(ctx.lang)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(input.title)}</title>
<link rel="stylesheet" href="${href(siteUrl, `/${stylesheet.key}`)}">
<link rel="icon" type="image/svg+xml" href="${href(siteUrl, `/${siteIcon().key}`)}">${canonical}${feeds}
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

/** The header of a page in one language: its Latest News and its Subscribe section. */
export function languageNav(ctx: Context, language: string): string {
	return `<nav aria-label="${t(ctx, "home")}"${ctx.uiLang}><ul>
<li><a href="${href(ctx.siteUrl, frontPath(language))}">${t(ctx, "latestNews")}</a></li>
<li><a href="#subscribe">${t(ctx, "subscribe")}</a></li>
</ul></nav>`;
}
