import { FEED_STYLESHEET } from "../../domain/feeds/feed-stylesheet.ts";
import { feedIconFiles, feedIconPaths } from "../../domain/render/feed-icons.ts";
import { renderFeedXsl } from "../../domain/render/feed-xsl.ts";
import { renderHomePage, renderNotFoundPage } from "../../domain/render/render-pages.ts";
import { siteIcon, siteStylesheet } from "../../domain/render/stylesheet.ts";
import type { Target } from "../../domain/targets.ts";
import { CSS, HTML, IMMUTABLE, SITE_CACHE, SVG, siteKey } from "../site-paths.ts";
import type { TargetKind } from "../target-kind.ts";
import { languageLists } from "./feed.ts";

// The home page shows the head of each language's lists.
const HOME_ITEMS = 10;

const HOME_PAGE = "index.html";
const NOT_FOUND_PAGE = "404.html";
const FEED_XSL = siteKey(FEED_STYLESHEET.path);

/**
 * `index.html`, `404.html`, the stylesheet and icon every page links, and what every feed
 * names: its XSLT stylesheet and its icons. Those keep fixed paths (feeds name them), so they
 * are cached briefly like pages; a publish that changes nothing writes none of them again.
 */
export const homeTarget: TargetKind<Extract<Target, { kind: "home" }>> = {
	keys: () => [
		HOME_PAGE,
		NOT_FOUND_PAGE,
		siteStylesheet().key,
		siteIcon().key,
		FEED_XSL,
		...feedIconPaths().map(siteKey),
	],
	async render(_target, out, ctx) {
		const { siteUrl } = ctx.deps;
		const languages = await ctx.round.languages();
		const shown = await Promise.all(
			languages.map((language) => languageLists(ctx, language, HOME_ITEMS)),
		);
		const sections = shown.map((one) => one.section);
		const stylesheet = siteStylesheet();
		const icon = siteIcon();
		await Promise.all([
			out.put(FEED_XSL, renderFeedXsl(), {
				contentType: FEED_STYLESHEET.contentType,
				cacheControl: SITE_CACHE,
			}),
			...feedIconFiles().map((file) =>
				out.put(siteKey(file.path), file.bytes, {
					contentType: file.contentType,
					cacheControl: SITE_CACHE,
				}),
			),
			out.put(icon.key, icon.svg, { contentType: SVG, cacheControl: IMMUTABLE }),
			out.put(stylesheet.key, stylesheet.css, {
				contentType: CSS,
				// Its name holds its digest: a new stylesheet is a new key.
				cacheControl: IMMUTABLE,
			}),
			out.put(HOME_PAGE, renderHomePage({ sections, siteUrl }), {
				contentType: HTML,
				cacheControl: SITE_CACHE,
			}),
			out.put(NOT_FOUND_PAGE, renderNotFoundPage({ siteUrl, languages }), {
				contentType: HTML,
				cacheControl: SITE_CACHE,
			}),
		]);
		return shown.some((one) => one.hidden);
	},
};
