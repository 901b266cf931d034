import type { Article, ArticleRef } from "../../domain/article.ts";
import type { ArticleEvent } from "../../domain/plan-article-change.ts";
import type { FeedItem } from "../../domain/targets.ts";
import type {
	ArticleCommit,
	ArticleStore,
	ArticleSummary,
	CommitResult,
	FeedStore,
} from "../../ports.ts";
import {
	compareKeys,
	copyIn,
	copyOut,
	dueKey,
	type InMemoryTables,
	refKey,
	refOf,
} from "./in-memory-tables.ts";

function toSummary(article: Article): ArticleSummary {
	return {
		...refOf(article),
		version: article.version,
		status: article.status,
		headline: article.headline,
		agreementId: article.permission.agreementId,
		decision: article.permission.decision,
	};
}

function compareRefs(a: ArticleRef, b: ArticleRef): number {
	return (
		compareKeys(a.partnerId, b.partnerId) ||
		compareKeys(a.articleId, b.articleId) ||
		compareKeys(a.language, b.language)
	);
}

function getOrCreate<K, V>(map: Map<K, V>, key: K, create: () => V): V {
	let value = map.get(key);
	if (value === undefined) {
		value = create();
		map.set(key, value);
	}
	return value;
}

/**
 * Articles in memory, on {@link InMemoryTables}, with the rules of the DynamoDB adapter:
 * an upload is recorded once, the article's revision is the optimistic lock, and a commit
 * applies all or nothing. The agreement and partner listings are filters over the current
 * articles: in memory, a scan is the index.
 */
export class InMemoryArticleStore implements ArticleStore {
	constructor(private readonly tables: InMemoryTables) {}

	async getArticle(ref: ArticleRef): Promise<Article | undefined> {
		const article = this.tables.articles.get(refKey(ref));
		return article && copyOut(article);
	}

	async getArticles(refs: readonly ArticleRef[]): Promise<Article[]> {
		const found = await Promise.all(refs.map((ref) => this.getArticle(ref)));
		return found.filter((article) => article !== undefined);
	}

	async listVersions(ref: ArticleRef): Promise<Article[]> {
		const versions = this.tables.versions.get(refKey(ref)) ?? new Map<number, Article>();
		return [...versions.entries()].sort(([a], [b]) => a - b).map(([, article]) => copyOut(article));
	}

	async listHistory(ref: ArticleRef): Promise<ArticleEvent[]> {
		const history = this.tables.history.get(refKey(ref)) ?? new Map<string, ArticleEvent>();
		return [...history.entries()]
			.sort(([a], [b]) => compareKeys(a, b))
			.map(([, event]) => copyOut(event));
	}

	async *listByAgreement(agreementId: string): AsyncIterable<ArticleRef> {
		const refs = [...this.tables.articles.values()]
			.filter((article) => article.rights.agreement === agreementId)
			.map(refOf)
			.sort(compareRefs);
		yield* refs;
	}

	async *listByPartner(partnerId: string, articleId?: string): AsyncIterable<ArticleSummary> {
		const summaries = [...this.tables.articles.values()]
			.filter(
				(article) =>
					article.partnerId === partnerId &&
					(articleId === undefined || article.articleId === articleId),
			)
			.map(toSummary)
			.sort(compareRefs);
		yield* summaries;
	}

	async listDue(now: Date, limit: number): Promise<ArticleRef[]> {
		return [...this.tables.due.values()]
			.map((row) => ({ ...row, at: Date.parse(row.dueAt) }))
			.filter((row) => row.at <= now.getTime())
			.sort((a, b) => a.at - b.at || compareRefs(a.ref, b.ref))
			.slice(0, limit)
			.map((row) => copyOut(row.ref));
	}

	async commitArticleChanges(commits: readonly ArticleCommit[]): Promise<CommitResult[]> {
		const results: CommitResult[] = [];
		for (const commit of commits) results.push(await this.commitArticleChange(commit));
		return results;
	}

	async commitArticleChange(input: ArticleCommit): Promise<CommitResult> {
		const { tables } = this;
		// Copied first: data no store could keep refuses the whole commit before anything changes.
		const commit = copyIn(input);
		const { upload, article: change, pending } = commit;
		if (upload && tables.uploads.get(upload.key)?.has(upload.uploadId)) return "upload-exists";
		if (change) {
			const stored = tables.articles.get(refKey(change.next));
			const current =
				change.expectedRevision === null
					? stored === undefined
					: stored?.revision === change.expectedRevision;
			if (!current) return "article-changed";
		}

		// Nothing below awaits: the commit is applied in one turn of the event loop, all or nothing.
		if (upload) {
			getOrCreate(tables.uploads, upload.key, () => new Map()).set(upload.uploadId, upload);
		}
		if (change) {
			const { next } = change;
			const ref = refOf(next);
			const key = refKey(ref);
			tables.articles.set(key, next);
			if (change.newVersion) {
				getOrCreate(tables.versions, key, () => new Map()).set(next.version, copyOut(next));
			}
			if (change.event) {
				// Keyed as in DynamoDB: by time, then revision, so it lists oldest first.
				const at = `${change.event.at}#${String(next.revision).padStart(9, "0")}`;
				getOrCreate(tables.history, key, () => new Map()).set(at, change.event);
			}
			if (change.previousDueAt !== next.dueAt) {
				if (change.previousDueAt) tables.due.delete(dueKey(change.previousDueAt, ref));
				if (next.dueAt) tables.due.set(dueKey(next.dueAt, ref), { dueAt: next.dueAt, ref });
			}
			for (const entry of change.feedPuts) {
				getOrCreate(tables.feeds, entry.feedKey, () => new Map()).set(entry.sortKey, entry.item);
				tables.languages.add(entry.item.language);
			}
			for (const entry of change.feedDeletes) {
				tables.feeds.get(entry.feedKey)?.delete(entry.sortKey);
			}
		}
		if (pending) tables.pending.set(pending.changeId, pending);
		return "committed";
	}
}

/** Feed rows in memory: the rows an {@link InMemoryArticleStore} on the same tables wrote. */
export class InMemoryFeedStore implements FeedStore {
	constructor(private readonly tables: InMemoryTables) {}

	async listFeed(feedKey: string, limit: number): Promise<FeedItem[]> {
		const rows = this.tables.feeds.get(feedKey) ?? new Map<string, FeedItem>();
		return [...rows.entries()]
			.sort(([a], [b]) => compareKeys(b, a))
			.slice(0, limit)
			.map(([, item]) => copyOut(item));
	}

	async listLanguages(): Promise<string[]> {
		return [...this.tables.languages].sort(compareKeys);
	}
}
