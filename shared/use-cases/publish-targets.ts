import {
	type Agreement,
	type StandingPermission,
	standingPermission,
} from "../domain/agreement.ts";
import { type Article, type ArticleRef, articlePath, imageKey } from "../domain/article.ts";
import { compressedVariantsOf } from "../domain/compressed-variants.ts";
import type { Bundle } from "../domain/read-bundle.ts";
import {
	buildFeedDocument,
	FEED_FORMATS,
	type FeedDocument,
	feedPath,
	OPML_CONTENT_TYPE,
	OPML_PATH,
} from "../domain/render/feed-document.ts";
import { absoluteUrl } from "../domain/render/html.ts";
import { FEED_RENDERERS } from "../domain/render/render-feed.ts";
import { renderOpml } from "../domain/render/render-opml.ts";
import {
	type FrontSection,
	renderArchivePage,
	renderArticlePage,
	renderFrontPage,
	renderHomePage,
	renderNotFoundPage,
	siteIcon,
	siteStylesheet,
} from "../domain/render/render-pages.ts";
import { stripImageMetadata } from "../domain/strip-image-metadata.ts";
import {
	ARCHIVE_PAGE_SIZE,
	FEED_SIZE,
	type FeedItem,
	type FeedName,
	feedEntriesFor,
	feedKey,
	feedOfKey,
	LANGUAGE_FEEDS,
	parseTargetId,
	stillPermitted,
	type Target,
	targetId,
} from "../domain/targets.ts";
import { chunksOf } from "../lib/chunks.ts";
import { forEachLimited } from "../lib/for-each-limited.ts";
import type { AgreementStore } from "../ports/agreements.ts";
import type {
	ArticleStore,
	FeedState,
	FeedStore,
	PendingChange,
	SiteDigestStore,
} from "../ports/articles.ts";
import type { Claim, PublishLedger, SiteCache } from "../ports/publishing.ts";
import type { ObjectStore } from "../ports/uploads.ts";
import type { MostViewedReader } from "../ports/views.ts";
import {
	type SiteWriter as FullSiteWriter,
	makeSiteWriter,
	untrustingWriter,
} from "../publishing/site-writer.ts";

// The home page shows the head of each language's lists; front pages a sidebar of each.
const HOME_ITEMS = 10;
const SIDEBAR_ITEMS = 10;
// Archive pages of one feed rendered at once (a first publish of a long feed renders all).
const ARCHIVE_CONCURRENCY = 4;

/** The HTML page of Latest News archive page `page` (0-based): `/en/archive/1`. */
export function latestArchivePagePath(language: string, page: number): string {
	return `/${language}/archive/${page + 1}`;
}

// Targets rendered at once by one publisher.
const PUBLISH_CONCURRENCY = 32;
// Keys per delete request of an early takedown.
const DELETE_SLICE = 100;
// Page targets per ledger transaction (DynamoDB's limit), and such batches at once.
const PAGE_BATCH = 100;
const PAGE_BATCHES_AT_ONCE = 4;

// The publisher's writers record the digests of a render together, before its release.
const DEFERRED = { deferRecords: true } as const;

// Feeds, pages and photos alike: short enough that readers see changes and takedowns soon;
// the edge revalidates with ETags after that.
const SITE_CACHE = "public, max-age=60";
const HTML = "text/html; charset=utf-8";

const CSS = "text/css; charset=utf-8";
const SVG = "image/svg+xml";
const IMMUTABLE = "public, max-age=31536000, immutable";

export interface PublishDeps {
	articles: ArticleStore;
	feeds: FeedStore;
	/** Read by every render: an item or page is shown only while its agreement still allows it. */
	agreements: Pick<AgreementStore, "getAgreement">;
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
	/** The Most Viewed ranking (the view aggregator's); without it, Most Viewed is empty. */
	mostViewed?: MostViewedReader;
	/** A WebSub hub: feeds link it, and it is told after each publish that changed a feed. */
	hubUrl?: string;
	/** Where a failed hub notification is reported (the publish itself succeeds). */
	onHubError?: (error: unknown) => void;
	/** Told each feed document rendered and its item count (archive pages are not told): a metric. */
	onFeedRendered?: (feedKey: string, items: number) => void;
	/** The HTTP client for the hub; the global `fetch` unless a test injects one. */
	fetch?: typeof fetch;
	/**
	 * Digests of what the site holds: an unchanged key is compared without reading it back.
	 * Without, the writer reads the stored object (one GET per key).
	 */
	digests?: SiteDigestStore;
}

function siteKey(path: string): string {
	return path.replace(/^\//, "");
}

/** Where the publisher writes: the site bucket, remembering what it changed. */
type SiteWriter = Pick<
	FullSiteWriter,
	"put" | "store" | "delete" | "deleteMany" | "expect" | "settled" | "written"
>;

type PageTarget = Extract<Target, { kind: "page" }>;

/**
 * The site keys a render of `target` is sure to write, known before it reads anything: their
 * digests are read together as the targets are claimed. (Archive pages and photos depend on
 * what the render reads, and are compared as they are written.)
 */
function keysWrittenBy(target: Target): string[] {
	switch (target.kind) {
		case "feed":
			return FEED_FORMATS.map(({ format }) =>
				siteKey(feedPath(target.language, target.feed, format)),
			);
		case "front":
			return [`${target.language}/index.html`];
		case "page":
			return [siteKey(articlePath(target))];
		case "home":
			return ["index.html", "404.html", siteStylesheet().key, siteIcon().key];
		case "opml":
			return [siteKey(OPML_PATH)];
	}
}

/** What renders read of the feeds' rows (see `makeRoundReads`). */
interface RoundReads {
	/** An agreement as it stands, read once per round. */
	agreement(id: string): Promise<Agreement | undefined>;
	listFeed(feedKey: string, limit: number): Promise<FeedItem[]>;
	getFeedState(feedKey: string): Promise<FeedState>;
	/** Most Viewed as feed items, already checked against their agreements. */
	mostViewed(language: string, limit: number): Promise<Shown>;
}

/**
 * Items as a render shows them, and whether it hid anything the table still shows: an item
 * (or its photo) its agreement, as it stands, no longer allows. Such a render is provisional:
 * the table has not caught up with the agreement yet (the change is being decided, or its
 * command died), so its target stays dirty until a render agrees with the table.
 */
interface Shown {
	items: FeedItem[];
	hidden: boolean;
}

const pageId = (ref: ArticleRef) => targetId({ kind: "page", ...ref });

/**
 * The URL paths that serve the changed keys: each key's own path (each name URL-encoded, as
 * pages and feeds link it), a folder's `/` for its `index.html`, and the paths of a document's
 * compressed copies, which the AWS edge caches under the URIs it rewrites to.
 */
export function sitePathsOf(keys: Iterable<string>): string[] {
	const paths = new Set<string>();
	for (const key of keys) {
		const path = `/${key.split("/").map(encodeURIComponent).join("/")}`;
		paths.add(path);
		if (path.endsWith("/index.html")) paths.add(path.slice(0, -"index.html".length));
		for (const variant of compressedVariantsOf(path)) paths.add(variant.name);
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

	// Agreements as they stand, each read after its render claimed its target (so none sees an
	// older one); the store sends the reads made at about the same time together.
	const readAgreement = (id: string) => deps.agreements.getAgreement(id);

	async function agreementsOf(
		ids: Iterable<string>,
		reads?: RoundReads,
	): Promise<Map<string, Agreement | undefined>> {
		const unique = [...new Set(ids)];
		const read = reads ? reads.agreement : readAgreement;
		return new Map(await Promise.all(unique.map(async (id) => [id, await read(id)] as const)));
	}

	/**
	 * The items their agreements still allow, as they stand now: a revoked or expired
	 * agreement's articles leave every listing at its first render, before each article is
	 * decided again.
	 */
	async function permitted(items: FeedItem[], reads: RoundReads): Promise<Shown> {
		const agreements = await agreementsOf(
			items.map((item) => item.agreementId),
			reads,
		);
		const shown = stillPermitted(items, agreements, deps.clock());
		const photos = (list: FeedItem[]) => list.filter((item) => item.image).length;
		return { items: shown, hidden: shown.length < items.length || photos(shown) < photos(items) };
	}

	/**
	 * The table reads of one round of renders, each made once however many of the round's
	 * renders ask (Latest News feeds its feed, its front page and the home page). Sound because
	 * every render of a round claimed its target before the first read: each sees every change
	 * requested before its claim.
	 */
	function makeRoundReads(): RoundReads {
		const memo = <T>(cache: Map<string, Promise<T>>, key: string, read: () => Promise<T>) => {
			const known = cache.get(key) ?? read();
			cache.set(key, known);
			return known;
		};
		const rows = new Map<string, Promise<FeedItem[]>>();
		const states = new Map<string, Promise<FeedState>>();
		const rankings = new Map<string, Promise<Shown>>();
		const agreements = new Map<string, Promise<Agreement | undefined>>();
		const reads: RoundReads = {
			agreement: (id) => memo(agreements, id, () => readAgreement(id)),
			// The longest list any render shows, cut to each: the head of a list is its head.
			listFeed: async (key, limit) =>
				(await memo(rows, key, () => feeds.listFeed(key, FEED_SIZE))).slice(0, limit),
			getFeedState: (key) => memo(states, key, () => feeds.getFeedState(key)),
			mostViewed: async (language, limit) => {
				const ranked = await memo(rankings, language, () =>
					mostViewedItems(reads, language, FEED_SIZE),
				);
				return { ...ranked, items: ranked.items.slice(0, limit) };
			},
		};
		return reads;
	}

	/** A language's Most Viewed, as feed items of the articles still public, in rank order. */
	async function mostViewedItems(
		reads: RoundReads,
		language: string,
		limit: number,
	): Promise<Shown> {
		const ranking = deps.mostViewed ? await deps.mostViewed.mostViewed(language, limit) : [];
		if (ranking.length === 0) return { items: [], hidden: false };
		const stored = new Map(
			(await articles.getArticles(ranking)).map((article) => [pageId(article), article]),
		);
		return permitted(
			ranking.flatMap((ref) => {
				const article = stored.get(pageId(ref));
				const [row] = article ? feedEntriesFor(article) : [];
				return row ? [row.item] : [];
			}),
			reads,
		);
	}

	/** The newest items of a feed: its rows, or the ranking for Most Viewed. */
	async function feedItems(
		reads: RoundReads,
		language: string,
		feed: FeedName,
		limit: number,
	): Promise<Shown> {
		return feed === "most-viewed"
			? reads.mostViewed(language, limit)
			: permitted(await reads.listFeed(feedKey(language, feed), limit), reads);
	}

	/** Writes one document in every format (and, for Latest News archives, as an HTML page). */
	function putDocument(doc: FeedDocument, out: SiteWriter): Promise<void>[] {
		return FEED_FORMATS.map(({ format, contentType }) =>
			out.put(siteKey(new URL(doc.selfUrls[format]).pathname), FEED_RENDERERS[format](doc), {
				contentType,
				cacheControl: SITE_CACHE,
			}),
		);
	}

	/**
	 * One feed in every format, and the archive documents that changed: the newest page
	 * (it takes every new item), the one before it when the newest is new (its
	 * `next-archive` appears), and every page a removal or a changed item marked stale.
	 * Full pages are otherwise never read or written again. A feed listed for the first time
	 * asks for the OPML (and a new language's other feeds) through the ledger. Whether it hid
	 * anything the table still shows (see {@link Shown}).
	 */
	async function renderFeed(
		target: Extract<Target, { kind: "feed" }>,
		out: SiteWriter,
		reads: RoundReads,
	): Promise<boolean> {
		const { language, feed } = target;
		const key = feedKey(language, feed);
		const [{ items, hidden }, state] = await Promise.all([
			feedItems(reads, language, feed, FEED_SIZE),
			reads.getFeedState(key),
		]);
		// A ranking has no history: Most Viewed has no archive.
		const pages =
			feed !== "most-viewed" && state.count > FEED_SIZE
				? Math.ceil(state.count / ARCHIVE_PAGE_SIZE)
				: 0;
		const doc = buildFeedDocument({
			siteUrl,
			language,
			feed,
			items,
			archivePages: pages,
			...(state.lastRemovedAt ? { emptySince: state.lastRemovedAt } : {}),
			...(deps.hubUrl ? { hubUrl: deps.hubUrl } : {}),
		});
		deps.onFeedRendered?.(key, doc.items.length);
		const stale = new Set(state.stalePages.map(({ page }) => page));
		const from = everyArchivePage.has(out) ? 0 : Math.max(0, state.renderedPages - 1);
		for (let page = from; page < pages; page++) stale.add(page);
		const writes = putDocument(doc, out);
		let archiveHid = false;
		await forEachLimited(
			[...stale].filter((page) => page < pages),
			ARCHIVE_CONCURRENCY,
			async (page) => {
				const shownPage = await permitted(await feeds.listArchivePage(key, page), reads);
				const archived = shownPage.items;
				archiveHid ||= shownPage.hidden;
				const pageDoc = buildFeedDocument({
					siteUrl,
					language,
					feed,
					items: archived,
					page: { index: page, count: pages },
					...(state.lastRemovedAt ? { emptySince: state.lastRemovedAt } : {}),
				});
				const html =
					feed === "latest"
						? [
								out.put(
									siteKey(latestArchivePagePath(language, page)),
									renderArchivePage({
										siteUrl,
										language,
										title: `${pageDoc.title.replace(/^Syndicate: /, "")}`,
										items: archived,
										...(page + 1 < pages
											? { newerPath: latestArchivePagePath(language, page + 1) }
											: { newerPath: `/${language}/` }),
										...(page > 0 ? { olderPath: latestArchivePagePath(language, page - 1) } : {}),
									}),
									{ contentType: HTML, cacheControl: SITE_CACHE },
								),
							]
						: [];
				await Promise.all([...putDocument(pageDoc, out), ...html]);
			},
		);
		await Promise.all(writes);
		if (pages !== state.renderedPages || state.stalePages.length > 0) {
			await feeds.markArchiveRendered(key, { renderedPages: pages, stalePages: state.stalePages });
		}
		if (!state.listed && (await feeds.listFeedKey(key))) {
			// A new language's Latest News brings its other feeds: listed now, so the OPML that
			// the same sweep renders has them, and requested, not rendered here: one publisher
			// at a time renders each target.
			const more = feed === "latest" ? LANGUAGE_FEEDS.filter((name) => name !== "latest") : [];
			await Promise.all(more.map((name) => feeds.listFeedKey(feedKey(language, name))));
			const next = [
				"opml",
				...more.map((name) => targetId({ kind: "feed", language, feed: name })),
			];
			await Promise.all(next.map((id) => ledger.request(id)));
			for (const id of next) followUps.add(id);
		}
		return hidden || archiveHid;
	}

	/** What the article's agreement still allows of it; nothing for an article not published. */
	async function standingOf(
		article: Article | undefined,
		reads?: RoundReads,
	): Promise<StandingPermission | undefined> {
		const agreementId = article?.permission.agreementId;
		if (article?.status !== "published" || !agreementId) return undefined;
		const agreement = (await agreementsOf([agreementId], reads)).get(agreementId);
		return standingPermission(agreement, { ...article, agreementId }, deps.clock());
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

	/** The bundle an article was ingested from, as archived: where its photos are kept. */
	async function archivedBundle(archiveKey: string): Promise<Bundle> {
		// Loaded on first use: a cold start that renders no photo does not evaluate the zip reader.
		const [archive, { openBundle }] = await Promise.all([
			content.get(archiveKey),
			import("../domain/read-bundle.ts"),
		]);
		if (!archive || "tooLarge" in archive) throw new Error(`bundle ${archiveKey} is missing`);
		return openBundle(archive.bytes);
	}

	/**
	 * Writes the page and photos of a published article; returns the keys that must go (the
	 * page itself when the article is not public, and every photo it no longer shows), so a
	 * batch of pages can delete them in one request, and whether the agreement as it stands
	 * hid what the table still shows (see {@link Shown}).
	 */
	async function renderPageOf(
		target: Extract<Target, { kind: "page" }>,
		article: Article | undefined,
		out: SiteWriter,
		reads?: RoundReads,
	): Promise<{ gone: string[]; hidden: boolean }> {
		const pageKey = siteKey(articlePath(target));
		const standing = await standingOf(article, reads);
		const hidden =
			standing !== undefined &&
			(!standing.shown || (article?.permission.imagesAllowed === true && !standing.images));
		// Shown as the agreement now allows: without photos once it lost the image scope.
		const published =
			article && standing?.shown
				? standing.images
					? article
					: { ...article, permission: { ...article.permission, imagesAllowed: false } }
				: undefined;
		const shown = published?.permission.imagesAllowed ? published.images : [];
		const stale = await stalePhotoKeys(
			target,
			article,
			new Set(shown.map((image) => imageKey(target, image))),
		);
		if (!published) return { gone: [pageKey, ...stale], hidden };
		const [body, bundle] = await Promise.all([
			content.get(published.bodyKey),
			shown.length > 0 ? archivedBundle(published.archiveKey) : undefined,
		]);
		if (!body || "tooLarge" in body) throw new Error(`body ${published.bodyKey} is missing`);
		await Promise.all(
			shown.map(async (image) => {
				const bytes = await bundle?.read(image.file);
				if (!bytes) throw new Error(`image ${image.file} is missing from ${published.archiveKey}`);
				// The page waits for its photos to be served, not for their digests to be recorded.
				// Served without Exif/XMP (a GPS position); the archive keeps the partner's bytes.
				await out.store(imageKey(target, image), stripImageMetadata(bytes), {
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
		return { gone: stale, hidden };
	}

	async function renderPage(
		target: Extract<Target, { kind: "page" }>,
		out: SiteWriter,
	): Promise<boolean> {
		const { gone, hidden } = await renderPageOf(target, await articles.getArticle(target), out);
		await out.deleteMany(gone);
		return hidden;
	}

	/** One language's lists, as its front page and the home page show them. */
	async function sectionOf(
		reads: RoundReads,
		language: string,
		latest: number,
	): Promise<{ section: FrontSection; hidden: boolean }> {
		const [latestItems, updated, mostViewed] = await Promise.all([
			feedItems(reads, language, "latest", latest),
			feedItems(reads, language, "updated", SIDEBAR_ITEMS),
			feedItems(reads, language, "most-viewed", SIDEBAR_ITEMS),
		]);
		return {
			section: {
				language,
				latest: latestItems.items,
				updated: updated.items,
				mostViewed: mostViewed.items,
			},
			hidden: latestItems.hidden || updated.hidden || mostViewed.hidden,
		};
	}

	/** `{lang}/index.html`: Latest News, Recent Updates and Most Viewed of one language. */
	async function renderFront(
		target: Extract<Target, { kind: "front" }>,
		out: SiteWriter,
		reads: RoundReads,
	): Promise<boolean> {
		const { language } = target;
		const [{ section, hidden }, state] = await Promise.all([
			sectionOf(reads, language, FEED_SIZE),
			reads.getFeedState(feedKey(language, "latest")),
		]);
		const pages = state.count > FEED_SIZE ? Math.ceil(state.count / ARCHIVE_PAGE_SIZE) : 0;
		const html = renderFrontPage({
			siteUrl,
			...section,
			...(pages > 0 ? { olderPath: latestArchivePagePath(language, pages - 1) } : {}),
		});
		await out.put(`${language}/index.html`, html, { contentType: HTML, cacheControl: SITE_CACHE });
		return hidden;
	}

	/** `index.html`, `404.html`, and the stylesheet and icon every page links. */
	async function renderHome(out: SiteWriter, reads: RoundReads): Promise<boolean> {
		const languages = await feeds.listLanguages();
		const shown = await Promise.all(
			languages.map((language) => sectionOf(reads, language, HOME_ITEMS)),
		);
		const sections = shown.map((one) => one.section);
		const stylesheet = siteStylesheet();
		const icon = siteIcon();
		await Promise.all([
			out.put(icon.key, icon.svg, { contentType: SVG, cacheControl: IMMUTABLE }),
			out.put(stylesheet.key, stylesheet.css, {
				contentType: CSS,
				// Its name holds its digest: a new stylesheet is a new key.
				cacheControl: IMMUTABLE,
			}),
			out.put("index.html", renderHomePage({ sections, siteUrl }), {
				contentType: HTML,
				cacheControl: SITE_CACHE,
			}),
			out.put("404.html", renderNotFoundPage({ siteUrl, languages }), {
				contentType: HTML,
				cacheControl: SITE_CACHE,
			}),
		]);
		return shown.some((one) => one.hidden);
	}

	/** `feeds/index.opml`: every feed listed so far. */
	async function renderOpmlList(out: SiteWriter): Promise<boolean> {
		const keys = await feeds.listFeedKeys();
		const opml = renderOpml({ siteUrl, feeds: keys.map(feedOfKey) });
		await out.put(siteKey(OPML_PATH), opml, {
			contentType: OPML_CONTENT_TYPE,
			cacheControl: SITE_CACHE,
		});
		return false;
	}

	/** Renders a target; whether it hid what the table still shows (see {@link Shown}). */
	function render(target: Target, out: SiteWriter, reads: RoundReads): Promise<boolean> {
		switch (target.kind) {
			case "feed":
				return renderFeed(target, out, reads);
			case "front":
				return renderFront(target, out, reads);
			case "page":
				return renderPage(target, out);
			case "home":
				return renderHome(out, reads);
			case "opml":
				return renderOpmlList(out);
		}
	}

	/**
	 * Tells the WebSub hub (if any) that the feeds among `keys` changed: one POST of
	 * `hub.mode=publish` with every changed feed URL as `hub.url`. A hub that is down fails
	 * nothing: subscribers still poll, and the next change tells it again.
	 */
	async function notifyHub(keys: Iterable<string>): Promise<void> {
		if (!deps.hubUrl) return;
		const urls = [...keys]
			.filter((key) => /^feeds\/.+\.(?:rss|atom|json)$/.test(key) && !key.includes("/archive/"))
			.sort()
			.map((key) => absoluteUrl(siteUrl, `/${key}`));
		if (urls.length === 0) return;
		const body = new URLSearchParams([
			["hub.mode", "publish"],
			...urls.map((url): [string, string] => ["hub.url", url]),
		]);
		try {
			const response = await (deps.fetch ?? fetch)(deps.hubUrl, {
				method: "POST",
				headers: { "content-type": "application/x-www-form-urlencoded" },
				body: body.toString(),
			});
			await response.body?.cancel();
			if (!response.ok) deps.onHubError?.(new Error(`hub answered ${response.status}`));
		} catch (error) {
			deps.onHubError?.(error);
		}
	}

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
	 * Marks targets whose last render was provisional (see {@link Shown}) dirty again once
	 * released: the sweep renders them until a render agrees with the table.
	 */
	async function keepDirty(ids: readonly string[]): Promise<void> {
		if (ids.length > 0) await ledger.requestMany(ids);
	}

	/** Renders a claimed target again and again until the revision it rendered is the newest. */
	async function renderUntilNewest(id: string, claimed: number, out: SiteWriter): Promise<void> {
		const target = parseTargetId(id);
		out.expect(keysWrittenBy(target));
		let rev: number | null = claimed;
		while (rev !== null) {
			const hidden = await holdingLeases([id], () => render(target, out, makeRoundReads()));
			// Released only once its writes are recorded: the next holder compares with them.
			await out.settled();
			const result = await ledger.release(id, deps.owner, rev);
			rev = result.state === "stale" ? result.rev : null;
			if (result.state === "released" && hidden) await keepDirty([id]);
		}
	}

	/** Claimed targets as rendered, before their release (see {@link finishRenders}). */
	interface Rendered {
		claims: ReadonlyMap<string, Claim>;
		/** Those whose render hid what the table still shows (see {@link Shown}). */
		hidden: ReadonlySet<string>;
		writerOf: (id: string) => FullSiteWriter;
	}

	/**
	 * Feeds, front pages, the home page and the OPML as one round: every target bumped and
	 * claimed first, then all rendered on shared reads, then each released; one changed again
	 * meanwhile renders until it has the newest revision.
	 */
	async function publishRound(ids: readonly string[], out: FullSiteWriter): Promise<void> {
		// Bumped first, in the claim's own write: whoever holds a lease now sees the change and
		// renders again. One held by another publisher is not claimed: that one re-renders
		// until it has our revision too.
		const claims = await requestAndClaim(ids);
		if (claims.size === 0) return;
		const rendered = await holdingLeases([...claims.keys()], () =>
			renderRound(claims, out, makeRoundReads()),
		);
		await finishRenders(out, [rendered]);
	}

	/**
	 * Renders a round's claimed targets on shared reads (made after every claim); the caller
	 * holds their leases.
	 */
	async function renderRound(
		claims: ReadonlyMap<string, Claim>,
		out: FullSiteWriter,
		reads: RoundReads,
	): Promise<Rendered> {
		const writerOf = writersFor(claims, out);
		out.expect([...claims.keys()].flatMap((id) => keysWrittenBy(parseTargetId(id))));
		const hidden = new Set<string>();
		await forEachLimited([...claims.keys()], PUBLISH_CONCURRENCY, async (id) => {
			if (await render(parseTargetId(id), writerOf(id), reads)) hidden.add(id);
		});
		return { claims, hidden, writerOf };
	}

	/**
	 * Releases rendered targets, all in one request where the store allows, once their
	 * writes are recorded (the next holder compares with them); one changed again meanwhile
	 * renders until it has the newest revision, one whose render was provisional stays dirty.
	 */
	async function finishRenders(out: FullSiteWriter, parts: readonly Rendered[]): Promise<void> {
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
		out: FullSiteWriter,
	): (id: string) => FullSiteWriter {
		const interrupted = [...claims.values()].some((claim) => claim.interrupted);
		const untrusting = interrupted ? untrustingWriter(site, deps.digests, out, DEFERRED) : out;
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
	async function publishPages(ids: readonly string[], out: FullSiteWriter): Promise<void> {
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
		out: FullSiteWriter,
		reads?: RoundReads,
	): Promise<Rendered> {
		const writerOf = writersFor(claims, out);
		const hidden = new Set<string>();
		const targets = [...claims.keys()].map((id) => parseTargetId(id) as PageTarget);
		out.expect(targets.flatMap(keysWrittenBy));
		const stored = new Map(
			(await articles.getArticles(targets)).map((article) => [pageId(article), article]),
		);
		// Their photos' digests read now, beside the agreements the renders read first.
		for (const target of targets) {
			const article = stored.get(pageId(target));
			if (article?.status !== "published" || !article.permission.imagesAllowed) continue;
			writerOf(pageId(target)).expect(article.images.map((image) => imageKey(target, image)));
		}
		const deletions = new Map<FullSiteWriter, string[]>();
		await forEachLimited(targets, PUBLISH_CONCURRENCY, async (target) => {
			const writer = writerOf(pageId(target));
			const rendered = await renderPageOf(target, stored.get(pageId(target)), writer, reads);
			deletions.set(writer, [...(deletions.get(writer) ?? []), ...rendered.gone]);
			if (rendered.hidden) hidden.add(pageId(target));
		});
		for (const [writer, keys] of deletions) await writer.deleteMany(keys);
		return { claims, hidden, writerOf };
	}

	// Writers of a repair: their feeds render every archive document.
	const everyArchivePage = new WeakSet<SiteWriter>();

	// Targets a render found stale beyond its own (requested in the ledger too, so the sweep
	// still has them should this process die): whichever publish of this process ends next
	// renders them.
	const followUps = new Set<string>();

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
		out: FullSiteWriter,
		ids: readonly string[],
		settle: readonly string[] = [],
	): Promise<void> {
		const unique = [...new Set(ids)];
		const pages = unique.filter((id) => id.startsWith("page|"));
		const batches = chunksOf(pages, PAGE_BATCH);
		const listings = unique.filter((id) => !id.startsWith("page|"));
		const allPages = () =>
			forEachLimited(batches, PAGE_BATCHES_AT_ONCE, (batch) => publishPages(batch, out));
		if (batches.length <= 1) {
			// A few pages (an upload, a correction) beside the feeds that list them, all bumped
			// and claimed in one write: neither waits for the other, and a new article's page is
			// not published after the feeds that link to it.
			// Rendered on reads shared by both (each made after every claim), released together.
			const claims = await requestAndClaim([...listings, ...pages], settle);
			const of = (ids: readonly string[]) =>
				new Map(ids.flatMap((id) => (claims.has(id) ? [[id, claims.get(id) as Claim]] : [])));
			const reads = makeRoundReads();
			const [round, pageClaims] = [of(listings), of(pages)];
			// Every lease renewed until every render ends: the page's is released with the feeds'.
			const rendered = await holdingLeases([...claims.keys()], () =>
				Promise.all([
					round.size > 0 ? renderRound(round, out, reads) : undefined,
					pageClaims.size > 0 ? renderPages(pageClaims, out, reads) : undefined,
				]),
			);
			await finishRenders(
				out,
				rendered.filter((part) => part !== undefined),
			);
		} else {
			// Many (a takedown or release of a whole agreement): feeds and front pages first,
			// where readers look, so they do not queue behind a thousand pages for sockets.
			await publishRound(listings, out);
			await allPages();
			await ledger.settleMany(settle);
		}
		// A feed listed for the first time brought the OPML (and a new language's other feeds):
		// published now, so a reader finds them as soon as the upload's own page.
		while (followUps.size > 0) {
			const next = [...followUps];
			followUps.clear();
			await publishRound(next, out);
		}
		await out.settled();
		// A removal (a takedown, a photo out of scope) must not wait out the edge's max-age: every
		// changed path is fetched again now. New and corrected content reaches readers within the
		// 60 s max-age anyway, so it is not invalidated: CloudFront bills invalidation per path,
		// and invalidating every upload's twenty-odd paths would cost more than all the rest.
		if (out.requests.delete > 0) await deps.cache?.invalidate(sitePathsOf(out.changed));
		await notifyHub(out.changed);
	}

	/**
	 * Takes down at once the pages and photos of these page targets whose agreement no longer
	 * allows the article, ahead of the commit that decides it. Each page is bumped and claimed
	 * first, so no render in flight writes it back, and its deletion is recorded in the site's
	 * digests, so a later render writes it again; then its lease is given back with the target
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
			const standing = await standingOf(article);
			if (!article || !standing || standing.images) return;
			if (standing.shown) rerender.push(pageId(target));
			else gone.push(target);
		});
		if (gone.length === 0) return rerender;
		const claimed = new Set(
			(
				await Promise.all(chunksOf(gone.map(pageId), PAGE_BATCH).map((slice) => claimPages(slice)))
			).flatMap((claims) => [...claims.keys()]),
		);
		const keys: string[] = [];
		await forEachLimited(
			gone.filter((target) => claimed.has(pageId(target))),
			PUBLISH_CONCURRENCY,
			async (target) => {
				const article = stored.get(pageId(target));
				keys.push(
					siteKey(articlePath(target)),
					...(await stalePhotoKeys(target, article, new Set())),
				);
			},
		);
		try {
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
	 * A takedown an agreement change caused, published before its articles are decided
	 * again: every render applies the agreement as stored, so the feeds and front pages are
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
			publishTargets(unique.filter((id) => !id.startsWith("page|"))),
			removePagesNow(
				unique.filter((id) => id.startsWith("page|")),
				known,
			),
		]);
		if (rerender.length > 0) await publishTargets(rerender);
	}

	return { publishTargets, republishEverything, takeDownNow };
}

/**
 * Publishes committed changes and forgets them once published. A change whose publisher
 * died (after the commit, before or during the publish) stays pending for the sweep.
 */
export function makePublishChanges(deps: {
	ledger: PublishLedger;
	/** Publishes the targets, and forgets the pending changes `settle` once they are bumped. */
	publish: (ids: string[], settle: readonly string[]) => Promise<void>;
}) {
	const { ledger, publish } = deps;

	/**
	 * Publishes the union of the changes' targets (and `also`) once, then forgets the changes: published,
	 * or bumped under a live lease whose holder renders it, the targets' own revisions now
	 * carry every change, so the pending records have done their job.
	 */
	async function publishChanges(
		changes: readonly PendingChange[],
		also: readonly string[] = [],
	): Promise<void> {
		await publish(
			[...new Set([...changes.flatMap((change) => change.targets), ...also])],
			changes.map((change) => change.changeId),
		);
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
		await publish(
			[...targets],
			pending.map((change) => change.changeId),
		);
		return targets.size;
	}

	return { publishChange, publishChanges, sweep };
}
