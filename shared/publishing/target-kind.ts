import type { Target } from "../domain/targets.ts";
import type { PublishDeps } from "./deps.ts";
import type { AgreementReads, RoundReads } from "./round-reads.ts";
import type { SiteWriter } from "./site-writer.ts";

// Targets rendered at once by one publisher.
export const PUBLISH_CONCURRENCY = 32;

/** Where a render writes: the site bucket, remembering what it changed. */
export type TargetWriter = Pick<
	SiteWriter,
	"put" | "replace" | "store" | "delete" | "deleteMany" | "expect" | "settled" | "written"
>;

/** What a render reads and calls beside its target and its writer. */
export interface RenderContext {
	deps: PublishDeps;
	reads: AgreementReads;
	/** The table reads of the round the render belongs to, shared with its other renders. */
	round: RoundReads;
	/** A repair: a feed renders every archive document, not only those marked stale. */
	everyArchivePage: boolean;
	/**
	 * Asks for targets a render found stale beyond its own: requested in the ledger (so the
	 * sweep still has them should this process die) and rendered by whichever publish of this
	 * process ends next, since one publisher at a time renders each target.
	 */
	followUp(ids: readonly string[]): Promise<void>;
}

/**
 * One kind of target, declared once: the registry (registry.ts) derives the dispatch of
 * renders and the key lists from these.
 */
export interface TargetKind<T extends Target> {
	/**
	 * The site keys a render of `target` is sure to write, known before it reads anything:
	 * their digests are read together as the targets are claimed. (Archive pages and photos
	 * depend on what the render reads, and are compared as they are written.)
	 */
	keys(target: T): string[];
	/**
	 * Renders the target from the table to the site; whether it hid what the table still
	 * shows (see `Shown` in round-reads.ts).
	 */
	render(target: T, out: TargetWriter, ctx: RenderContext): Promise<boolean>;
}
