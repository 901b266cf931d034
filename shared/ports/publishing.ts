import type { PendingChange } from "./articles.ts";

/** One object in the site bucket, as a listing shows it. */
export interface SiteObject {
	key: string;
	/** ISO 8601. */
	lastModified: string;
}

/** Every object the site bucket holds, for a repair to find what nothing should have put there. */
export interface SiteInventory {
	list(): AsyncIterable<SiteObject>;
}

/** The CDN in front of the site: told which paths changed, so it serves no stale copy. */
export interface SiteCache {
	/** URL paths (`/en/`, `/feeds/en/latest.rss`), each name URL-encoded. */
	invalidate(paths: readonly string[]): Promise<void>;
}

/** A target this publisher now holds. */
export interface Claim {
	/** The revision to render. */
	rev: number;
	/**
	 * The last holder's lease ran out before it released the target: a publisher died
	 * mid-render, and what it wrote may not be in the site's digests. Render it without them.
	 */
	interrupted: boolean;
}

export type ReleaseResult =
	| { state: "released" }
	| { state: "stale"; rev: number }
	| { state: "lost" };

/**
 * Per-target revisions and leases: every publish request bumps a target's revision, one
 * publisher at a time holds its lease and renders until what it rendered is the newest.
 */
export interface PublishLedger {
	/** Bumps the target's revision and marks it dirty. */
	request(targetId: string): Promise<void>;
	/** Takes the lease and returns the revision to render, or `null` when another holds it. */
	claim(targetId: string, owner: string, now: Date, leaseMs: number): Promise<number | null>;
	/**
	 * {@link request}, then {@link claim}, in one write when nobody holds the lease: what a
	 * publish of one target starts with. `null` when another holds it.
	 */
	requestAndClaim(
		targetId: string,
		owner: string,
		now: Date,
		leaseMs: number,
	): Promise<Claim | null>;
	/** Gives the lease back if `rev` is still the newest revision. */
	release(targetId: string, owner: string, rev: number): Promise<ReleaseResult>;
	/** Extends a lease this owner holds; `false` when it was lost (expired and taken). */
	renew(targetId: string, owner: string, now: Date, leaseMs: number): Promise<boolean>;
	/** Targets whose newest revision has not been published. */
	listDirty(limit: number): Promise<string[]>;
	/** Committed changes whose targets have not all been published yet. */
	listPending(limit: number): Promise<PendingChange[]>;
	/** Forgets a pending change once its targets are published. */
	settle(changeId: string): Promise<void>;
	/** {@link request} for many targets, in as few writes as the store allows. */
	requestMany(targetIds: readonly string[]): Promise<void>;
	/** {@link claim} for many targets: each one this owner now holds. */
	claimMany(
		targetIds: readonly string[],
		owner: string,
		now: Date,
		leaseMs: number,
	): Promise<Map<string, Claim>>;
	/**
	 * {@link requestAndClaim} for many targets, in as few writes as the store allows: each is
	 * bumped, and claimed where this owner now holds it (a lease that ran out is taken over,
	 * `interrupted`, as alone). What a publish of an upload's page and feeds starts with.
	 * `settle`: pending changes whose targets are all among `targetIds`, forgotten
	 * ({@link settleMany}) once every target is bumped, in the same write where the store can:
	 * from then on the targets' revisions carry the changes (a target left dirty by a
	 * publisher that dies is the sweep's to render).
	 */
	requestAndClaimMany(
		targetIds: readonly string[],
		owner: string,
		now: Date,
		leaseMs: number,
		settle?: readonly string[],
	): Promise<Map<string, Claim>>;
	/** {@link release} for many claimed targets (id → the revision rendered). */
	releaseMany(
		claims: ReadonlyMap<string, number>,
		owner: string,
	): Promise<Map<string, ReleaseResult>>;
	/** {@link settle} for many changes. */
	settleMany(changeIds: readonly string[]): Promise<void>;
	/**
	 * Gives back leases this owner holds without publishing: the targets stay dirty, for the
	 * next claim to render (what a takedown made ahead of its commit does).
	 */
	yieldMany(targetIds: readonly string[], owner: string): Promise<void>;
}
