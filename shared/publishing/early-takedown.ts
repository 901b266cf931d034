import type { Article } from "../domain/article.ts";
import { parseTargetId } from "../domain/targets.ts";
import { chunksOf } from "../lib/chunks.ts";
import { forEachLimited } from "../lib/for-each-limited.ts";
import type { Claim } from "../ports/publishing.ts";
import type { PublishDeps } from "./deps.ts";
import { PAGE_BATCH } from "./lease.ts";
import { TARGETS } from "./registry.ts";
import { type AgreementReads, pageId } from "./round-reads.ts";
import { sitePathsOf } from "./site-paths.ts";
import { makeSiteWriter } from "./site-writer.ts";
import { PUBLISH_CONCURRENCY } from "./target-kind.ts";
import type { PageTakedown, PageTarget } from "./targets/page.ts";

// Keys per delete request of an early takedown.
const DELETE_SLICE = 100;

/**
 * A takedown an agreement change caused, published before its articles are decided again.
 */
export function makeEarlyTakedown(
	deps: PublishDeps,
	publisher: {
		reads: AgreementReads;
		/** Bumps and claims page targets (lease.ts). */
		claimPages(ids: readonly string[]): Promise<Map<string, Claim>>;
		/** Publishes targets as usual. */
		publishTargets(ids: readonly string[]): Promise<void>;
	},
) {
	const { articles, ledger, site } = deps;

	/**
	 * Takes down at once the pages and photos of these page targets whose agreement no longer
	 * allows the article, ahead of the commit that decides it: each page document is replaced
	 * by its takedown (a 410 page, a canceled ninjs document), each photo deleted. Each page
	 * is bumped and claimed first, so no render in flight writes it back, and what it wrote and
	 * deleted is recorded in the site's digests, so a later render writes it again; then its lease is given back with the target
	 * still dirty: whatever the commit turns out to decide (a grant may overtake the revoke),
	 * the next publish of the page, or the sweep should this process die, renders that. A page
	 * another publisher holds is left to it: bumped, it renders again under the agreement as
	 * it stands. Returns the pages that stay but lose their photos: those are rendered again,
	 * not just deleted from.
	 */
	async function removePagesNow(
		ids: readonly string[],
		known: readonly Article[],
	): Promise<string[]> {
		const targets = ids.map((id) => parseTargetId(id) as PageTarget);
		const stored = new Map(known.map((article) => [pageId(article), article]));
		const unread = targets.filter((target) => !stored.has(pageId(target)));
		for (const article of unread.length > 0 ? await articles.getArticles(unread) : []) {
			stored.set(pageId(article), article);
		}
		const gone: PageTarget[] = [];
		const rerender: string[] = [];
		await forEachLimited(targets, PUBLISH_CONCURRENCY, async (target) => {
			const article = stored.get(pageId(target));
			const standing = await publisher.reads.standingOf(article);
			if (!article || !standing || standing.images) return;
			if (standing.shown) rerender.push(pageId(target));
			else gone.push(target);
		});
		if (gone.length === 0) return rerender;
		const claimed = new Set(
			(
				await Promise.all(
					chunksOf(gone.map(pageId), PAGE_BATCH).map((slice) => publisher.claimPages(slice)),
				)
			).flatMap((claims) => [...claims.keys()]),
		);
		const keys: string[] = [];
		const replaced: PageTakedown["replaced"] = [];
		await forEachLimited(
			gone.filter((target) => claimed.has(pageId(target))),
			PUBLISH_CONCURRENCY,
			async (target) => {
				const article = stored.get(pageId(target));
				const takedown = await TARGETS.page.takedownOf(articles, target, article, deps.siteUrl);
				keys.push(...takedown.deleted);
				replaced.push(...takedown.replaced);
			},
		);
		try {
			if (replaced.length > 0) {
				// The pages first, through a writer: it records their digests as a render does.
				const writer = makeSiteWriter(site, deps.digests);
				await Promise.all(
					replaced.map(({ key, body, options }) => writer.replace(key, body, options)),
				);
				await deps.cache?.invalidate(sitePathsOf(writer.changed));
			}
			if (keys.length > 0) {
				// Forgotten, deleted, then recorded deleted: a crash anywhere leaves no digest
				// that says a page is there when it is not, or gone when it is not.
				await deps.digests?.putDigests(new Map(keys.map((key) => [key, undefined])));
				// In slices sent together: many small requests end sooner than two of a thousand.
				await Promise.all(chunksOf(keys, DELETE_SLICE).map((slice) => site.deleteMany(slice)));
				await deps.digests?.putDigests(new Map(keys.map((key) => [key, null])));
				await deps.cache?.invalidate(sitePathsOf(keys));
			}
		} finally {
			await ledger.yieldMany([...claimed], deps.owner);
		}
		return rerender;
	}

	/**
	 * Every render applies the agreement as stored, so the feeds and front pages are
	 * published as usual, pages whose article went are deleted with their photos in a few
	 * requests, and pages that only lost their photos are rendered again. `known` are the
	 * articles as stored, where the caller read them already.
	 */
	async function takeDownNow(
		ids: readonly string[],
		known: readonly Article[] = [],
	): Promise<void> {
		const unique = [...new Set(ids)];
		const [, rerender] = await Promise.all([
			publisher.publishTargets(unique.filter((id) => !id.startsWith("page|"))),
			removePagesNow(
				unique.filter((id) => id.startsWith("page|")),
				known,
			),
		]);
		if (rerender.length > 0) await publisher.publishTargets(rerender);
	}

	return { takeDownNow };
}
