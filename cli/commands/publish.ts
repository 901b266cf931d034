import type { Command } from "commander";
import type { ArticleRef } from "#shared/domain/article.ts";
import {
	feedEntriesFor,
	LANGUAGE_FEEDS,
	parseTargetId,
	policyTargetIds,
	targetId,
	targetOfFeedKey,
} from "#shared/domain/targets.ts";
import { forEachLimited } from "#shared/lib/for-each-limited.ts";
import { openStack, withStackOptions } from "../context.ts";
import type { CliContext, StackOptions } from "../open-stack.ts";
import { printJson } from "./output.ts";

// Articles read at once while listing their feeds.
const READ_CONCURRENCY = 16;
// The sweep takes this many pending changes and dirty targets a round (its default).
const SWEEP_LIMIT = 100;
// Enough rounds for thousands of targets; a target held under another publisher's lease
// stays dirty until that one is done, so the loop must not wait for "none left" forever.
const SWEEP_ROUNDS = 50;

function isKnownTarget(id: string): boolean {
	try {
		parseTargetId(id);
		return true;
	} catch {
		return false;
	}
}

/**
 * Every target that exists: each language's fixed feeds and front page, home, OPML and sitemap,
 * every agreement's policy (revoked and expired ones too), every article's page, and every
 * feed an article is in now (its partner's, its subjects').
 */
async function listAllTargets(ctx: CliContext): Promise<string[]> {
	const ids = new Set<string>(["home", "opml", "sitemap"]);
	for (const { agreementId } of await ctx.agreements.listAgreements()) {
		for (const id of policyTargetIds(agreementId)) ids.add(id);
	}
	for (const language of await ctx.feeds.listLanguages()) {
		for (const feed of LANGUAGE_FEEDS) ids.add(`feed|${language}|${feed}`);
		ids.add(`front|${language}`);
	}
	const refs: ArticleRef[] = [];
	for (const partner of await ctx.agreements.listPartners()) {
		for await (const summary of ctx.articles.listByPartner(partner.partnerId)) {
			const { partnerId, articleId, language } = summary;
			refs.push({ partnerId, articleId, language });
		}
	}
	await forEachLimited(refs, READ_CONCURRENCY, async (ref) => {
		// A page target of an article that is not public takes its page and photos down.
		ids.add(targetId({ kind: "page", ...ref }));
		const article = await ctx.articles.getArticle(ref);
		if (!article) return;
		for (const entry of feedEntriesFor(article)) {
			try {
				ids.add(targetId(targetOfFeedKey(entry.feedKey)));
			} catch {
				// A feed kind this publisher does not render: reported as skipped below.
				ids.add(`feed|${entry.feedKey.replace("/", "|")}`);
			}
		}
	});
	return [...ids].sort();
}

/**
 * Runs the schedule, then sweeps until nothing is pending or dirty: rendering can itself ask for more (a feed listed
 * for the first time asks for the OPML and its language's other feeds), which the schedule's
 * next sweep would otherwise publish. Returns how many targets it published.
 */
async function drain(ctx: CliContext): Promise<number> {
	// The schedule's own run first: agreement changes a dead command left, what came due.
	let published = (await ctx.scheduledSweep()).targets;
	for (let round = 0; round < SWEEP_ROUNDS; round++) {
		const targets = await ctx.sweep(SWEEP_LIMIT);
		if (targets === 0) break;
		published += targets;
	}
	return published;
}

/** `publish [--all]`: republish what is pending or dirty, or every target. */
export function registerPublishCommand(program: Command): void {
	withStackOptions(
		program
			.command("publish")
			.description(
				"republish the pending and dirty targets (what the schedule's sweep does), or with --all repair the whole site: every feed (archives included), front page, home, OPML, sitemap, agreement policy and article page written again whatever the digests say, and every object nothing in the table implies removed",
			)
			.option("--all", "every target that exists, not only the pending ones")
			.option("--json", "print JSON"),
	).action(async (options: StackOptions & { all?: boolean; json?: boolean }) => {
		const ctx = await openStack(options);
		try {
			const started = performance.now();
			if (!options.all) {
				const published = await drain(ctx);
				const ms = Math.round(performance.now() - started);
				if (options.json) return printJson({ all: false, published, ms });
				return console.log(`published ${published} pending or dirty target(s) in ${ms} ms`);
			}
			const all = await listAllTargets(ctx);
			const published = all.filter(isKnownTarget);
			const skipped = all.filter((id) => !isKnownTarget(id));
			const repaired = await ctx.repairSite(published);
			const swept = await drain(ctx);
			const ms = Math.round(performance.now() - started);
			const { written, removed } = repaired;
			if (options.json) {
				return printJson({ all: true, published, skipped, written, removed, swept, ms });
			}
			console.log(
				`published ${published.length} target(s) (${written} objects written whatever the digests said)${swept ? `, then ${swept} they asked for` : ""} in ${ms} ms`,
			);
			if (removed.length > 0) {
				const shown = removed.slice(0, 10).join(", ");
				console.log(
					`removed ${removed.length} object(s) nothing in the table implies: ${shown}${removed.length > 10 ? ", …" : ""}`,
				);
			}
			if (skipped.length > 0) {
				console.log(
					`skipped ${skipped.length} target(s) of a kind not rendered yet: ${skipped.join(", ")}`,
				);
			}
		} finally {
			ctx.destroy();
		}
	});
}
