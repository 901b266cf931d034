import { chunksOf } from "../lib/chunks.ts";
import { forEachLimited } from "../lib/for-each-limited.ts";
import type { Claim } from "../ports/publishing.ts";
import { afterPublish } from "../publishing/after-publish.ts";
import type { PublishDeps } from "../publishing/deps.ts";
import { makeEarlyTakedown } from "../publishing/early-takedown.ts";
import { DEFERRED, makeLeases, PAGE_BATCH } from "../publishing/lease.ts";
import { renderTarget } from "../publishing/registry.ts";
import { makeAgreementReads } from "../publishing/round-reads.ts";
import { makeSiteWriter, type SiteWriter, untrustingWriter } from "../publishing/site-writer.ts";
import type { RenderContext, TargetWriter } from "../publishing/target-kind.ts";
import { renderPages } from "../publishing/targets/page.ts";

// Batches of page targets (PAGE_BATCH each) published at once.
const PAGE_BATCHES_AT_ONCE = 4;

/**
 * Renders targets from the table to the site bucket. Each target is rendered by one
 * publisher at a time, again and again until the revision it rendered is the newest: so a
 * slow publisher never overwrites a newer rendering, and no change is left unpublished
 * (lease.ts). What each kind of target renders is its module's (registry.ts).
 */
export function makePublishTargets(deps: PublishDeps) {
	const { ledger, site } = deps;
	const reads = makeAgreementReads(deps);

	// Writers of a repair: their feeds render every archive document.
	const everyArchivePage = new WeakSet<TargetWriter>();

	// Targets a render found stale beyond its own (requested in the ledger too, so the sweep
	// still has them should this process die): whichever publish of this process ends next
	// renders them.
	const followUps = new Set<string>();

	const contextOf = (out: TargetWriter, round: RenderContext["round"]): RenderContext => ({
		deps,
		reads,
		round,
		everyArchivePage: everyArchivePage.has(out),
		followUp: async (ids) => {
			await Promise.all(ids.map((id) => ledger.request(id)));
			for (const id of ids) followUps.add(id);
		},
	});

	const leases = makeLeases(deps, {
		render: (target, out, round) => renderTarget(target, out, contextOf(out, round)),
		renderPages: (targets, writerOf, round) =>
			renderPages(targets, writerOf, { deps, reads, ...(round ? { round } : {}) }),
		makeRoundReads: reads.makeRoundReads,
	});

	/**
	 * Publishes the targets; `settle`, pending changes whose targets they all are, is
	 * forgotten once every target is bumped (see `PublishLedger.requestAndClaimMany`).
	 */
	async function publishTargets(
		ids: readonly string[],
		settle: readonly string[] = [],
	): Promise<void> {
		// Writes only what changed: the same data gives the same bytes, ETag and no invalidation.
		await publishWith(makeSiteWriter(site, deps.digests, undefined, DEFERRED), ids, settle);
	}

	/**
	 * Every target of `ids` rendered again, trusting no digest (each key is written and its
	 * digest recorded, each key a render removes is deleted) and with every archive document,
	 * not only those marked stale: a repair. Returns the keys written.
	 */
	async function republishEverything(ids: readonly string[]): Promise<ReadonlySet<string>> {
		const out = untrustingWriter(
			site,
			deps.digests,
			makeSiteWriter(site, deps.digests, undefined, DEFERRED),
			DEFERRED,
		);
		everyArchivePage.add(out);
		await publishWith(out, ids);
		return out.written;
	}

	async function publishWith(
		out: SiteWriter,
		ids: readonly string[],
		settle: readonly string[] = [],
	): Promise<void> {
		const unique = [...new Set(ids)];
		const pages = unique.filter((id) => id.startsWith("page|"));
		const batches = chunksOf(pages, PAGE_BATCH);
		const listings = unique.filter((id) => !id.startsWith("page|"));
		const allPages = () =>
			forEachLimited(batches, PAGE_BATCHES_AT_ONCE, (batch) => leases.publishPages(batch, out));
		if (batches.length <= 1) {
			// A few pages (an upload, a correction) beside the feeds that list them, all bumped
			// and claimed in one write: neither waits for the other, and a new article's page is
			// not published after the feeds that link to it.
			// Rendered on reads shared by both (each made after every claim), released together.
			const claims = await leases.requestAndClaim([...listings, ...pages], settle);
			const of = (ids: readonly string[]) =>
				new Map(ids.flatMap((id) => (claims.has(id) ? [[id, claims.get(id) as Claim]] : [])));
			const round = reads.makeRoundReads();
			const [listingClaims, pageClaims] = [of(listings), of(pages)];
			// Every lease renewed until every render ends: the page's is released with the feeds'.
			const rendered = await leases.holdingLeases([...claims.keys()], () =>
				Promise.all([
					listingClaims.size > 0 ? leases.renderRound(listingClaims, out, round) : undefined,
					pageClaims.size > 0 ? leases.renderPages(pageClaims, out, round) : undefined,
				]),
			);
			await leases.finishRenders(
				out,
				rendered.filter((part) => part !== undefined),
			);
		} else {
			// Many (a takedown or release of a whole agreement): feeds and front pages first,
			// where readers look, so they do not queue behind a thousand pages for sockets.
			await leases.publishRound(listings, out);
			await allPages();
			await ledger.settleMany(settle);
		}
		// A feed listed for the first time brought the OPML (and a new language's other feeds):
		// published now, so a reader finds them as soon as the upload's own page.
		while (followUps.size > 0) {
			const next = [...followUps];
			followUps.clear();
			await leases.publishRound(next, out);
		}
		await out.settled();
		await afterPublish(deps, out);
	}

	const { takeDownNow } = makeEarlyTakedown(deps, {
		reads,
		claimPages: leases.claimPages,
		publishTargets,
	});

	return { publishTargets, republishEverything, takeDownNow };
}
