import { TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import {
	type DynamoDBDocumentClient,
	QueryCommand,
	TransactWriteCommand,
	UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import type { Article, ArticleRef } from "../../domain/article.ts";
import type { ArticleEvent } from "../../domain/plan-article-change.ts";
import { UnstorableError } from "../../domain/store-errors.ts";
import type {
	ArticleCommit,
	ArticleStore,
	ArticleSummary,
	CommitResult,
} from "../../ports/articles.ts";
import {
	packTransactions,
	planTransaction,
	type TransactItem,
	whyUnstorable,
} from "./article-commit.ts";
import {
	articleOf,
	articlePk,
	DUE,
	dueRefOf,
	eventOf,
	refOfPk,
	summaryOf,
} from "./article-items.ts";
import { batchGetAll } from "./batch.ts";
import { agreementUnchanged } from "./dynamodb-agreement-store.ts";
import { feedOrdinalReserver, feedOrdinals, feedTransactItems } from "./feed-writes.ts";
import { str, strSet } from "./item-fields.ts";
import { itemReadsOf } from "./item-reads.ts";
import { queryAll } from "./query.ts";
import { tableKeys } from "./table.ts";

const CONFLICT_RETRIES = 8;
const LANGUAGES_KEY = { pk: "SITE", sk: "LANGUAGES" };
// Articles read with the other single-item reads of the moment (`ItemReads`), at most.
const FEW_ARTICLES = 25;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Articles in DynamoDB: current state, versions, history, and the agreement and due indexes. */
export class DynamoDbArticleStore implements ArticleStore {
	private readonly listedLanguages = new Set<string>();
	// The site's list of languages as read once by this store (see `getArticle`).
	private languagesRead: Promise<void> | undefined;
	// Shared by every commit through this store: concurrent commits share counter updates.
	private readonly reserveOrdinals: (feedKey: string, n: number) => Promise<number>;

	constructor(
		private readonly client: DynamoDBDocumentClient,
		private readonly tableName: string,
	) {
		this.reserveOrdinals = feedOrdinalReserver(client, tableName);
	}

	async getArticle(ref: ArticleRef): Promise<Article | undefined> {
		// The languages listed so far, read in the same request as the article (an upload reads
		// its article before it commits): a commit in a language listed already writes nothing
		// to list it, even in a fresh process.
		if (!this.listedLanguages.has(ref.language)) this.readLanguages();
		const item = await itemReadsOf(this.client, this.tableName).get({
			pk: articlePk(ref),
			sk: "CURRENT",
		});
		return item ? articleOf(item) : undefined;
	}

	/** Reads the site's languages once per store, unless a read is under way or done. */
	private readLanguages(): void {
		if (this.languagesRead) return;
		const reading = itemReadsOf(this.client, this.tableName)
			.get(LANGUAGES_KEY)
			.then((item) => {
				for (const language of item ? strSet(item, "languages") : []) {
					this.listedLanguages.add(language);
				}
			});
		// A failed read is only a write more: the commit lists its languages then.
		this.languagesRead = reading.catch(() => undefined);
	}

	async getArticles(refs: readonly ArticleRef[]): Promise<Article[]> {
		const keys = [...new Set(refs.map(articlePk))].map((pk) => ({ pk, sk: "CURRENT" }));
		// A few (an upload's page) go with the other reads of the moment; many in requests of their own.
		if (keys.length <= FEW_ARTICLES) {
			const reads = itemReadsOf(this.client, this.tableName);
			const items = await Promise.all(keys.map((key) => reads.get(key)));
			return items.flatMap((item) => (item ? [articleOf(item)] : []));
		}
		const items = await batchGetAll(this.client, this.tableName, keys, true);
		return items.map(articleOf);
	}

	private async listPrefix(ref: ArticleRef, prefix: string): Promise<Record<string, unknown>[]> {
		const items: Record<string, unknown>[] = [];
		for await (const item of queryAll(this.client, {
			TableName: this.tableName,
			KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
			ExpressionAttributeValues: { ":pk": articlePk(ref), ":prefix": prefix },
			ConsistentRead: true,
		})) {
			items.push(item);
		}
		return items;
	}

	async listVersions(ref: ArticleRef): Promise<Article[]> {
		return (await this.listPrefix(ref, "VERSION#")).map(articleOf);
	}

	async listHistory(ref: ArticleRef): Promise<ArticleEvent[]> {
		return (await this.listPrefix(ref, "HISTORY#")).map(eventOf);
	}

	async *listByAgreement(agreementId: string): AsyncIterable<ArticleRef> {
		for await (const item of queryAll(this.client, {
			TableName: this.tableName,
			IndexName: tableKeys.gsi1.name,
			KeyConditionExpression: "gsi1pk = :agreement",
			ExpressionAttributeValues: { ":agreement": `AGREEMENT#${agreementId}` },
		})) {
			yield refOfPk(str(item, "pk"));
		}
	}

	async *listByPartner(partnerId: string, articleId?: string): AsyncIterable<ArticleSummary> {
		for await (const item of queryAll(this.client, {
			TableName: this.tableName,
			KeyConditionExpression: "pk = :pk AND begins_with(sk, :article)",
			ExpressionAttributeValues: {
				":pk": `PARTNER#${partnerId}`,
				":article": articleId === undefined ? "ARTICLE#" : `ARTICLE#${articleId}#`,
			},
			ConsistentRead: true,
		})) {
			yield summaryOf(item);
		}
	}

	async listDue(now: Date, limit: number): Promise<ArticleRef[]> {
		const { Items = [] } = await this.client.send(
			new QueryCommand({
				TableName: this.tableName,
				// "~" sorts after every character of a key: everything due up to `now` inclusive.
				KeyConditionExpression: "pk = :due AND sk <= :now",
				ExpressionAttributeValues: { ":due": DUE, ":now": `${now.toISOString()}~` },
				Limit: limit,
				ConsistentRead: true,
			}),
		);
		return Items.map(dueRefOf);
	}

	commitArticleChange(commit: ArticleCommit): Promise<CommitResult> {
		return this.commitOne(commit, false);
	}

	/** One commit in a transaction of its own; `markInserts`: see {@link feedTransactItems}. */
	private async commitOne(commit: ArticleCommit, markInserts: boolean): Promise<CommitResult> {
		const feedItems = await this.feedItemsOf(commit, undefined, markInserts);
		let planned = planTransaction(this.tableName, commit, feedItems);
		if (planned.languages.length > 0) await this.addLanguages(planned.languages);
		let conflicts = 0;
		for (;;) {
			const { items, uploadIndex, newestIndex, articleIndex, agreementIndex } = planned;
			try {
				await this.client.send(new TransactWriteCommand({ TransactItems: items }));
				return commit.upload && newestIndex === -1 ? "committed-not-newest" : "committed";
			} catch (error) {
				const unstorable = whyUnstorable(error);
				if (unstorable) throw new UnstorableError(unstorable, { cause: error });
				if (!(error instanceof TransactionCanceledException)) throw error;
				const reasons = error.CancellationReasons ?? [];
				if (reasons[uploadIndex]?.Code === "ConditionalCheckFailed") return "upload-exists";
				if (reasons[articleIndex]?.Code === "ConditionalCheckFailed") return "article-changed";
				if (reasons[agreementIndex]?.Code === "ConditionalCheckFailed") return "agreement-changed";
				// A later upload at the key is the newest: the commit goes again without the mark.
				if (reasons[newestIndex]?.Code === "ConditionalCheckFailed") {
					planned = planTransaction(this.tableName, commit, feedItems, false);
					continue;
				}
				const conflict = reasons.some((r) => r.Code === "TransactionConflict");
				if (!conflict || conflicts >= CONFLICT_RETRIES) throw error;
				await sleep(10 * 2 ** conflicts * Math.random());
				conflicts++;
			}
		}
	}

	async commitArticleChanges(commits: readonly ArticleCommit[]): Promise<CommitResult[]> {
		// The stored rows' ordinals of every commit, read in one go rather than commit by commit.
		const ordinals = await feedOrdinals(
			this.client,
			this.tableName,
			commits.flatMap(({ article }) =>
				article && article.expectedRevision !== null
					? [...article.feedPuts, ...article.feedDeletes]
					: [],
			),
		);
		const planned = await Promise.all(
			commits.map(async (commit) =>
				planTransaction(
					this.tableName,
					commit,
					await this.feedItemsOf(commit, ordinals, true),
					true,
					false,
				),
			),
		);
		const languages = [...new Set(planned.flatMap((p) => p.languages))];
		if (languages.length > 0) await this.addLanguages(languages);
		const results: (CommitResult | undefined)[] = commits.map(() => undefined);
		const underOf = (index: number) => commits[index]?.article?.decidedUnder;
		// A transaction cancelled by one commit's condition applies nothing: that commit gets its
		// answer (every commit decided under an agreement that moved on, when its check failed),
		// the others go again; anything else is decided one by one.
		const groups = packTransactions(planned, underOf);
		await Promise.all(
			groups.map(async (indexes) => {
				let todo = indexes;
				while (todo.length > 1) {
					const offsets: number[] = [];
					const items: TransactItem[] = [];
					for (const index of todo) {
						offsets.push(items.length);
						items.push(...(planned[index]?.items ?? []));
					}
					const checks = new Map<string, number>();
					for (const index of todo) {
						const under = underOf(index);
						if (!under || checks.has(under.agreementId)) continue;
						checks.set(under.agreementId, items.length);
						items.push({
							ConditionCheck: agreementUnchanged(this.tableName, under.agreementId, under.revision),
						});
					}
					try {
						await this.client.send(new TransactWriteCommand({ TransactItems: items }));
						for (const index of todo) results[index] = "committed";
						return;
					} catch (error) {
						if (!(error instanceof TransactionCanceledException) || whyUnstorable(error)) break;
						const reasons = error.CancellationReasons ?? [];
						const moved = new Set(
							[...checks]
								.filter(([, at]) => reasons[at]?.Code === "ConditionalCheckFailed")
								.map(([agreementId]) => agreementId),
						);
						const refused = todo.filter((index, i) => {
							const p = planned[index];
							const at = offsets[i] ?? 0;
							if (!p) return false;
							if (reasons[at + p.uploadIndex]?.Code === "ConditionalCheckFailed") {
								results[index] = "upload-exists";
								return true;
							}
							if (reasons[at + p.articleIndex]?.Code === "ConditionalCheckFailed") {
								results[index] = "article-changed";
								return true;
							}
							const under = underOf(index);
							if (under && moved.has(under.agreementId)) {
								results[index] = "agreement-changed";
								return true;
							}
							return false;
						});
						if (refused.length === 0) break;
						todo = todo.filter((index) => !refused.includes(index));
					}
				}
				await Promise.all(
					todo.map(async (index) => {
						const commit = commits[index];
						if (commit) results[index] = await this.commitOne(commit, true);
					}),
				);
			}),
		);
		return results.map((result) => result ?? "article-changed");
	}

	// Feed rows, their archive copies and stale marks (dynamodb-feed-store.ts).
	private feedItemsOf(
		commit: ArticleCommit,
		ordinals: ReadonlyMap<string, number> | undefined,
		markInserts: boolean,
	): Promise<TransactItem[]> {
		const change = commit.article;
		if (!change) return Promise.resolve([]);
		return feedTransactItems(
			this.client,
			this.tableName,
			this.reserveOrdinals,
			{
				feedPuts: change.feedPuts,
				feedDeletes: change.feedDeletes,
				expectedRevision: change.expectedRevision,
				at: change.event?.at ?? change.next.ingestedAt,
				markInserts,
			},
			ordinals,
		);
	}

	// Outside the transaction, where every commit would conflict on this one item; a language
	// listed a moment early only shows the home page an empty section.
	private async addLanguages(languages: string[]): Promise<void> {
		// The list only grows: a language this store added or read once needs no write again.
		await this.languagesRead;
		const added = languages.filter((language) => !this.listedLanguages.has(language));
		if (added.length === 0) return;
		await this.client.send(
			new UpdateCommand({
				TableName: this.tableName,
				Key: LANGUAGES_KEY,
				UpdateExpression: "ADD languages :languages",
				ExpressionAttributeValues: { ":languages": new Set(added) },
			}),
		);
		for (const language of added) this.listedLanguages.add(language);
	}
}
