/**
 * The feed target, and the one module of publishing that knows the feed vocabulary (which
 * feeds there are, their formats, paths and media types): the front page, the home page and
 * the hub notification ask it what a language's lists show and which keys are feeds.
 */
import { FEED_FORMATS } from "../../domain/feeds/formats.ts";
import { feedKillNotices, liveKillNotices } from "../../domain/feeds/kill-notices.ts";
import {
	type FeedName,
	FRONT_PAGE_KINDS,
	MAIN_FEED_KIND,
	PLAIN_FEED_KINDS,
} from "../../domain/feeds/kinds.ts";
import {
	buildFeedDocument,
	type FeedBody,
	type FeedDocument,
	feedPath,
} from "../../domain/render/feed-document.ts";
import { feedBody, fitFeedDocument } from "../../domain/render/feed-full-text.ts";
import { FEED_RENDERERS } from "../../domain/render/render-feed.ts";
import { type FrontSection, renderArchivePage } from "../../domain/render/render-pages.ts";
import {
	ARCHIVE_PAGE_SIZE,
	FEED_SIZE,
	type FeedItem,
	feedKey,
	feedKindOf,
	feedKindRowOf,
	type Target,
	targetId,
} from "../../domain/targets.ts";
import { forEachLimited } from "../../lib/for-each-limited.ts";
import type { FeedState } from "../../ports/articles.ts";
import type { RoundReads, Shown } from "../round-reads.ts";
import { HTML, SITE_CACHE, siteKey } from "../site-paths.ts";
import type { RenderContext, TargetKind, TargetWriter } from "../target-kind.ts";

type FeedTarget = Extract<Target, { kind: "feed" }>;

// Front pages show a sidebar of each language's other lists.
const SIDEBAR_ITEMS = 10;
// Archive pages of one feed rendered at once (a first publish of a long feed renders all).
const ARCHIVE_CONCURRENCY = 4;
// Bodies of one document read at once: a round renders many feeds side by side.
const BODY_CONCURRENCY = 8;

// A feed document (not an archive one) in any format: what the WebSub hub is told of.
const FEED_DOCUMENT_KEY = new RegExp(
	`^feeds/.+\\.(?:${FEED_FORMATS.map(({ format }) => format).join("|")})$`,
);

/** The HTML page of archive page `page` (0-based) of a front page's main feed: `/en/archive/1`. */
export function mainArchivePagePath(language: string, page: number): string {
	return `/${language}/archive/${page + 1}`;
}

/** Whether a site key is a feed's subscription document (in any format), not an archive. */
export function isFeedDocumentKey(key: string): boolean {
	return FEED_DOCUMENT_KEY.test(key) && !key.includes("/archive/");
}

/** How many archive documents a feed has: none while its items fit the feed itself. */
function archivePagesOf(feed: FeedName, state: FeedState): number {
	return feedKindRowOf(feed).archived && state.count > FEED_SIZE
		? Math.ceil(state.count / ARCHIVE_PAGE_SIZE)
		: 0;
}

/** The newest items of a feed: its rows, or its ranking for a kind the views rank. */
async function feedItems(
	{ reads, round }: Pick<RenderContext, "reads" | "round">,
	language: string,
	feed: FeedName,
	limit: number,
): Promise<Shown> {
	return feedKindRowOf(feed).rows === "views"
		? round.mostViewed(language, limit)
		: reads.permitted(await round.listFeed(feedKey(language, feed), limit), round);
}

/**
 * One language's lists, as its front page and the home page show them: the newest `main`
 * items of the main column's feed, beside the newest of each side list.
 */
export async function languageLists(
	ctx: Pick<RenderContext, "reads" | "round">,
	language: string,
	main: number,
): Promise<{ section: FrontSection; hidden: boolean }> {
	const lists = await Promise.all(
		FRONT_PAGE_KINDS.map(async (row) => {
			const shown = await feedItems(
				ctx,
				language,
				row.kind,
				row.place === "main" ? main : SIDEBAR_ITEMS,
			);
			return { list: row.list, shown };
		}),
	);
	// FrontSection's lists are exactly FRONT_PAGE_KINDS' lists, every one set below.
	const section = { language } as FrontSection;
	for (const { list, shown } of lists) section[list] = shown.items;
	return { section, hidden: lists.some(({ shown }) => shown.hidden) };
}

/**
 * Every item of an archived feed still shown: its rows while they fit the feed, its archive
 * pages (which hold every ordinal) once it has them. One read per 50 items: for the sitemap.
 */
export async function everyItemOf(
	ctx: Pick<RenderContext, "deps" | "reads" | "round">,
	language: string,
	feed: FeedName,
): Promise<Shown> {
	const key = feedKey(language, feed);
	const pages = archivePagesOf(feed, await ctx.round.getFeedState(key));
	const rows = pages === 0 ? await ctx.round.listFeed(key, FEED_SIZE) : [];
	await forEachLimited(
		Array.from({ length: pages }, (_, page) => page),
		ARCHIVE_CONCURRENCY,
		async (page) => {
			rows.push(...(await ctx.deps.feeds.listArchivePage(key, page)));
		},
	);
	// An item whose date moved took a new ordinal: it is in two pages, listed once.
	const unique = [...new Map(rows.map((item) => [item.id, item])).values()];
	return ctx.reads.permitted(unique, ctx.round);
}

/** The HTML page of the main feed's newest archive document, if the feed has an archive. */
export async function newestArchivePagePath(
	round: RoundReads,
	language: string,
): Promise<string | undefined> {
	const main = MAIN_FEED_KIND.kind;
	const pages = archivePagesOf(main, await round.getFeedState(feedKey(language, main)));
	return pages > 0 ? mainArchivePagePath(language, pages - 1) : undefined;
}

/**
 * The whole text of the items whose agreements let feeds carry it, by item id: each body read
 * once per round (an article is in several of its feeds).
 */
async function fullTextOf(
	items: readonly FeedItem[],
	{ deps, round }: Pick<RenderContext, "deps" | "round">,
): Promise<Map<string, FeedBody>> {
	const bodies = new Map<string, FeedBody>();
	await forEachLimited(items, BODY_CONCURRENCY, async (item) => {
		const { fullText } = item;
		if (!fullText) return;
		const body = await round.body(fullText.bodyKey);
		// Too large for any document: the item is a teaser wherever it is.
		if (body !== undefined)
			bodies.set(item.id, feedBody({ ...item, fullText }, body, deps.siteUrl));
	});
	return bodies;
}

/**
 * What a feed's parameter is shown as: the partner's name as registered; the subject's name
 * as its newest article naming it gives it, else as listed. Nothing for a plain feed.
 */
async function parameterName(
	round: RoundReads,
	feed: FeedName,
	items: readonly FeedItem[],
	state: FeedState,
): Promise<string | undefined> {
	const { kind, parameter } = feedKindOf(feed);
	if (parameter === undefined) return undefined;
	if (kind === "partners") return round.partnerName(parameter);
	const named = items.find((item) => item.subjectNames?.[parameter] !== undefined);
	return named?.subjectNames?.[parameter] ?? state.listedName;
}

/** Writes one document in every format. */
function putDocument(doc: FeedDocument, out: TargetWriter): Promise<void>[] {
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
 * `next-archive` appears), and every page a removal, a changed item or a translation of an
 * item (the translations target) marked stale.
 * Full pages are otherwise never read or written again. A feed listed for the first time
 * asks for the OPML (and a new language's other feeds) as follow-ups.
 */
async function renderFeed(
	target: FeedTarget,
	out: TargetWriter,
	ctx: RenderContext,
): Promise<boolean> {
	const { deps, round } = ctx;
	const { feeds, siteUrl } = deps;
	const { language, feed } = target;
	const key = feedKey(language, feed);
	const [{ items, hidden }, state] = await Promise.all([
		feedItems(ctx, language, feed, FEED_SIZE),
		round.getFeedState(key),
	]);
	const pages = archivePagesOf(feed, state);
	const translations = await ctx.reads.translationsOf(items, round);
	const shownAs = await parameterName(round, feed, items, state);
	const named = shownAs === undefined ? {} : { name: shownAs };
	// The notices of the last 30 days: each in the archive page it left, the newest in the feed.
	const deleted = liveKillNotices(state.tombstones, deps.clock());
	const built = buildFeedDocument({
		siteUrl,
		language,
		feed,
		...named,
		items,
		deleted: feedKillNotices(deleted, pages),
		archivePages: pages,
		...(state.lastRemovedAt ? { emptySince: state.lastRemovedAt } : {}),
		...(deps.hubUrl ? { hubUrl: deps.hubUrl } : {}),
		translations,
	});
	// Fewer items only where the archive documents hold every item (docs/feeds.md, "Full text").
	const doc = fitFeedDocument({ ...built, fullText: await fullTextOf(items, ctx) }, pages > 0);
	deps.onFeedRendered?.(key, doc.items.length);
	const stale = new Set(state.stalePages.map(({ page }) => page));
	const from = ctx.everyArchivePage ? 0 : Math.max(0, state.renderedPages - 1);
	for (let page = from; page < pages; page++) stale.add(page);
	const writes = putDocument(doc, out);
	let archiveHid = false;
	await forEachLimited(
		[...stale].filter((page) => page < pages),
		ARCHIVE_CONCURRENCY,
		async (page) => {
			const shownPage = await ctx.reads.permitted(await feeds.listArchivePage(key, page), round);
			const archived = shownPage.items;
			archiveHid ||= shownPage.hidden;
			const builtPage = buildFeedDocument({
				translations: await ctx.reads.translationsOf(archived, round),
				siteUrl,
				language,
				feed,
				...named,
				items: archived,
				deleted: deleted.filter((kill) => kill.page === page),
				page: { index: page, count: pages },
				...(state.lastRemovedAt ? { emptySince: state.lastRemovedAt } : {}),
			});
			// An archive document's items are fixed: those past the limit are teasers instead.
			const pageDoc = fitFeedDocument(
				{ ...builtPage, fullText: await fullTextOf(archived, ctx) },
				false,
			);
			// The main feed's archives are also HTML pages, which front pages link as older news.
			const html =
				feed === MAIN_FEED_KIND.kind
					? [
							out.put(
								siteKey(mainArchivePagePath(language, page)),
								renderArchivePage({
									siteUrl,
									language,
									title: `${pageDoc.title.replace(/^Syndicate: /, "")}`,
									items: archived,
									...(page + 1 < pages
										? { newerPath: mainArchivePagePath(language, page + 1) }
										: { newerPath: `/${language}/` }),
									...(page > 0 ? { olderPath: mainArchivePagePath(language, page - 1) } : {}),
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
	if (state.listed && shownAs !== undefined && shownAs !== state.listedName) {
		// Listed under another name (or before names were kept): the OPML's title follows. Asked
		// for first (it renders after this publish), so a process that dies between the two
		// leaves the old name listed, which the next render of this feed finds again.
		await ctx.followUp(["opml"]);
		await feeds.listFeedKey(key, shownAs);
	} else if (!state.listed && (await feeds.listFeedKey(key, shownAs))) {
		// A new language's Latest News brings its other feeds: listed now, so the OPML that
		// the same sweep renders has them, and requested, not rendered here: one publisher
		// at a time renders each target.
		const more =
			feed === MAIN_FEED_KIND.kind ? PLAIN_FEED_KINDS.filter((name) => name !== feed) : [];
		await Promise.all(more.map((name) => feeds.listFeedKey(feedKey(language, name))));
		// The other languages' front pages link every language's front page.
		const fronts =
			feed === MAIN_FEED_KIND.kind
				? (await round.languages()).filter((one) => one !== language)
				: [];
		await ctx.followUp([
			"opml",
			...more.map((name) => targetId({ kind: "feed", language, feed: name })),
			...fronts.map((one) => targetId({ kind: "front", language: one })),
		]);
	}
	return hidden || archiveHid;
}

/** One feed of one language: its document in every format and its archive documents. */
export const feedTarget: TargetKind<FeedTarget> = {
	keys: ({ language, feed }) =>
		FEED_FORMATS.map(({ format }) => siteKey(feedPath(language, feed, format))),
	render: renderFeed,
};
