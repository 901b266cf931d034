import { XMLParser } from "fast-xml-parser";
import { expect } from "vitest";

/** Alternates by `hreflang`, each a URL: one page's, or one sitemap entry's. */
export type Alternates = Map<string, string>;

const BCP47 =
	/^[a-z]{2,3}(?:-[A-Z][a-z]{3})?(?:-(?:[A-Z]{2}|\d{3}))?(?:-(?:[a-z\d]{5,8}|\d[a-z\d]{3}))*$/;

/** `x-default`, or a BCP 47 tag in its canonical form (`zh-Hant`, not `zh-hant`). */
export function isValidHreflang(tag: string): boolean {
	if (tag === "x-default") return true;
	try {
		return Intl.getCanonicalLocales(tag).length === 1 && BCP47.test(tag);
	} catch {
		return false;
	}
}

/** The `<link rel="alternate" hreflang>` of a page's head; a tag named twice fails the test. */
export function pageAlternates(html: string, where: string): Alternates {
	const head = html.slice(0, html.indexOf("</head>"));
	const links: Alternates = new Map();
	for (const [, hreflang = "", href = ""] of head.matchAll(
		/<link rel="alternate" hreflang="([^"]*)" href="([^"]*)">/g,
	)) {
		expect(links.has(hreflang), `${where} names ${hreflang} twice`).toBe(false);
		links.set(hreflang, href);
	}
	return links;
}

/** The sitemap's `xhtml:link` alternates of each URL it lists. */
export function sitemapAlternates(xml: string): Map<string, Alternates> {
	const parsed = new XMLParser({
		ignoreAttributes: false,
		isArray: (name) => name === "url" || name === "xhtml:link",
	}).parse(xml);
	const urls = parsed.urlset.url as {
		loc: string;
		"xhtml:link"?: { "@_hreflang": string; "@_href": string }[];
	}[];
	return new Map(
		urls.map((url) => [
			url.loc,
			new Map((url["xhtml:link"] ?? []).map((link) => [link["@_hreflang"], link["@_href"]])),
		]),
	);
}

/** Every page links itself, every link is a page that links it back, every tag is BCP 47. */
export function expectReciprocal(graph: Map<string, Alternates>): void {
	for (const [url, links] of graph) {
		expect([...links.values()], `${url} links itself`).toContain(url);
		for (const [hreflang, href] of links) {
			expect(isValidHreflang(hreflang), `${url}: hreflang="${hreflang}"`).toBe(true);
			const back = graph.get(href);
			expect(back, `${url} links ${href}, which is no page with alternates`).toBeDefined();
			expect([...(back?.values() ?? [])], `${href} links ${url} back`).toContain(url);
		}
	}
}

/**
 * Every article page's alternates are the sitemap's for its URL, and every URL the sitemap
 * lists is a page linking the same set: Google wants a page's set the same wherever declared.
 */
export function expectSitemapAgrees(
	sitemap: Map<string, Alternates>,
	graph: Map<string, Alternates>,
): void {
	for (const [url, links] of graph) {
		if (url.includes("/articles/")) expect(sitemap.get(url), `sitemap: ${url}`).toEqual(links);
	}
	for (const [url, links] of sitemap) expect(graph.get(url), `page: ${url}`).toEqual(links);
}
