import type { FeedItem } from "../targets.ts";
import { articleKeyOf, hreflangAlternates, translationOf } from "../translations.ts";
import { siteHref } from "./feed-document.ts";
import { frontPath } from "./page-context.ts";
import type { HreflangLink } from "./page-layout.ts";
import { XML_DECLARATION, xmlElement } from "./xml.ts";

/** The limits of one sitemap file (sitemaps.org): past either, a sitemap index lists parts. */
export const SITEMAP_MAX_URLS = 50_000;
export const SITEMAP_MAX_BYTES = 50 * 1024 * 1024;

/** The site path of the sitemap, or of the sitemap index when the site outgrows one file. */
export const SITEMAP_PATH = "/sitemap.xml";

/** Site path of part `n` (1-based) of a sitemap too large for one file. */
export function sitemapPartPath(n: number): string {
	return `/sitemaps/${n}.xml`;
}

const URLSET_START =
	'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:xhtml="http://www.w3.org/1999/xhtml">';
const URLSET_END = "</urlset>";

/** One page of the sitemap, and the same page in every language it is in (itself included). */
export interface SitemapPage {
	path: string;
	alternates: readonly HreflangLink[];
}

/** The front pages (`/{lang}/`) as each other's alternates, the home page their `x-default`. */
export function frontPageAlternates(languages: readonly string[]): HreflangLink[] {
	const fronts = [...languages]
		.sort()
		.map((language) => ({ hreflang: language, path: frontPath(language) }));
	return fronts.length > 0 ? [...fronts, { hreflang: "x-default", path: "/" }] : [];
}

/**
 * The home page and the front pages, then every article page shown with its other public
 * versions and its `x-default`: the alternates its page links (`hreflangAlternates`), as
 * Google wants a page's set the same wherever it is declared. An item without its
 * `originalLanguage` gets none: the sitemap target reads it for rows written before it was kept.
 */
export function sitemapPages(
	languages: readonly string[],
	items: readonly FeedItem[],
): SitemapPage[] {
	const fronts = frontPageAlternates(languages);
	const byArticle = new Map<string, FeedItem[]>();
	for (const item of items) {
		const key = articleKeyOf(item);
		byArticle.set(key, [...(byArticle.get(key) ?? []), item]);
	}
	const articles = [...byArticle.values()].flatMap((versions) =>
		versions.map((item) => ({
			path: item.path,
			alternates: hreflangAlternates(
				item,
				versions.map(translationOf),
				item.originalLanguage ?? undefined,
			),
		})),
	);
	articles.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
	return [
		{ path: "/", alternates: fronts },
		...fronts
			.filter((one) => one.path !== "/")
			.map((one) => ({ path: one.path, alternates: fronts })),
		...articles,
	];
}

function urlEntry(siteUrl: string, page: SitemapPage): string {
	return [
		"  <url>",
		`    ${xmlElement("loc", {}, siteHref(siteUrl, page.path))}`,
		...page.alternates.map(
			(link) =>
				`    ${xmlElement("xhtml:link", { rel: "alternate", hreflang: link.hreflang, href: siteHref(siteUrl, link.path) })}`,
		),
		"  </url>",
	].join("\n");
}

/**
 * The site's sitemap (sitemaps.org 0.9) with Google's `xhtml:link` hreflang alternates: one
 * document at {@link SITEMAP_PATH}, or, past 50,000 URLs or 50 MB, a sitemap index there and
 * the parts at {@link sitemapPartPath}. Returns every document to write, the sitemap first.
 */
export function renderSitemap(
	siteUrl: string,
	pages: readonly SitemapPage[],
	limits: { urls: number; bytes: number } = { urls: SITEMAP_MAX_URLS, bytes: SITEMAP_MAX_BYTES },
): { path: string; xml: string }[] {
	const frame = XML_DECLARATION.length + URLSET_START.length + URLSET_END.length + 4;
	const parts: string[][] = [[]];
	let bytes = frame;
	for (const page of pages) {
		const entry = urlEntry(siteUrl, page);
		const size = new TextEncoder().encode(entry).length + 1;
		const current = parts[parts.length - 1] ?? [];
		if (current.length > 0 && (current.length >= limits.urls || bytes + size > limits.bytes)) {
			parts.push([entry]);
			bytes = frame + size;
		} else {
			current.push(entry);
			bytes += size;
		}
	}
	const urlset = (entries: readonly string[]) =>
		[XML_DECLARATION, URLSET_START, ...entries, URLSET_END, ""].join("\n");
	const [only] = parts;
	if (parts.length === 1 && only) return [{ path: SITEMAP_PATH, xml: urlset(only) }];
	const index = [
		XML_DECLARATION,
		'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
		...parts.map(
			(_, i) =>
				`  <sitemap>${xmlElement("loc", {}, siteHref(siteUrl, sitemapPartPath(i + 1)))}</sitemap>`,
		),
		"</sitemapindex>",
		"",
	].join("\n");
	return [
		{ path: SITEMAP_PATH, xml: index },
		...parts.map((entries, i) => ({ path: sitemapPartPath(i + 1), xml: urlset(entries) })),
	];
}
