import { parseTargetId, type Target } from "../domain/targets.ts";
import { forEachLimited } from "../lib/for-each-limited.ts";
import type { Claim } from "../ports/publishing.ts";
import type { PublishDeps } from "./deps.ts";
import { keysWrittenBy } from "./registry.ts";
import type { RoundReads } from "./round-reads.ts";
import { type SiteWriter, untrustingWriter } from "./site-writer.ts";
import { PUBLISH_CONCURRENCY, type TargetWriter } from "./target-kind.ts";
import type { PageTarget } from "./targets/page.ts";

// Page targets per ledger transaction (DynamoDB's limit).
export const PAGE_BATCH = 100;

// The publisher's writers record the digests of a render together, before its release.
export const DEFERRED = { deferRecords: true } as const;

/** How the lease protocol renders what it claimed (publish-targets.ts builds these). */
export interface Renderer {
	/** Renders one target; whether it hid what the table still shows. */
	render(target: Target, out: TargetWriter, round: RoundReads): Promise<boolean>;
	/** Renders claimed page targets together; those whose render hid what the table shows. */
	renderPages(
		targets: readonly PageTarget[],
		writerOf: (id: string) => TargetWriter,
		round?: RoundReads,
	): Promise<Set<string>>;
	makeRoundReads(): RoundReads;
}

/** Claimed targets as rendered, before their release (see `finishRenders`). */
export interface Rendered {
	claims: ReadonlyMap<string, Claim>;
	/** Those whose render hid what the table still shows (see `Shown` in round-reads.ts). */
	hidden: ReadonlySet<string>;
	writerOf: (id: string) => SiteWriter;
}

/**
 * The lease protocol: each target is rendered by one publisher at a time, again and again
 * until the revision it rendered is the newest, so a slow publisher never overwrites a newer
 * rendering and no change is left unpublished.
 */
export function makeLeases(deps: PublishDeps, renderer: Renderer) {
	const { ledger } = deps;

	/** Renews every lease in `ids` while `work` runs, so a slow render keeps its targets. */
	async function holdingLeases<T>(ids: readonly string[], work: () => Promise<T>): Promise<T> {
		const renew = () =>
			Promise.all(
				ids.map((id) =>
					ledger.renew(id, deps.owner, deps.clock(), deps.leaseMs).then(
						(held) => held || deps.onLeaseLost?.(id),
						() => undefined,
					),
				),
			);
		const timer = setInterval(renew, deps.leaseMs / 3);
		try {
			return await work();
		} finally {
			clearInterval(timer);
		}
	}

	/**
	 * Marks targets whose last render was provisional (see `Shown` in round-reads.ts) dirty
	 * again once released: the sweep renders them until a render agrees with the table.
	 */
	async function keepDirty(ids: readonly string[]): Promise<void> {
		if (ids.length > 0) await ledger.requestMany(ids);
	}

	/** Renders a claimed target again and again until the revision it rendered is the newest. */
	async function renderUntilNewest(id: string, claimed: number, out: TargetWriter): Promise<void> {
		const target = parseTargetId(id);
		out.expect(keysWrittenBy(target));
		let rev: number | null = claimed;
		while (rev !== null) {
			const hidden = await holdingLeases([id], () =>
				renderer.render(target, out, renderer.makeRoundReads()),
			);
			// Released only once its writes are recorded: the next holder compares with them.
			await out.settled();
			const result = await ledger.release(id, deps.owner, rev);
			rev = result.state === "stale" ? result.rev : null;
			if (result.state === "released" && hidden) await keepDirty([id]);
		}
	}

	/**
	 * Feeds, front pages, the home page and the OPML as one round: every target bumped and
	 * claimed first, then all rendered on shared reads, then each released; one changed again
	 * meanwhile renders until it has the newest revision.
	 */
	async function publishRound(ids: readonly string[], out: SiteWriter): Promise<void> {
		// Bumped first, in the claim's own write: whoever holds a lease now sees the change and
		// renders again. One held by another publisher is not claimed: that one re-renders
		// until it has our revision too.
		const claims = await requestAndClaim(ids);
		if (claims.size === 0) return;
		const rendered = await holdingLeases([...claims.keys()], () =>
			renderRound(claims, out, renderer.makeRoundReads()),
		);
		await finishRenders(out, [rendered]);
	}

	/**
	 * Renders a round's claimed targets on shared reads (made after every claim); the caller
	 * holds their leases.
	 */
	async function renderRound(
		claims: ReadonlyMap<string, Claim>,
		out: SiteWriter,
		reads: RoundReads,
	): Promise<Rendered> {
		const writerOf = writersFor(claims, out);
		out.expect([...claims.keys()].flatMap((id) => keysWrittenBy(parseTargetId(id))));
		const hidden = new Set<string>();
		await forEachLimited([...claims.keys()], PUBLISH_CONCURRENCY, async (id) => {
			if (await renderer.render(parseTargetId(id), writerOf(id), reads)) hidden.add(id);
		});
		return { claims, hidden, writerOf };
	}

	/**
	 * Releases rendered targets, all in one request where the store allows, once their
	 * writes are recorded (the next holder compares with them); one changed again meanwhile
	 * renders until it has the newest revision, one whose render was provisional stays dirty.
	 */
	async function finishRenders(out: SiteWriter, parts: readonly Rendered[]): Promise<void> {
		const writers = new Set([out]);
		const partOf = new Map<string, Rendered>();
		for (const part of parts) {
			for (const id of part.claims.keys()) {
				writers.add(part.writerOf(id));
				partOf.set(id, part);
			}
		}
		await Promise.all([...writers].map((writer) => writer.settled()));
		const revs = new Map(
			parts.flatMap((part) => [...part.claims].map(([id, { rev }]) => [id, rev] as const)),
		);
		const results = await ledger.releaseMany(revs, deps.owner);
		// Together: an early takedown renders every feed it touches ahead of the table.
		await keepDirty(
			[...results].flatMap(([id, result]) =>
				result.state === "released" && partOf.get(id)?.hidden.has(id) ? [id] : [],
			),
		);
		const stale = [...results].flatMap(([id, result]) =>
			result.state === "stale" ? [[id, result.rev] as const] : [],
		);
		await forEachLimited(stale, PUBLISH_CONCURRENCY, ([id, rev]) =>
			renderUntilNewest(id, rev, partOf.get(id)?.writerOf(id) ?? out),
		);
	}

	/**
	 * The writer each claimed target renders with: `out`, or for a target whose last holder
	 * died mid-render, one that trusts no digest, since what that holder wrote may not be in
	 * them (a later render of the same bytes would otherwise skip a key that holds others).
	 */
	function writersFor(
		claims: ReadonlyMap<string, Claim>,
		out: SiteWriter,
	): (id: string) => SiteWriter {
		const interrupted = [...claims.values()].some((claim) => claim.interrupted);
		const untrusting = interrupted ? untrustingWriter(deps.site, deps.digests, out, DEFERRED) : out;
		return (id) => (claims.get(id)?.interrupted ? untrusting : out);
	}

	/**
	 * Bumps and claims targets: one update for one, a transaction (and a read) for more;
	 * `settle`, pending changes the targets carry once bumped, forgotten in the same write.
	 */
	function requestAndClaim(
		ids: readonly string[],
		settle: readonly string[] = [],
	): Promise<Map<string, Claim>> {
		return ledger.requestAndClaimMany(ids, deps.owner, deps.clock(), deps.leaseMs, settle);
	}

	/** Bumps and claims page targets: one update for one page, transactions for more. */
	async function claimPages(ids: readonly string[]): Promise<Map<string, Claim>> {
		const [only] = ids;
		if (ids.length === 1 && only !== undefined) {
			const claim = await ledger.requestAndClaim(only, deps.owner, deps.clock(), deps.leaseMs);
			return new Map(claim === null ? [] : [[only, claim]]);
		}
		await ledger.requestMany(ids);
		return ledger.claimMany(ids, deps.owner, deps.clock(), deps.leaseMs);
	}

	/**
	 * The same protocol for a batch of page targets (a takedown of a whole agreement): one
	 * transaction bumps, claims and releases up to a hundred, one batch read gets their
	 * articles, one request deletes what went down. Pages changed again meanwhile go on one
	 * at a time.
	 */
	async function publishPages(ids: readonly string[], out: SiteWriter): Promise<void> {
		const claims = await claimPages(ids);
		if (claims.size === 0) return;
		const rendered = await holdingLeases([...claims.keys()], () => renderPages(claims, out));
		await finishRenders(out, [rendered]);
	}

	/**
	 * Renders claimed page targets (the caller holds their leases); `reads`, where a round's
	 * renders share them.
	 */
	async function renderPages(
		claims: ReadonlyMap<string, Claim>,
		out: SiteWriter,
		reads?: RoundReads,
	): Promise<Rendered> {
		const writerOf = writersFor(claims, out);
		const targets = [...claims.keys()].map((id) => parseTargetId(id) as PageTarget);
		out.expect(targets.flatMap(keysWrittenBy));
		const hidden = await renderer.renderPages(targets, writerOf, reads);
		return { claims, hidden, writerOf };
	}

	return {
		holdingLeases,
		publishRound,
		renderRound,
		finishRenders,
		requestAndClaim,
		claimPages,
		publishPages,
		renderPages,
	};
}
