import { MAIN_FEED_KIND } from "../../domain/feeds/kinds.ts";
import { renderSitemap, SITEMAP_PATH, sitemapPages } from "../../domain/render/render-sitemap.ts";
import type { Target } from "../../domain/targets.ts";
import { SITE_CACHE, siteKey } from "../site-paths.ts";
import type { TargetKind } from "../target-kind.ts";
import { everyItemOf } from "./feed.ts";

const SITEMAP_KEY = siteKey(SITEMAP_PATH);
const XML = "application/xml";

/**
 * `sitemap.xml`: the home and front pages and every public article page, each with its
 * language versions and its `x-default`, as its page links them. Every public article is in
 * its language's Latest News (or its archive), which is where it is read from.
 */
export const sitemapTarget: TargetKind<Extract<Target, { kind: "sitemap" }>> = {
	keys: () => [SITEMAP_KEY],
	async render(_target, out, ctx) {
		const languages = await ctx.round.languages();
		const shown = await Promise.all(
			languages.map((language) => everyItemOf(ctx, language, MAIN_FEED_KIND.kind)),
		);
		const items = await Promise.all(
			shown
				.flatMap((one) => one.items)
				.map(async (item) =>
					// A row written before rows kept it: its article says, until a change to the
					// item writes the row again (the round's reads are sent together).
					item.originalLanguage === undefined
						? {
								...item,
								originalLanguage: (await ctx.round.article(item))?.original?.language ?? null,
							}
						: item,
				),
		);
		const pages = sitemapPages(languages, items);
		await Promise.all(
			renderSitemap(ctx.deps.siteUrl, pages).map(({ path, xml }) =>
				out.put(siteKey(path), xml, { contentType: XML, cacheControl: SITE_CACHE }),
			),
		);
		return shown.some((one) => one.hidden);
	},
};
