import type { Article } from "../article.ts";
import { articlePath, imagePath } from "../article.ts";
import type { FeedItem } from "../targets.ts";
import { type FeedFormat, feedContentTypes, feedPath, languageName } from "./feed-document.ts";
import { absoluteUrl, escapeHtml } from "./html.ts";

const STYLE = `body{font:17px/1.6 system-ui,sans-serif;max-width:44rem;margin:2rem auto;padding:0 1rem;color:#222}
header,footer{font-size:.9rem;color:#555}a{color:#0645ad}img{max-width:100%;height:auto}
.attribution{border-left:3px solid #999;padding-left:.8rem;font-size:.95rem}
figcaption{font-size:.85rem;color:#555}ol.items{padding-left:1.2rem}ol.items li{margin:.8rem 0}`;

function feedLinks(siteUrl: string, language: string): string {
	const formats: FeedFormat[] = ["rss", "atom", "json"];
	return formats
		.map(
			(format) =>
				`<link rel="alternate" type="${feedContentTypes[format].split(";")[0]}" title="Latest News (${escapeHtml(languageName(language))}, ${format.toUpperCase()})" href="${escapeHtml(absoluteUrl(siteUrl, feedPath(language, "latest", format)))}">`,
		)
		.join("\n");
}

function layout(input: {
	siteUrl: string;
	language: string;
	title: string;
	canonicalPath: string;
	main: string;
}): string {
	const { siteUrl, language } = input;
	return `<!doctype html>
<html lang="${escapeHtml(language)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(input.title)}</title>
<link rel="canonical" href="${escapeHtml(absoluteUrl(siteUrl, input.canonicalPath))}">
${feedLinks(siteUrl, language)}
<style>${STYLE}</style>
</head>
<body>
<header><a href="${escapeHtml(absoluteUrl(siteUrl, `/${language}/`))}">Syndicate</a></header>
<main>
${input.main}
</main>
<footer>Feeds: <a href="${escapeHtml(absoluteUrl(siteUrl, feedPath(language, "latest", "rss")))}">RSS</a> · <a href="${escapeHtml(absoluteUrl(siteUrl, feedPath(language, "latest", "atom")))}">Atom</a> · <a href="${escapeHtml(absoluteUrl(siteUrl, feedPath(language, "latest", "json")))}">JSON Feed</a></footer>
</body>
</html>
`;
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
					const caption = [image.caption, image.credit ? `Photo: ${image.credit}` : undefined]
						.filter(Boolean)
						.join(" ");
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
	const items = input.items
		.map(
			(
				item,
			) => `<li><a href="${escapeHtml(absoluteUrl(siteUrl, item.path))}">${escapeHtml(item.headline)}</a>
<br><small><time datetime="${escapeHtml(item.firstCreated)}">${formatDate(item.firstCreated)}</time> · ${escapeHtml(item.attribution)}</small></li>`,
		)
		.join("\n");
	const main = `<h1>Latest News</h1>
${items ? `<ol class="items">\n${items}\n</ol>` : "<p>No articles yet.</p>"}`;
	return layout({
		siteUrl,
		language,
		title: `Latest News (${languageName(language)}) · Syndicate`,
		canonicalPath: `/${language}/`,
		main,
	});
}
