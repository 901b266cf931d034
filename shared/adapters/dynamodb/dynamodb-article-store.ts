import { TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import {
	type DynamoDBDocumentClient,
	GetCommand,
	QueryCommand,
	TransactWriteCommand,
	type TransactWriteCommandInput,
	UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import type { Article, ArticleRef } from "../../domain/article.ts";
import type { FeedItem } from "../../domain/targets.ts";
import { UnstorableError } from "../../domain/store-errors.ts";
import type { ArticleStore, CommitResult, IngestCommit } from "../../ports.ts";
import { pendingItem } from "./dynamodb-publish-ledger.ts";
import { toUploadAttributes, uploadItemKey } from "./dynamodb-upload-store.ts";

type TransactItem = NonNullable<TransactWriteCommandInput["TransactItems"]>[number];

const CONFLICT_RETRIES = 8;
const LANGUAGES_KEY = { pk: "SITE", sk: "LANGUAGES" };

export function articlePk(ref: ArticleRef): string {
	return `ARTICLE#${ref.partnerId}#${ref.articleId}#${ref.language}`;
}

/**
 * Why DynamoDB refused the data for good, or `undefined` for faults a retry may cure
 * (throttling, conflicts, a server or network error). The marshaller throws plain errors
 * before anything is sent; the service answers ValidationException for items over 400 KB
 * and malformed attributes, or cancels a transaction with a ValidationError reason.
 */
function whyUnstorable(error: unknown): string | undefined {
	if (!(error instanceof Error)) return undefined;
	const sent = "$metadata" in error;
	if (!sent && (error instanceof TypeError || error instanceof RangeError)) {
		return `the data cannot be written (${error.message})`;
	}
	if (!sent && /marshall|Unsupported type|Pass options\.|convertClassInstanceToMap/i.test(error.message)) {
		return `the data cannot be written (${error.message})`;
	}
	if (error.name === "ValidationException") return `the store refused it (${error.message})`;
	if (error instanceof TransactionCanceledException) {
		const reason = error.CancellationReasons?.find((r) => r.Code === "ValidationError");
		if (reason) return `the store refused it (${reason.Message ?? "validation error"})`;
	}
	return undefined;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Articles, uploads and feed rows in DynamoDB. */
export class DynamoDbArticleStore implements ArticleStore {
	constructor(
		private readonly client: DynamoDBDocumentClient,
		private readonly tableName: string,
	) {}

	async getArticle(ref: ArticleRef): Promise<Article | undefined> {
		const { Item } = await this.client.send(
			new GetCommand({
				TableName: this.tableName,
				Key: { pk: articlePk(ref), sk: "CURRENT" },
				ConsistentRead: true,
			}),
		);
		return Item?.article as Article | undefined;
	}

	async listVersions(ref: ArticleRef): Promise<Article[]> {
		const versions: Article[] = [];
		let start: Record<string, unknown> | undefined;
		do {
			const page = await this.client.send(
				new QueryCommand({
					TableName: this.tableName,
					KeyConditionExpression: "pk = :pk AND begins_with(sk, :version)",
					ExpressionAttributeValues: { ":pk": articlePk(ref), ":version": "VERSION#" },
					ConsistentRead: true,
					ExclusiveStartKey: start,
				}),
			);
			versions.push(...(page.Items ?? []).map((item) => item.article as Article));
			start = page.LastEvaluatedKey;
		} while (start);
		return versions;
	}

	async listFeed(feedKey: string, limit: number): Promise<FeedItem[]> {
		const { Items = [] } = await this.client.send(
			new QueryCommand({
				TableName: this.tableName,
				KeyConditionExpression: "pk = :pk",
				ExpressionAttributeValues: { ":pk": `FEED#${feedKey}` },
				ScanIndexForward: false,
				Limit: limit,
				// Base-table reads are strongly consistent: a publisher sees every commit before it.
				ConsistentRead: true,
			}),
		);
		return Items.map((item) => item.item as FeedItem);
	}

	async listLanguages(): Promise<string[]> {
		const { Item } = await this.client.send(
			new GetCommand({ TableName: this.tableName, Key: LANGUAGES_KEY, ConsistentRead: true }),
		);
		return [...((Item?.languages as Set<string> | undefined) ?? [])].sort();
	}

	async commitIngest(commit: IngestCommit): Promise<CommitResult> {
		const languages = [...new Set(commit.feedPuts.map((entry) => entry.item.language))];
		if (languages.length > 0) {
			// Outside the transaction, where every ingest would conflict on this one item; a
			// language listed a moment early only shows the home page an empty section.
			await this.client.send(
				new UpdateCommand({
					TableName: this.tableName,
					Key: LANGUAGES_KEY,
					UpdateExpression: "ADD languages :languages",
					ExpressionAttributeValues: { ":languages": new Set(languages) },
				}),
			);
		}
		const items: TransactItem[] = [
			{
				Put: {
					TableName: this.tableName,
					Item: {
						...uploadItemKey(commit.upload.key, commit.upload.uploadId),
						...toUploadAttributes(commit.upload),
					},
					ConditionExpression: "attribute_not_exists(pk)",
				},
			},
		];
		if (commit.article) {
			const { next, previousVersion } = commit.article;
			const pk = articlePk(next);
			items.push(
				{
					Put: {
						TableName: this.tableName,
						Item: {
							pk,
							sk: "CURRENT",
							version: next.version,
							article: next,
							gsi1pk: `AGREEMENT#${next.rights.agreement}`,
							gsi1sk: pk,
						},
						// Optimistic lock: the version decision was made against previousVersion.
						ConditionExpression:
							previousVersion === null ? "attribute_not_exists(pk)" : "version = :previous",
						...(previousVersion === null
							? {}
							: { ExpressionAttributeValues: { ":previous": previousVersion } }),
					},
				},
				{
					Put: {
						TableName: this.tableName,
						Item: { pk, sk: `VERSION#${String(next.version).padStart(9, "0")}`, article: next },
					},
				},
				{
					Put: {
						TableName: this.tableName,
						Item: {
							pk,
							sk: `PERMISSION#${next.permission.checkedAt}#${next.version}`,
							...next.permission,
							version: next.version,
						},
					},
				},
			);
		}
		for (const entry of commit.feedPuts) {
			items.push({
				Put: {
					TableName: this.tableName,
					Item: { pk: `FEED#${entry.feedKey}`, sk: entry.sortKey, item: entry.item },
				},
			});
		}
		for (const entry of commit.feedDeletes) {
			items.push({
				Delete: {
					TableName: this.tableName,
					Key: { pk: `FEED#${entry.feedKey}`, sk: entry.sortKey },
				},
			});
		}

		if (commit.pending) {
			items.push({ Put: { TableName: this.tableName, Item: pendingItem(commit.pending) } });
		}

		for (let attempt = 0; ; attempt++) {
			try {
				await this.client.send(new TransactWriteCommand({ TransactItems: items }));
				return "committed";
			} catch (error) {
				const unstorable = whyUnstorable(error);
				if (unstorable) throw new UnstorableError(unstorable, { cause: error });
				if (!(error instanceof TransactionCanceledException)) throw error;
				const reasons = error.CancellationReasons ?? [];
				if (reasons[0]?.Code === "ConditionalCheckFailed") return "upload-exists";
				if (reasons[1]?.Code === "ConditionalCheckFailed") return "article-changed";
				const conflict = reasons.some((r) => r.Code === "TransactionConflict");
				if (!conflict || attempt >= CONFLICT_RETRIES) throw error;
				await sleep(10 * 2 ** attempt * Math.random());
			}
		}
	}
}
