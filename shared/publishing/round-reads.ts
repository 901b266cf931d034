import {
	type Agreement,
	type StandingPermission,
	standingPermission,
} from "../domain/agreement.ts";
import type { Article, ArticleRef } from "../domain/article.ts";
import { FEED_DOCUMENT_MAX_BYTES } from "../domain/render/feed-full-text.ts";
import {
	FEED_SIZE,
	type FeedItem,
	feedEntriesFor,
	stillPermitted,
	targetId,
} from "../domain/targets.ts";
import {
	articleKeyOf,
	siblingRefs,
	type Translation,
	translationOf,
} from "../domain/translations.ts";
import type { FeedState } from "../ports/articles.ts";
import type { PublishDeps } from "./deps.ts";

/** What renders read of the feeds' rows (see {@link AgreementReads.makeRoundReads}). */
export interface RoundReads {
	/** An agreement as it stands, read once per round. */
	agreement(id: string): Promise<Agreement | undefined>;
	/** A partner's name as registered (its id where it has none), read once per round. */
	partnerName(partnerId: string): Promise<string>;
	listFeed(feedKey: string, limit: number): Promise<FeedItem[]>;
	getFeedState(feedKey: string): Promise<FeedState>;
	/** Most Viewed as feed items, already checked against their agreements. */
	mostViewed(language: string, limit: number): Promise<Shown>;
	/**
	 * An article's sanitized body (its `bodyKey`), read once per round: a full-text item is in
	 * several feeds that the same round renders. None for a body larger than a feed document
	 * may be, which no feed can carry whole: left unread, not held in memory.
	 */
	body(bodyKey: string): Promise<string | undefined>;
	/** Every language that has had a public article. */
	languages(): Promise<string[]>;
	/** A stored article version, read once per round (with the other reads of the moment). */
	article(ref: ArticleRef): Promise<Article | undefined>;
}

/**
 * Items as a render shows them, and whether it hid anything the table still shows: an item
 * (or its photo) its agreement, as it stands, no longer allows. Such a render is provisional:
 * the table has not caught up with the agreement yet (the change is being decided, or its
 * command died), so its target stays dirty until a render agrees with the table.
 */
export interface Shown {
	items: FeedItem[];
	hidden: boolean;
}

/** The id of an article's page target: how a batch of pages finds each one's article. */
export const pageId = (ref: ArticleRef) => targetId({ kind: "page", ...ref });

/** A publisher's reads of agreements, alone or shared by the renders of a round. */
export interface AgreementReads {
	/** Agreements as they stand, each read once (once per round, with `reads`). */
	agreementsOf(
		ids: Iterable<string>,
		reads?: RoundReads,
	): Promise<Map<string, Agreement | undefined>>;
	/**
	 * The items their agreements still allow, as they stand now: a revoked or expired
	 * agreement's articles leave every listing at its first render, before each article is
	 * decided again.
	 */
	permitted(items: FeedItem[], reads: RoundReads): Promise<Shown>;
	/** What the article's agreement still allows of it; nothing for an article not published. */
	standingOf(
		article: Article | undefined,
		reads?: RoundReads,
	): Promise<StandingPermission | undefined>;
	/** A partner's name as registered (its id where it has none), once per round with `reads`. */
	partnerNameOf(partnerId: string, reads?: RoundReads): Promise<string>;
	/**
	 * The other public language versions of each article of `refs`, by `articleKeyOf`: stored
	 * `published` and still allowed by their agreements as they stand. A site of one language
	 * reads nothing for it.
	 */
	translationsOf(
		refs: readonly ArticleRef[],
		reads?: RoundReads,
	): Promise<Map<string, Translation[]>>;
	/**
	 * The table reads of one round of renders, each made once however many of the round's
	 * renders ask (Latest News feeds its feed, its front page and the home page). Sound because
	 * every render of a round claimed its target before the first read: each sees every change
	 * requested before its claim.
	 */
	makeRoundReads(): RoundReads;
}

export function makeAgreementReads(
	deps: Pick<PublishDeps, "articles" | "feeds" | "agreements" | "clock" | "mostViewed" | "content">,
): AgreementReads {
	const { articles, feeds } = deps;

	// Agreements as they stand, each read after its render claimed its target (so none sees an
	// older one); the store sends the reads made at about the same time together.
	const readAgreement = (id: string) => deps.agreements.getAgreement(id);
	const readPartnerName = async (partnerId: string) =>
		(await deps.agreements.getPartner(partnerId))?.name ?? partnerId;
	const partnerNameOf = (partnerId: string, reads?: RoundReads) =>
		reads ? reads.partnerName(partnerId) : readPartnerName(partnerId);

	async function agreementsOf(
		ids: Iterable<string>,
		reads?: RoundReads,
	): Promise<Map<string, Agreement | undefined>> {
		const unique = [...new Set(ids)];
		const read = reads ? reads.agreement : readAgreement;
		return new Map(await Promise.all(unique.map(async (id) => [id, await read(id)] as const)));
	}

	async function permitted(items: FeedItem[], reads: RoundReads): Promise<Shown> {
		const agreements = await agreementsOf(
			items.map((item) => item.agreementId),
			reads,
		);
		const shown = stillPermitted(items, agreements, deps.clock());
		const photos = (list: FeedItem[]) =>
			list.filter((item) => item.image || item.fullText?.photos.length).length;
		const fullTexts = (list: FeedItem[]) => list.filter((item) => item.fullText).length;
		return {
			items: shown,
			hidden:
				shown.length < items.length ||
				photos(shown) < photos(items) ||
				fullTexts(shown) < fullTexts(items),
		};
	}

	async function standingOf(
		article: Article | undefined,
		reads?: RoundReads,
	): Promise<StandingPermission | undefined> {
		const agreementId = article?.permission.agreementId;
		if (article?.status !== "published" || !agreementId) return undefined;
		const agreement = (await agreementsOf([agreementId], reads)).get(agreementId);
		return standingPermission(agreement, { ...article, agreementId }, deps.clock());
	}

	async function translationsOf(
		refs: readonly ArticleRef[],
		reads?: RoundReads,
	): Promise<Map<string, Translation[]>> {
		const found = new Map<string, Translation[]>();
		if (refs.length === 0) return found;
		const languages = await (reads ? reads.languages() : feeds.listLanguages());
		const wanted = refs.flatMap((ref) => siblingRefs(ref, languages));
		if (wanted.length === 0) return found;
		// One batch read where there is no round to share it with, each version once per round.
		const stored = reads
			? await Promise.all(wanted.map((ref) => reads.article(ref)))
			: await articles.getArticles(wanted);
		const shown = await Promise.all(
			stored.map(async (article) =>
				(await standingOf(article, reads))?.shown ? article : undefined,
			),
		);
		for (const article of shown) {
			if (!article) continue;
			const key = articleKeyOf(article);
			found.set(key, [...(found.get(key) ?? []), translationOf(article)]);
		}
		return found;
	}

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
		const bodies = new Map<string, Promise<string | undefined>>();
		const stored = new Map<string, Promise<Article | undefined>>();
		let languages: Promise<string[]> | undefined;
		const partnerNames = new Map<string, Promise<string>>();
		const reads: RoundReads = {
			languages: () => {
				languages ??= feeds.listLanguages();
				return languages;
			},
			// The store sends the reads made at about the same time together.
			article: (ref) =>
				memo(stored, pageId(ref), async () => (await articles.getArticles([ref]))[0]),
			agreement: (id) => memo(agreements, id, () => readAgreement(id)),
			partnerName: (id) => memo(partnerNames, id, () => readPartnerName(id)),
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
			body: (bodyKey) => memo(bodies, bodyKey, () => readBody(bodyKey)),
		};
		return reads;
	}

	async function readBody(bodyKey: string): Promise<string | undefined> {
		const body = await deps.content.get(bodyKey, { maxBytes: FEED_DOCUMENT_MAX_BYTES });
		if (!body) throw new Error(`body ${bodyKey} is missing`);
		return "tooLarge" in body ? undefined : new TextDecoder().decode(body.bytes);
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

	return { agreementsOf, permitted, standingOf, partnerNameOf, translationsOf, makeRoundReads };
}
