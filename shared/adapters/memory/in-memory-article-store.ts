import type { Article, ArticleRef } from "../../domain/article.ts";
import { type FeedTombstone, KILL_NOTICE_MS } from "../../domain/feeds/kill-notices.ts";
import type { ArticleEvent, FeedPosition, FeedRemoval } from "../../domain/plan-article-change.ts";
import { archivePageOf, type FeedEntry, type FeedItem } from "../../domain/targets.ts";
import type {
	ArticleCommit,
	ArticleStore,
	ArticleSummary,
	CommitResult,
	FeedState,
	FeedStore,
	ListedFeed,
	StalePage,
} from "../../ports/articles.ts";
import {
	compareKeys,
	copyIn,
	copyOut,
	dueKey,
	type FeedMetaRow,
	type InMemoryTables,
	markNewestIn,
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

let marks = 0;

function metaOf(tables: InMemoryTables, feedKey: string): FeedMetaRow {
	return getOrCreate(tables.feedMeta, feedKey, () => ({
		count: 0,
		renderedPages: 0,
		listed: false,
		stale: new Map(),
	}));
}

// A row keeps the ordinal it was first put with; a changed item marks its archive page stale.
function putFeedRow(tables: InMemoryTables, entry: FeedEntry): void {
	const ordinals = getOrCreate(tables.feedOrdinals, entry.feedKey, () => new Map());
	const meta = metaOf(tables, entry.feedKey);
	let ordinal = ordinals.get(entry.sortKey);
	if (ordinal === undefined) {
		meta.count += 1;
		ordinal = meta.count;
		ordinals.set(entry.sortKey, ordinal);
		// New to the feed: an item that comes back takes back its kill notice, and the archive
		// page the notice was on is written again.
		const notices = tables.feedTombstones.get(entry.feedKey);
		const left = notices?.get(entry.item.id)?.page;
		notices?.delete(entry.item.id);
		if (left !== undefined) meta.stale.set(left, `m${++marks}`);
	} else {
		meta.stale.set(archivePageOf(ordinal), `m${++marks}`);
	}
	getOrCreate(tables.feeds, entry.feedKey, () => new Map()).set(entry.sortKey, entry.item);
	getOrCreate(tables.archives, entry.feedKey, () => new Map()).set(ordinal, entry.item);
	tables.languages.add(entry.item.language);
}

function deleteFeedRow(tables: InMemoryTables, row: FeedRemoval, at: string): void {
	const ordinal = tables.feedOrdinals.get(row.feedKey)?.get(row.sortKey);
	tables.feeds.get(row.feedKey)?.delete(row.sortKey);
	if (row.kill) {
		const tombstones = getOrCreate(tables.feedTombstones, row.feedKey, () => new Map());
		// Pruned as the feed is written, as DynamoDB's TTL prunes them some time after.
		const since = Date.parse(row.kill.when) - KILL_NOTICE_MS;
		for (const [id, old] of tombstones) if (Date.parse(old.when) < since) tombstones.delete(id);
		const tombstone: FeedTombstone = {
			...row.kill,
			sortKey: row.sortKey,
			...(ordinal === undefined ? {} : { page: archivePageOf(ordinal) }),
		};
		tombstones.set(row.kill.id, tombstone);
	}
	if (ordinal === undefined) return;
	tables.feedOrdinals.get(row.feedKey)?.delete(row.sortKey);
	tables.archives.get(row.feedKey)?.delete(ordinal);
	const meta = metaOf(tables, row.feedKey);
	meta.stale.set(archivePageOf(ordinal), `m${++marks}`);
	if (!meta.lastRemovedAt || meta.lastRemovedAt < at) meta.lastRemovedAt = at;
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
			const under = change.decidedUnder;
			if (under && (tables.agreements.get(under.agreementId)?.revision ?? null) !== under.revision)
				return "agreement-changed";
		}

		// Nothing below awaits: the commit is applied in one turn of the event loop, all or nothing.
		let newest = true;
		if (upload) {
			getOrCreate(tables.uploads, upload.key, () => new Map()).set(upload.uploadId, upload);
			newest = markNewestIn(tables, upload);
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
			const at = change.event?.at ?? next.ingestedAt;
			for (const entry of change.feedPuts) putFeedRow(tables, entry);
			for (const entry of change.feedDeletes) deleteFeedRow(tables, entry, at);
		}
		if (pending) tables.pending.set(pending.changeId, pending);
		return newest ? "committed" : "committed-not-newest";
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

	async getFeedState(feedKey: string): Promise<FeedState> {
		const meta = this.tables.feedMeta.get(feedKey);
		return {
			count: meta?.count ?? 0,
			stalePages: [...(meta?.stale ?? new Map<number, string>()).entries()]
				.sort(([a], [b]) => a - b)
				.map(([page, mark]) => ({ page, mark })),
			renderedPages: meta?.renderedPages ?? 0,
			listed: meta?.listed ?? false,
			...(meta?.listedName === undefined ? {} : { listedName: meta.listedName }),
			tombstones: [...(this.tables.feedTombstones.get(feedKey)?.values() ?? [])]
				.sort((a, b) => compareKeys(b.when, a.when) || compareKeys(a.id, b.id))
				.map(copyOut),
			...(meta?.lastRemovedAt ? { lastRemovedAt: meta.lastRemovedAt } : {}),
		};
	}

	async listArchivePage(feedKey: string, page: number): Promise<FeedItem[]> {
		const rows = this.tables.archives.get(feedKey) ?? new Map<number, FeedItem>();
		return [...rows.entries()]
			.filter(([ordinal]) => archivePageOf(ordinal) === page)
			.sort(([a], [b]) => b - a)
			.map(([, item]) => copyOut(item));
	}

	async markArchiveRendered(
		feedKey: string,
		rendered: { renderedPages: number; stalePages: readonly StalePage[] },
	): Promise<void> {
		const meta = metaOf(this.tables, feedKey);
		meta.renderedPages = Math.max(meta.renderedPages, rendered.renderedPages);
		for (const { page, mark } of rendered.stalePages) {
			if (meta.stale.get(page) === mark) meta.stale.delete(page);
		}
	}

	async markRowsStale(rows: readonly FeedPosition[]): Promise<void> {
		for (const { feedKey, sortKey } of rows) {
			const ordinal = this.tables.feedOrdinals.get(feedKey)?.get(sortKey);
			if (ordinal === undefined) continue;
			metaOf(this.tables, feedKey).stale.set(archivePageOf(ordinal), `m${++marks}`);
		}
	}

	async listFeedKey(feedKey: string, name?: string): Promise<boolean> {
		const meta = metaOf(this.tables, feedKey);
		const added = !meta.listed;
		meta.listed = true;
		if (name !== undefined) meta.listedName = name;
		return added;
	}

	async listFeedKeys(): Promise<ListedFeed[]> {
		return [...this.tables.feedMeta.entries()]
			.filter(([, meta]) => meta.listed)
			.sort(([a], [b]) => compareKeys(a, b))
			.map(([feedKey, meta]) =>
				meta.listedName === undefined ? { feedKey } : { feedKey, name: meta.listedName },
			);
	}
}
