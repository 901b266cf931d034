import type { Article, ArticleRef } from "#shared/domain/article.ts";
import type { ArticleEvent } from "#shared/domain/plan-article-change.ts";
import { feedEntriesFor } from "#shared/domain/targets.ts";
import { uploadOrder } from "#shared/domain/upload.ts";
import type { AgreementStore } from "#shared/ports/agreements.ts";
import type { ArticleCommit, ArticleStore, FeedStore } from "#shared/ports/articles.ts";
import type { PublishLedger } from "#shared/ports/publishing.ts";
import type { UploadRecord, UploadStore } from "#shared/ports/uploads.ts";
import { makeArticle } from "../helpers/articles.ts";

/** The stores that share one table (one `InMemoryTables`): what a commit writes, they read. */
export interface TableStores {
	articles: ArticleStore;
	feeds: FeedStore;
	uploads: UploadStore;
	ledger: PublishLedger;
	/** Agreements on the same table: a commit checks the revision its decision read. */
	agreements: AgreementStore;
}

/** Makes a fresh, empty set of stores: every test gets its own. */
export type MakeTableStores = () => Promise<TableStores>;

export const NOW = new Date("2026-01-01T00:00:00Z");

export function at(ms: number): Date {
	return new Date(NOW.getTime() + ms);
}

export function makeUpload(uploadId: string, overrides: Partial<UploadRecord> = {}): UploadRecord {
	return {
		key: "incoming/science-news/a.zip",
		uploadId,
		order: uploadOrder(undefined),
		report: {
			bundle: "incoming/science-news/a.zip",
			sha256: "0".repeat(64),
			status: "published",
			errors: [],
			receivedAt: NOW.toISOString(),
			processedAt: NOW.toISOString(),
		},
		targets: ["feed|en|latest"],
		...overrides,
	};
}

/** A commit's article part for `next`: a new version, with the feed rows it has when public. */
export function articleChange(
	next: Article = makeArticle(),
	expectedRevision: number | null = null,
	overrides: Partial<NonNullable<ArticleCommit["article"]>> = {},
): NonNullable<ArticleCommit["article"]> {
	return {
		next,
		expectedRevision,
		newVersion: true,
		feedPuts: feedEntriesFor(next),
		feedDeletes: [],
		...overrides,
	};
}

export function makeEvent(article: Article, overrides: Partial<ArticleEvent> = {}): ArticleEvent {
	return {
		at: NOW.toISOString(),
		action: "upload",
		by: `partner ${article.partnerId}`,
		reason: "upload",
		version: article.version,
		status: article.status,
		permission: article.permission,
		...overrides,
	};
}

export function refOf(article: ArticleRef): ArticleRef {
	return { partnerId: article.partnerId, articleId: article.articleId, language: article.language };
}

export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
	const all: T[] = [];
	for await (const item of items) all.push(item);
	return all;
}

/** Commits `article` as a new article (no upload), and expects it to be stored. */
export async function commitNew(
	articles: ArticleStore,
	article: Article,
	overrides: Partial<NonNullable<ArticleCommit["article"]>> = {},
): Promise<void> {
	const result = await articles.commitArticleChange({
		article: articleChange(article, null, overrides),
	});
	if (result !== "committed") throw new Error(`commit of ${article.articleId}: ${result}`);
}
