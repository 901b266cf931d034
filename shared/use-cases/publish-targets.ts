import { type Article, type ArticleRef, articlePath, imageKey } from "../domain/article.ts";
import {
	buildFeedDocument,
	type FeedDocument,
	type FeedFormat,
	feedContentTypes,
	feedPath,
} from "../domain/render/feed-document.ts";
import { renderAtom } from "../domain/render/render-atom.ts";
import { renderJsonFeed } from "../domain/render/render-json-feed.ts";
import {
	renderArticlePage,
	renderFrontPage,
	renderHomePage,
} from "../domain/render/render-pages.ts";
import { renderRss } from "../domain/render/render-rss.ts";
import { feedKey, parseTargetId, type Target, targetId } from "../domain/targets.ts";
import type {
	ArticleStore,
	FeedStore,
	ObjectStore,
	PendingChange,
	PublishLedger,
	SiteCache,
} from "../ports.ts";
import { forEachLimited } from "./for-each-limited.ts";

/** Newest items per feed (site.md); older ones go to archive documents in a later step. */
const FEED_SIZE = 50;
// The home page shows the head of each language's Latest News.
const HOME_ITEMS = 10;

// Targets rendered at once by one publisher.
const PUBLISH_CONCURRENCY = 32;
// Page targets per ledger transaction (DynamoDB's limit), and such batches at once.
const PAGE_BATCH = 100;
const PAGE_BATCHES_AT_ONCE = 4;

// Feeds, pages and photos alike: short enough that readers see changes and takedowns soon;
// the edge revalidates with ETags after that.
const SITE_CACHE = "public, max-age=60";
const HTML = "text/html; charset=utf-8";

const FEED_RENDERERS: readonly (readonly [FeedFormat, (doc: FeedDocument) => string])[] = [
	["rss", renderRss],
	["atom", renderAtom],
	["json", renderJsonFeed],
];

export interface PublishDeps {
	articles: ArticleStore;
	feeds: FeedStore;
	ledger: PublishLedger;
	/** The ingest bucket, where article bodies and images are kept privately. */
	content: ObjectStore;
	site: ObjectStore;
	siteUrl: string;
	clock: () => Date;
	/** Identifies this publisher in leases; unique per process. */
	owner: string;
	/**
	 * How long a lease lasts unless renewed. Renewed while rendering, so it can be short: a
	 * publisher that dies holding one blocks its target only this long.
	 */
	leaseMs: number;
	/** Where a failed lease renewal is reported (the render goes on; its release will fail). */
	onLeaseLost?: (targetId: string) => void;
	/** The CDN in front of the site (CloudFront in AWS); none locally, where the edge has no cache. */
	cache?: SiteCache;
}

function siteKey(path: string): string {
	return path.replace(/^\//, "");
}

/** Where the publisher writes: the site bucket, remembering what it changed. */
type SiteWriter = Pick<ObjectStore, "put" | "delete" | "deleteMany">;

type PageTarget = Extract<Target, { kind: "page" }>;

const pageId = (ref: ArticleRef) => targetId({ kind: "page", ...ref });

/**
 * The URL paths that serve the changed keys: each key's own path (each name URL-encoded, as
 * pages and feeds link it), and a folder's `/` for its `index.html`.
 */
export function sitePathsOf(keys: Iterable<string>): string[] {
	const paths = new Set<string>();
	for (const key of keys) {
		const path = `/${key.split("/").map(encodeURIComponent).join("/")}`;
		paths.add(path);
		if (path.endsWith("/index.html")) paths.add(path.slice(0, -"index.html".length));
	}
	return [...paths].sort();
}

/**
 * Renders targets from the table to the site bucket. Each target is rendered by one
 * publisher at a time, again and again until the revision it rendered is the newest: so a
 * slow publisher never overwrites a newer rendering, and no change is left unpublished.
 */
export function makePublishTargets(deps: PublishDeps) {
	const { articles, feeds, ledger, content, site, siteUrl } = deps;

	async function renderFeed(
		target: Extract<Target, { kind: "feed" }>,
		out: SiteWriter,
	): Promise<void> {
		const items = await feeds.listFeed(feedKey(target.language, target.feed), FEED_SIZE);
		const doc = buildFeedDocument({ siteUrl, language: target.language, feed: target.feed, items });
		await Promise.all([
			...FEED_RENDERERS.map(([format, renderFormat]) =>
				out.put(siteKey(feedPath(target.language, target.feed, format)), renderFormat(doc), {
					contentType: feedContentTypes[format],
					cacheControl: SITE_CACHE,
				}),
			),
			out.put(
				`${target.language}/index.html`,
				renderFrontPage({ language: target.language, items, siteUrl }),
				{ contentType: HTML, cacheControl: SITE_CACHE },
			),
		]);
	}

	/**
	 * Every photo any version of the article showed that `shownKeys` does not: taken down
	 * with it. Versions only grow, so an article at version 1 is the only version there is.
	 */
	async function stalePhotoKeys(
		target: ArticleRef,
		article: Article | undefined,
		shownKeys: ReadonlySet<string>,
	): Promise<string[]> {
		const versions = article?.version === 1 ? [article] : await articles.listVersions(target);
		const keys = versions
			.flatMap((version) => version.images)
			.map((image) => imageKey(target, image));
		return [...new Set(keys)].filter((key) => !shownKeys.has(key));
	}

	/**
	 * Writes the page and photos of a published article; returns the keys that must go (the
	 * page itself when the article is not public, and every photo it no longer shows), so a
	 * batch of pages can delete them in one request.
	 */
	async function renderPageOf(
		target: Extract<Target, { kind: "page" }>,
		article: Article | undefined,
		out: SiteWriter,
	): Promise<string[]> {
		const pageKey = siteKey(articlePath(target));
		const published = article?.status === "published" ? article : undefined;
		const shown = published?.permission.imagesAllowed ? published.images : [];
		const stale = await stalePhotoKeys(
			target,
			article,
			new Set(shown.map((image) => imageKey(target, image))),
		);
		if (!published) return [pageKey, ...stale];
		const body = await content.get(published.bodyKey);
		if (!body || "tooLarge" in body) throw new Error(`body ${published.bodyKey} is missing`);
		await Promise.all(
			shown.map(async (image) => {
				const bytes = await content.get(image.contentKey);
				if (!bytes || "tooLarge" in bytes) throw new Error(`image ${image.contentKey} is missing`);
				await out.put(imageKey(target, image), bytes.bytes, {
					contentType: image.contentType,
					cacheControl: SITE_CACHE,
				});
			}),
		);
		const html = renderArticlePage({
			article: published,
			bodyHtml: new TextDecoder().decode(body.bytes),
			siteUrl,
		});
		await out.put(pageKey, html, { contentType: HTML, cacheControl: SITE_CACHE });
		return stale;
	}

	async function renderPage(
		target: Extract<Target, { kind: "page" }>,
		out: SiteWriter,
	): Promise<void> {
		await out.deleteMany(await renderPageOf(target, await articles.getArticle(target), out));
	}

	async function renderHome(out: SiteWriter): Promise<void> {
		const languages = await feeds.listLanguages();
		const sections = await Promise.all(
			languages.map(async (language) => ({
				language,
				items: await feeds.listFeed(feedKey(language, "latest"), HOME_ITEMS),
			})),
		);
		await out.put("index.html", renderHomePage({ sections, siteUrl }), {
			contentType: HTML,
			cacheControl: SITE_CACHE,
		});
	}

	function render(target: Target, out: SiteWriter): Promise<void> {
		switch (target.kind) {
			case "feed":
				return renderFeed(target, out);
			case "page":
				return renderPage(target, out);
			case "home":
				return renderHome(out);
		}
	}

	/** Renews every lease in `ids` while `work` runs, so a slow render keeps its targets. */
	async function holdingLeases(ids: readonly string[], work: () => Promise<void>): Promise<void> {
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
			await work();
		} finally {
			clearInterval(timer);
		}
	}

	/** Renders a claimed target again and again until the revision it rendered is the newest. */
	async function renderUntilNewest(id: string, claimed: number, out: SiteWriter): Promise<void> {
		const target = parseTargetId(id);
		let rev: number | null = claimed;
		while (rev !== null) {
			await holdingLeases([id], () => render(target, out));
			const result = await ledger.release(id, deps.owner, rev);
			rev = result.state === "stale" ? result.rev : null;
		}
	}

	async function publishTarget(id: string, out: SiteWriter): Promise<void> {
		// Bumped first: whoever holds the lease now sees the change and renders again.
		await ledger.request(id);
		const rev = await ledger.claim(id, deps.owner, deps.clock(), deps.leaseMs);
		// Another publisher holds the lease; it re-renders until it has our revision too.
		if (rev !== null) await renderUntilNewest(id, rev, out);
	}

	/**
	 * The same protocol for a batch of page targets (a takedown of a whole agreement): one
	 * transaction bumps, claims and releases up to a hundred, one batch read gets their
	 * articles, one request deletes what went down. Pages changed again meanwhile go on one
	 * at a time.
	 */
	async function publishPages(ids: readonly string[], out: SiteWriter): Promise<void> {
		await ledger.requestMany(ids);
		const claims = await ledger.claimMany(ids, deps.owner, deps.clock(), deps.leaseMs);
		if (claims.size === 0) return;
		await holdingLeases([...claims.keys()], async () => {
			const targets = [...claims.keys()].map((id) => parseTargetId(id) as PageTarget);
			const stored = new Map(
				(await articles.getArticles(targets)).map((article) => [pageId(article), article]),
			);
			const deletions: string[] = [];
			await forEachLimited(targets, PUBLISH_CONCURRENCY, async (target) => {
				deletions.push(...(await renderPageOf(target, stored.get(pageId(target)), out)));
			});
			await out.deleteMany(deletions);
		});
		const results = await ledger.releaseMany(claims, deps.owner);
		const stale = [...results].flatMap(([id, result]) =>
			result.state === "stale" ? [[id, result.rev] as const] : [],
		);
		await forEachLimited(stale, PUBLISH_CONCURRENCY, ([id, rev]) =>
			renderUntilNewest(id, rev, out),
		);
	}

	return async function publishTargets(ids: readonly string[]): Promise<void> {
		const changed = new Set<string>();
		const out: SiteWriter = {
			put: async (key, body, options) => {
				await site.put(key, body, options);
				changed.add(key);
			},
			delete: async (key) => {
				await site.delete(key);
				changed.add(key);
			},
			deleteMany: async (keys) => {
				if (keys.length === 0) return;
				await site.deleteMany(keys);
				for (const key of keys) changed.add(key);
			},
		};
		const unique = [...new Set(ids)];
		const pages = unique.filter((id) => id.startsWith("page|"));
		const batches: string[][] = [];
		for (let i = 0; i < pages.length; i += PAGE_BATCH) batches.push(pages.slice(i, i + PAGE_BATCH));
		// Feeds and front pages first, where readers look; then pages and photos. Bounded, so a
		// takedown of many articles does not queue every request behind the SDK's sockets.
		await forEachLimited(
			unique.filter((id) => !id.startsWith("page|")),
			PUBLISH_CONCURRENCY,
			(id) => publishTarget(id, out),
		);
		await forEachLimited(batches, PAGE_BATCHES_AT_ONCE, (batch) => publishPages(batch, out));
		// The edge may hold any of these for up to its max-age: it must fetch them again now.
		if (changed.size > 0) await deps.cache?.invalidate(sitePathsOf(changed));
	};
}

/**
 * Publishes committed changes and forgets them once published. A change whose publisher
 * died (after the commit, before or during the publish) stays pending for the sweep.
 */
export function makePublishChanges(deps: {
	ledger: PublishLedger;
	publish: (ids: string[]) => Promise<void>;
}) {
	const { ledger, publish } = deps;

	/**
	 * Publishes the union of the changes' targets once, then forgets the changes: published,
	 * or bumped under a live lease whose holder renders it, the targets' own revisions now
	 * carry every change, so the pending records have done their job.
	 */
	async function publishChanges(changes: readonly PendingChange[]): Promise<void> {
		await publish([...new Set(changes.flatMap((change) => change.targets))]);
		await ledger.settleMany(changes.map((change) => change.changeId));
	}

	function publishChange(change: PendingChange): Promise<void> {
		return publishChanges([change]);
	}

	/**
	 * The schedule's sweep: every pending change and every target left dirty (e.g. by a
	 * publisher that died holding a lease, once the lease has run out). Returns how many
	 * targets it published.
	 */
	async function sweep(limit = 100): Promise<number> {
		const [pending, dirty] = await Promise.all([
			ledger.listPending(limit),
			ledger.listDirty(limit),
		]);
		const targets = new Set([...pending.flatMap((change) => change.targets), ...dirty]);
		await publish([...targets]);
		await ledger.settleMany(pending.map((change) => change.changeId));
		return targets.size;
	}

	return { publishChange, publishChanges, sweep };
}
