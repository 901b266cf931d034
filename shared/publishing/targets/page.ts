import { noticeIn } from "../../domain/agreement.ts";
import { type Article, type ArticleRef, articlePath, imageKey } from "../../domain/article.ts";
import type { Bundle } from "../../domain/read-bundle.ts";
import { renderArticlePage } from "../../domain/render/render-article-page.ts";
import { ninjsPath, renderCanceledNinjs, renderNinjs } from "../../domain/render/render-ninjs.ts";
import { renderGonePage } from "../../domain/render/render-pages.ts";
import { stripImageMetadata } from "../../domain/strip-image-metadata.ts";
import type { Target } from "../../domain/targets.ts";
import { articleKeyOf, type Translation } from "../../domain/translations.ts";
import { forEachLimited } from "../../lib/for-each-limited.ts";
import type { ArticleStore } from "../../ports/articles.ts";
import { pageId, type RoundReads } from "../round-reads.ts";
import { GONE_METADATA, HTML, SITE_CACHE, siteKey } from "../site-paths.ts";
import {
	PUBLISH_CONCURRENCY,
	type RenderContext,
	type TargetKind,
	type TargetWriter,
} from "../target-kind.ts";

export type PageTarget = Extract<Target, { kind: "page" }>;

/** What every document of a page is rendered from. */
interface PageInput {
	/** As the agreement now allows it: without photos once it lost the image scope. */
	article: Article;
	bodyHtml: string;
	siteUrl: string;
	/** The notice of the agreement the article is published under, where it has one. */
	notice?: string;
	/** Its other public language versions, as they stand now. */
	translations: Translation[];
	/** The translator the agreement names. */
	translator?: string;
	/** The partner's name as registered. */
	partnerName: string;
}

type PutOptions = NonNullable<Parameters<TargetWriter["put"]>[2]>;

/**
 * One document of an article's page: written while the article is public, and replaced by
 * its `takedown` once it is not (photos, by contrast, are deleted).
 */
interface PageDocument {
	key(ref: ArticleRef): string;
	contentType: string;
	render(input: PageInput): string;
	takedown: {
		/** What stays at the key: it says the article went, and shows nothing of it. */
		render(input: { article: Article; siteUrl: string }): string;
		/** Served with 410 Gone (by the metadata in site-paths.ts), not 200. */
		answersGone: boolean;
	};
}

const json = (document: unknown) => `${JSON.stringify(document, null, 2)}\n`;

/**
 * Every document an article's page writes beside its photos: the one list its render, its
 * keys and its takedown all read, so a document added here is written, compared ahead and
 * taken down alike.
 */
const PAGE_DOCUMENTS: readonly PageDocument[] = [
	{
		key: (ref) => siteKey(articlePath(ref)),
		contentType: HTML,
		render: renderArticlePage,
		takedown: {
			render: ({ article, siteUrl }) => renderGonePage({ siteUrl, language: article.language }),
			answersGone: true,
		},
	},
	{
		key: (ref) => siteKey(ninjsPath(ref)),
		contentType: "application/json",
		render: (input) => json(renderNinjs(input)),
		// Served (200) for re-publishers to read: `pubStatus: "canceled"` is their takedown.
		takedown: { render: ({ article }) => json(renderCanceledNinjs(article)), answersGone: false },
	},
];

const documentKeys = (ref: ArticleRef) => PAGE_DOCUMENTS.map((document) => document.key(ref));

/** What a page render reads: the round's reads where a round's renders share them. */
type PageContext = Pick<RenderContext, "deps" | "reads"> & { round?: RoundReads };

/**
 * Every photo any version of the article showed that `shownKeys` does not. Versions only
 * grow, so an article at version 1 is the only version there is.
 */
async function stalePhotoKeys(
	articles: Pick<ArticleStore, "listVersions">,
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

/** What taking a page down writes and deletes. */
export interface PageTakedown {
	/** Each document's takedown, written only where the document is (`SiteWriter.replace`). */
	replaced: { key: string; body: string; options: PutOptions }[];
	/**
	 * Every photo any version of the article showed; and the documents themselves where no
	 * article is stored to speak for.
	 */
	deleted: string[];
}

/** What taking the page of `article` (as stored) down writes and deletes. */
async function takedownOf(
	articles: Pick<ArticleStore, "listVersions">,
	target: PageTarget,
	article: Article | undefined,
	siteUrl: string,
): Promise<PageTakedown> {
	const photos = await stalePhotoKeys(articles, target, article, new Set());
	if (!article) return { replaced: [], deleted: [...documentKeys(target), ...photos] };
	const replaced = PAGE_DOCUMENTS.map((document) => ({
		key: document.key(target),
		body: document.takedown.render({ article, siteUrl }),
		options: {
			contentType: document.contentType,
			cacheControl: SITE_CACHE,
			...(document.takedown.answersGone ? { metadata: { ...GONE_METADATA } } : {}),
		},
	}));
	return { replaced, deleted: photos };
}

/** The bundle an article was ingested from, as archived: where its photos are kept. */
async function archivedBundle(ctx: PageContext, archiveKey: string): Promise<Bundle> {
	// Loaded on first use: a cold start that renders no photo does not evaluate the zip reader.
	const [archive, { openBundle }] = await Promise.all([
		ctx.deps.content.get(archiveKey),
		import("../../domain/read-bundle.ts"),
	]);
	if (!archive || "tooLarge" in archive) throw new Error(`bundle ${archiveKey} is missing`);
	return openBundle(archive.bytes);
}

/**
 * Writes the page and photos of a published article, or the page's takedown when it is not
 * public; returns the keys that must go (every photo it no longer shows), so a
 * batch of pages can delete them in one request, and whether the agreement as it stands
 * hid what the table still shows (see `Shown` in round-reads.ts).
 */
async function renderPageOf(
	target: PageTarget,
	article: Article | undefined,
	out: TargetWriter,
	ctx: PageContext,
): Promise<{ gone: string[]; hidden: boolean }> {
	const { deps } = ctx;
	// The partner's name read beside the agreement: the store sends the two in one batch.
	const [standing, partnerName] = await Promise.all([
		ctx.reads.standingOf(article, ctx.round),
		article?.status === "published"
			? ctx.reads.partnerNameOf(article.partnerId, ctx.round)
			: undefined,
	]);
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
	if (!published) {
		const takedown = await takedownOf(deps.articles, target, article, deps.siteUrl);
		await Promise.all(
			takedown.replaced.map(({ key, body, options }) => out.replace(key, body, options)),
		);
		return { gone: takedown.deleted, hidden };
	}
	const shown = published.permission.imagesAllowed ? published.images : [];
	const stale = await stalePhotoKeys(
		deps.articles,
		target,
		article,
		new Set(shown.map((image) => imageKey(target, image))),
	);
	const { agreementId } = published.permission;
	const [body, bundle, agreements, translations] = await Promise.all([
		deps.content.get(published.bodyKey),
		shown.length > 0 ? archivedBundle(ctx, published.archiveKey) : undefined,
		// The agreement `standingOf` read above: the round's reads hold it (outside a round, read again).
		agreementId ? ctx.reads.agreementsOf([agreementId], ctx.round) : undefined,
		ctx.reads.translationsOf([target], ctx.round),
	]);
	const agreement = agreementId ? agreements?.get(agreementId) : undefined;
	// In the language the attribution is written in, as the page prints it.
	const { attributionLang } = published.permission;
	const notice =
		agreement &&
		((attributionLang ? noticeIn(agreement, attributionLang) : undefined) ?? agreement.notice);
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
	const input = {
		article: published,
		bodyHtml: new TextDecoder().decode(body.bytes),
		siteUrl: deps.siteUrl,
		partnerName: partnerName ?? published.partnerId,
		...(notice ? { notice } : {}),
		...(agreement?.translator ? { translator: agreement.translator } : {}),
		translations: translations.get(articleKeyOf(target)) ?? [],
	};
	await Promise.all(
		PAGE_DOCUMENTS.map((document) =>
			out.put(document.key(target), document.render(input), {
				contentType: document.contentType,
				cacheControl: SITE_CACHE,
			}),
		),
	);
	return { gone: stale, hidden };
}

/**
 * Renders a batch of page targets (a takedown of a whole agreement, an upload's page): one
 * batch read gets their articles, their photos' digests are read ahead beside the agreements
 * the renders read first, and what went is deleted in one request per writer. Returns the
 * pages whose render hid what the table still shows.
 */
export async function renderPages(
	targets: readonly PageTarget[],
	writerOf: (id: string) => TargetWriter,
	ctx: PageContext,
): Promise<Set<string>> {
	const hidden = new Set<string>();
	const stored = new Map(
		(await ctx.deps.articles.getArticles(targets)).map((article) => [pageId(article), article]),
	);
	// Their photos' digests read now, beside the agreements the renders read first.
	for (const target of targets) {
		const article = stored.get(pageId(target));
		if (article?.status !== "published" || !article.permission.imagesAllowed) continue;
		writerOf(pageId(target)).expect(article.images.map((image) => imageKey(target, image)));
	}
	const deletions = new Map<TargetWriter, string[]>();
	await forEachLimited(targets, PUBLISH_CONCURRENCY, async (target) => {
		const writer = writerOf(pageId(target));
		const rendered = await renderPageOf(target, stored.get(pageId(target)), writer, ctx);
		deletions.set(writer, [...(deletions.get(writer) ?? []), ...rendered.gone]);
		if (rendered.hidden) hidden.add(pageId(target));
	});
	for (const [writer, keys] of deletions) await writer.deleteMany(keys);
	return hidden;
}

/**
 * One article's page: its documents and its photos. Its takedown replaces the documents and
 * deletes the photos, where other targets are taken down by rendering them again without
 * the article.
 */
export const pageTarget: TargetKind<PageTarget> & { takedownOf: typeof takedownOf } = {
	keys: documentKeys,
	takedownOf,
	async render(target, out, ctx) {
		const article = await ctx.deps.articles.getArticle(target);
		const { gone, hidden } = await renderPageOf(target, article, out, ctx);
		await out.deleteMany(gone);
		return hidden;
	},
};
