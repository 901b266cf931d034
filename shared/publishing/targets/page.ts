import { type Article, type ArticleRef, articlePath, imageKey } from "../../domain/article.ts";
import type { Bundle } from "../../domain/read-bundle.ts";
import { renderArticlePage } from "../../domain/render/render-article-page.ts";
import { stripImageMetadata } from "../../domain/strip-image-metadata.ts";
import type { Target } from "../../domain/targets.ts";
import { forEachLimited } from "../../lib/for-each-limited.ts";
import type { ArticleStore } from "../../ports/articles.ts";
import { pageId, type RoundReads } from "../round-reads.ts";
import { HTML, SITE_CACHE, siteKey } from "../site-paths.ts";
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
}

/** One document of an article's page: written while the article is public, deleted with it. */
interface PageDocument {
	key(ref: ArticleRef): string;
	contentType: string;
	render(input: PageInput): string;
}

/**
 * Every document an article's page writes beside its photos: the one list its render, its
 * keys and its takedown all read, so a document added here is written, compared ahead and
 * taken down alike.
 */
const PAGE_DOCUMENTS: readonly PageDocument[] = [
	{ key: (ref) => siteKey(articlePath(ref)), contentType: HTML, render: renderArticlePage },
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

/**
 * What taking the page down deletes: every document of the page and every photo any
 * version of the article (`article`, as stored) showed.
 */
async function takedownKeys(
	articles: Pick<ArticleStore, "listVersions">,
	target: PageTarget,
	article: Article | undefined,
): Promise<string[]> {
	return [...documentKeys(target), ...(await stalePhotoKeys(articles, target, article, new Set()))];
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
 * Writes the page and photos of a published article; returns the keys that must go (the
 * page itself when the article is not public, and every photo it no longer shows), so a
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
	const standing = await ctx.reads.standingOf(article, ctx.round);
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
	if (!published) return { gone: await takedownKeys(deps.articles, target, article), hidden };
	const shown = published.permission.imagesAllowed ? published.images : [];
	const stale = await stalePhotoKeys(
		deps.articles,
		target,
		article,
		new Set(shown.map((image) => imageKey(target, image))),
	);
	const [body, bundle] = await Promise.all([
		deps.content.get(published.bodyKey),
		shown.length > 0 ? archivedBundle(ctx, published.archiveKey) : undefined,
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
	const input = {
		article: published,
		bodyHtml: new TextDecoder().decode(body.bytes),
		siteUrl: deps.siteUrl,
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
 * One article's page: its documents and its photos. Its takedown deletes them, where other
 * targets are taken down by rendering them again without the article.
 */
export const pageTarget: TargetKind<PageTarget> & { takedownKeys: typeof takedownKeys } = {
	keys: documentKeys,
	takedownKeys,
	async render(target, out, ctx) {
		const article = await ctx.deps.articles.getArticle(target);
		const { gone, hidden } = await renderPageOf(target, article, out, ctx);
		await out.deleteMany(gone);
		return hidden;
	},
};
