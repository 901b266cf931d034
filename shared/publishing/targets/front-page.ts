import { renderFrontPage } from "../../domain/render/render-pages.ts";
import { FEED_SIZE, type Target } from "../../domain/targets.ts";
import { HTML, SITE_CACHE } from "../site-paths.ts";
import type { TargetKind } from "../target-kind.ts";
import { languageLists, newestArchivePagePath } from "./feed.ts";

type FrontTarget = Extract<Target, { kind: "front" }>;

const frontPageKey = (language: string) => `${language}/index.html`;

/**
 * `{lang}/index.html`: Latest News, Recent Updates and Most Viewed of one language, and the
 * way to the other languages' front pages.
 */
export const frontPageTarget: TargetKind<FrontTarget> = {
	keys: ({ language }) => [frontPageKey(language)],
	async render({ language }, out, ctx) {
		const [{ section, hidden }, olderPath, languages] = await Promise.all([
			languageLists(ctx, language, FEED_SIZE),
			newestArchivePagePath(ctx.round, language),
			ctx.round.languages(),
		]);
		const html = renderFrontPage({
			siteUrl: ctx.deps.siteUrl,
			languages,
			...section,
			...(olderPath ? { olderPath } : {}),
		});
		await out.put(frontPageKey(language), html, { contentType: HTML, cacheControl: SITE_CACHE });
		return hidden;
	},
};
