import { OPML } from "../../domain/feeds/formats.ts";
import { renderOpml } from "../../domain/render/render-opml.ts";
import { feedOfKey, type Target } from "../../domain/targets.ts";
import { SITE_CACHE, siteKey } from "../site-paths.ts";
import type { TargetKind } from "../target-kind.ts";

const OPML_KEY = siteKey(OPML.path);

/** `feeds/index.opml`: every feed listed so far. */
export const opmlTarget: TargetKind<Extract<Target, { kind: "opml" }>> = {
	keys: () => [OPML_KEY],
	async render(_target, out, ctx) {
		const listed = await ctx.deps.feeds.listFeedKeys();
		const feeds = listed.map(({ feedKey, name }) => ({
			...feedOfKey(feedKey),
			...(name === undefined ? {} : { name }),
		}));
		const opml = renderOpml({ siteUrl: ctx.deps.siteUrl, feeds });
		await out.put(OPML_KEY, opml, { contentType: OPML.contentType, cacheControl: SITE_CACHE });
		return false;
	},
};
