import type { Article } from "../article.ts";
import { articlePath, imagePath } from "../article.ts";
import type { FeedItem } from "../targets.ts";
import { type FeedFormat, feedContentTypes, feedPath, languageName } from "./feed-document.ts";
import { absoluteUrl, escapeHtml } from "./html.ts";

const STYLE = `body{font:17px/1.6 system-ui,sans-serif;max-width:44rem;margin:2rem auto;padding:0 1rem;color:#222}
header,footer{font-size:.9rem;color:#555}a{color:#0645ad}img{max-width:100%;height:auto}
.attribution{border-left:3px solid #999;padding-left:.8rem;font-size:.95rem}
figcaption{font-size:.85rem;color:#555}ol.items{padding-left:1.2rem}ol.items li{margin:.8rem 0}`;

const FORMAT_NAMES: Record<FeedFormat, string> = { rss: "RSS", atom: "Atom", json: "JSON Feed" };
const FORMATS: FeedFormat[] = ["rss", "atom", "json"];

function feedUrl(siteUrl: string, language: string, format: FeedFormat): string {
	return escapeHtml(absoluteUrl(siteUrl, feedPath(language, "latest", format)));
}

// Autodiscovery: readers subscribe from any page (browsers no longer render feeds with XSLT).
function feedLinks(siteUrl: string, languages: readonly string[]): string {
	return languages
		.flatMap((language) =>
			FORMATS.map(
				(format) =>
					`<link rel="alternate" type="${feedContentTypes[format].split(";")[0]}" title="Latest News (${escapeHtml(languageName(language))}, ${FORMAT_NAMES[format]})" href="${feedUrl(siteUrl, language, format)}">`,
			),
		)
		.join("\n");
}

function layout(input: {
	siteUrl: string;
	/** The page's language. */
	language: string;
	/** The languages whose feeds the page offers. */
	feedLanguages: readonly string[];
	homePath: string;
	title: string;
	canonicalPath: string;
	main: string;
}): string {
	const { siteUrl } = input;
	const footer = input.feedLanguages
		.map(
			(language) =>
				`${escapeHtml(languageName(language))} feeds: ${FORMATS.map((format) => `<a href="${feedUrl(siteUrl, language, format)}">${FORMAT_NAMES[format]}</a>`).join(" · ")}`,
		)
		.join("<br>\n");
	return `<!doctype html>
<html lang="${escapeHtml(input.language)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(input.title)}</title>
<link rel="canonical" href="${escapeHtml(absoluteUrl(siteUrl, input.canonicalPath))}">
${feedLinks(siteUrl, input.feedLanguages)}
<style>${STYLE}</style>
</head>
<body>
<header><a href="${escapeHtml(absoluteUrl(siteUrl, input.homePath))}">Syndicate</a></header>
<main>
${input.main}
</main>
<footer>${footer}</footer>
</body>
</html>
`;
}

function itemList(items: readonly FeedItem[], siteUrl: string): string {
	if (items.length === 0) return "<p>No articles yet.</p>";
	const lis = items.map(
		(
			item,
		) => `<li><a href="${escapeHtml(absoluteUrl(siteUrl, item.path))}">${escapeHtml(item.headline)}</a>
<br><small><time datetime="${escapeHtml(item.firstCreated)}">${formatDate(item.firstCreated)}</time> · ${escapeHtml(item.attribution)}</small></li>`,
	);
	return `<ol class="items">\n${lis.join("\n")}\n</ol>`;
}

function formatDate(instant: string): string {
	return new Date(instant).toISOString().slice(0, 10);
}

/** The article page of site.md: headline, photos if permitted, body, attribution. */
export function renderArticlePage(input: {
	article: Article;
	bodyHtml: string;
	siteUrl: string;
}): string {
	const { article, siteUrl } = input;
	const images = article.permission.imagesAllowed
		? article.images
				.map((image) => {
					const credit = image.credit ? `Photo: ${image.credit}` : undefined;
					const caption =
						image.caption && credit ? `${image.caption} (${credit})` : (image.caption ?? credit);
					return `<figure><img src="${escapeHtml(absoluteUrl(siteUrl, imagePath(article, image)))}" alt="${escapeHtml(image.alt ?? "")}">${caption ? `<figcaption>${escapeHtml(caption)}</figcaption>` : ""}</figure>`;
				})
				.join("\n")
		: "";
	const original = article.original;
	const source = original
		? `<p class="original">Original${original.publication ? `: ${original.url ? `<a href="${escapeHtml(original.url)}">${escapeHtml(original.publication)}</a>` : escapeHtml(original.publication)}` : ""}${original.publishedAt ? `, ${escapeHtml(original.publishedAt)}` : ""} (${escapeHtml(languageName(original.language))})</p>`
		: "";
	const main = `<article>
<h1>${escapeHtml(article.headline)}</h1>
<p class="meta">${article.byline ? `${escapeHtml(article.byline)} · ` : ""}<time datetime="${escapeHtml(article.firstCreated)}">${formatDate(article.firstCreated)}</time>${article.version > 1 ? ` · updated <time datetime="${escapeHtml(article.versionCreated)}">${formatDate(article.versionCreated)}</time>` : ""}</p>
${images}
${input.bodyHtml}
<p class="attribution">${escapeHtml(article.permission.attribution)}</p>
${source}
</article>
<p><a href="${escapeHtml(absoluteUrl(siteUrl, `/${article.language}/`))}">Back to Latest News</a></p>`;
	return layout({
		siteUrl,
		language: article.language,
		feedLanguages: [article.language],
		homePath: `/${article.language}/`,
		title: article.headline,
		canonicalPath: articlePath(article),
		main,
	});
}

/** A language's front page: Latest News, each item with its attribution. */
export function renderFrontPage(input: {
	language: string;
	items: readonly FeedItem[];
	siteUrl: string;
}): string {
	const { siteUrl, language } = input;
	return layout({
		siteUrl,
		language,
		feedLanguages: [language],
		homePath: "/",
		title: `Latest News (${languageName(language)}) · Syndicate`,
		canonicalPath: `/${language}/`,
		main: `<h1>Latest News</h1>\n${itemList(input.items, siteUrl)}`,
	});
}

/** The site's home page: the head of Latest News in every language. */
export function renderHomePage(input: {
	sections: readonly { language: string; items: readonly FeedItem[] }[];
	siteUrl: string;
}): string {
	const { siteUrl } = input;
	const sections = input.sections.map(
		({ language, items }) => `<section lang="${escapeHtml(language)}">
<h2><a href="${escapeHtml(absoluteUrl(siteUrl, `/${language}/`))}">${escapeHtml(languageName(language))}</a></h2>
${itemList(items, siteUrl)}
</section>`,
	);
	return layout({
		siteUrl,
		language: "en",
		feedLanguages: input.sections.map((section) => section.language),
		homePath: "/",
		title: "Latest News · Syndicate",
		canonicalPath: "/",
		main: `<h1>Latest News</h1>\n${sections.length > 0 ? sections.join("\n") : "<p>No articles yet.</p>"}`,
	});
}
