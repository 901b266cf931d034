import { RANKED_FEEDS } from "../../domain/feeds/kinds.ts";
import {
	type FeedEntry,
	feedEntriesFor,
	type Target,
	targetId,
	targetOfFeedKey,
} from "../../domain/targets.ts";
import { siblingRefs } from "../../domain/translations.ts";
import type { TargetKind } from "../target-kind.ts";

type TranslationsTarget = Extract<Target, { kind: "translations" }>;

/**
 * The other language versions of an article whose version in `language` came or went: their
 * pages and the feeds that list them link it (or no longer do), so each is asked for as a
 * follow-up, with the archive pages holding their rows marked stale. Read once the change is
 * committed, so of two versions that change together the later one's render sees the other:
 * links converge whatever the order.
 */
export const translationsTarget: TargetKind<TranslationsTarget> = {
	// It writes nothing of its own.
	keys: () => [],
	async render(target, _out, ctx) {
		const languages = await ctx.round.languages();
		const stored = await Promise.all(
			siblingRefs(target, languages).map((ref) => ctx.round.article(ref)),
		);
		const ids = new Set<string>();
		const rows: FeedEntry[] = [];
		const standing = await Promise.all(
			stored.map((sibling) => ctx.reads.standingOf(sibling, ctx.round)),
		);
		for (const [i, sibling] of stored.entries()) {
			// A version its agreement no longer allows links nothing, and is being taken down by
			// a change of its own (a revoke takes every language of an agreement at once).
			if (!sibling || !standing[i]?.shown) continue;
			const { partnerId, articleId, language } = sibling;
			ids.add(targetId({ kind: "page", partnerId, articleId, language }));
			for (const row of feedEntriesFor(sibling)) {
				rows.push(row);
				ids.add(targetId(targetOfFeedKey(row.feedKey)));
			}
			for (const feed of RANKED_FEEDS) ids.add(targetId({ kind: "feed", language, feed }));
		}
		// A full archive page is rendered again only when marked stale, and those holding the
		// siblings' rows name their translations too: marked before the feeds are asked for.
		await ctx.deps.feeds.markRowsStale(rows);
		if (ids.size > 0) await ctx.followUp([...ids]);
		return false;
	},
};
