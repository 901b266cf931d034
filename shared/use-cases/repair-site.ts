import { chunksOf } from "../lib/chunks.ts";
import type { SiteDigestStore } from "../ports/articles.ts";
import type { SiteCache, SiteInventory } from "../ports/publishing.ts";
import type { ObjectStore } from "../ports/uploads.ts";
import { sitePathsOf } from "../publishing/site-paths.ts";

// Keys per delete request.
const DELETE_SLICE = 1000;

/** What a repair did. */
export interface RepairResult {
	/** Targets rendered again. */
	targets: number;
	/** Keys written again, every one whatever its digest said. */
	written: number;
	/** Keys nothing the table implies should hold, deleted. */
	removed: string[];
}

export interface RepairSiteDeps {
	/** Renders the targets again trusting no digest; the keys it wrote. */
	republishEverything: (ids: readonly string[]) => Promise<ReadonlySet<string>>;
	site: ObjectStore;
	inventory: SiteInventory;
	digests?: SiteDigestStore;
	cache?: SiteCache;
	clock: () => Date;
}

/**
 * Makes the site what the table implies, in both directions, whatever the digests say: every
 * target is rendered again and each of its keys written (pages, photos, feeds and every
 * archive document), then every object in the bucket that no render wrote, and that is older
 * than the repair, is deleted (a page or photo a crash left up, an archive document nothing
 * renders any more). Newer objects are left: a publish that ran meanwhile wrote them.
 */
export function makeRepairSite(deps: RepairSiteDeps) {
	return async function repairSite(ids: readonly string[]): Promise<RepairResult> {
		const began = deps.clock().getTime();
		const written = await deps.republishEverything(ids);
		const kept = new Set(written);
		for (const key of written)
			for (const variant of deps.site.variantsOf?.(key) ?? []) kept.add(variant);
		const stray: string[] = [];
		for await (const object of deps.inventory.list()) {
			if (!kept.has(object.key) && Date.parse(object.lastModified) < began) stray.push(object.key);
		}
		if (stray.length > 0) {
			await deps.digests?.putDigests(new Map(stray.map((key) => [key, undefined])));
			for (const slice of chunksOf(stray, DELETE_SLICE)) await deps.site.deleteMany(slice);
			await deps.digests?.putDigests(new Map(stray.map((key) => [key, null])));
			await deps.cache?.invalidate(sitePathsOf(stray));
		}
		return { targets: ids.length, written: written.size, removed: stray.sort() };
	};
}
