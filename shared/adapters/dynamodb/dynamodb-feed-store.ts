import { randomUUID } from "node:crypto";
import {
	ConditionalCheckFailedException,
	TransactionCanceledException,
} from "@aws-sdk/client-dynamodb";
import {
	DeleteCommand,
	type DeleteCommandInput,
	type DynamoDBDocumentClient,
	PutCommand,
	QueryCommand,
	TransactWriteCommand,
	UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { type FeedTombstone, KILL_REASONS } from "../../domain/feeds/kill-notices.ts";
import type { FeedPosition } from "../../domain/plan-article-change.ts";
import { archivePageOf, type FeedItem } from "../../domain/targets.ts";
import { chunksOf } from "../../lib/chunks.ts";
import type { FeedState, FeedStore, ListedFeed, StalePage } from "../../ports/articles.ts";
import { type BatchWrite, batchWriteAll } from "./batch.ts";
import { feedPartitions, metaPk, staleRowKey, TOMBSTONE_PREFIX } from "./feed-keys.ts";
import { feedOrdinals, feedRowKeyString } from "./feed-writes.ts";
import { type Item, num, oneOf, optStr, type ShapeOf, shaped, str, strSet } from "./item-fields.ts";
import { itemReadsOf } from "./item-reads.ts";
import { queryItems } from "./query.ts";

const LANGUAGES_KEY = { pk: "SITE", sk: "LANGUAGES" };
// Every listed feed, one item each in one partition: the OPML reads it with one Query.
const FEED_LIST = "FEEDS";
// Rows read from each partition beyond its even share of a feed's head: an uneven spread of
// the newest articles rarely needs a second read.
const SHARE_MARGIN = 4;

// A feed row's item is stored whole and rendered as it is: every attribute is checked, the
// image and the full text's body key and photos (shown, never decided on) only for being maps.
const FEED_ITEM: ShapeOf<FeedItem> = {
	id: "string",
	partnerId: "string",
	articleId: "string",
	language: "string",
	agreementId: "string",
	version: "number",
	headline: "string",
	summary: "string?",
	byline: "string?",
	holder: "string",
	firstCreated: "string",
	versionCreated: "string",
	photosChangedAt: "string?",
	subjects: "string list",
	subjectNames: "map?",
	attribution: "string",
	attributionLang: "string?",
	path: "string",
	originalLanguage: "string or null?",
	image: "map?",
	fullText: "map?",
};

const feedItemOf = (row: Item) => shaped<FeedItem>(row, "item", FEED_ITEM);

function tombstoneOf(row: Item): FeedTombstone {
	return {
		id: str(row, "id"),
		when: str(row, "when"),
		reason: oneOf(row, "reason", KILL_REASONS),
		...(row.page === undefined ? {} : { page: num(row, "page") }),
		...(row.sortKey === undefined ? {} : { sortKey: str(row, "sortKey") }),
	};
}

/** The marks of the stale pages a render saw (`getFeedState` made them). */
function marksOf(page: StalePage): string[] {
	const marks: unknown = JSON.parse(page.mark);
	if (Array.isArray(marks) && marks.every((mark) => typeof mark === "string")) return marks;
	throw new Error(`not a stale page's mark: ${page.mark}`);
}

/**
 * Feed rows in DynamoDB: every feed a partition of its own (a language's `latest` and
 * `updated` four), sorted by the feed's time; each row's archive copy in a partition per
 * archive page; the feed's counter, stale marks and listing in one more.
 */
export class DynamoDbFeedStore implements FeedStore {
	constructor(
		private readonly client: DynamoDBDocumentClient,
		private readonly tableName: string,
	) {}

	/** Up to `limit` rows of one partition, newest first, from `start` on. */
	private async newestRows(pk: string, limit: number, start?: Record<string, unknown>) {
		const { Items = [], LastEvaluatedKey } = await this.client.send(
			new QueryCommand({
				TableName: this.tableName,
				KeyConditionExpression: "pk = :pk",
				ExpressionAttributeValues: { ":pk": pk },
				ScanIndexForward: false,
				Limit: limit,
				// Base-table reads are strongly consistent: a publisher sees every commit before it.
				ConsistentRead: true,
				...(start ? { ExclusiveStartKey: start } : {}),
			}),
		);
		return { rows: Items, next: LastEvaluatedKey };
	}

	/**
	 * The newest `limit` rows over every partition of the feed. Rows are spread over the
	 * partitions by article, so each holds about its share of the newest: that share (and a
	 * margin) is read from each, then the rest of `limit` only from a partition whose share
	 * ends above the newest rows' oldest, where more of them may hide. Two rounds at most:
	 * once `limit` rows of a partition are read, none of its others can be among the newest.
	 */
	async listFeed(feedKey: string, limit: number): Promise<FeedItem[]> {
		const partitions = feedPartitions(feedKey);
		const share =
			partitions.length === 1 ? limit : Math.ceil(limit / partitions.length) + SHARE_MARGIN;
		const shards = await Promise.all(
			partitions.map(async (pk) => ({
				pk,
				...(await this.newestRows(pk, Math.min(share, limit))),
			})),
		);
		const newest = () =>
			shards
				.flatMap((shard) => shard.rows)
				.sort((a, b) => (str(a, "sk") < str(b, "sk") ? 1 : str(a, "sk") > str(b, "sk") ? -1 : 0))
				.slice(0, limit);
		const cut = newest().at(limit - 1);
		await Promise.all(
			shards.map(async (shard) => {
				const oldestRead = shard.rows.at(-1);
				if (!shard.next || !oldestRead || shard.rows.length >= limit) return;
				if (cut && str(oldestRead, "sk") <= str(cut, "sk")) return;
				const more = await this.newestRows(shard.pk, limit - shard.rows.length, shard.next);
				shard.rows.push(...more.rows);
			}),
		);
		return newest().map(feedItemOf);
	}

	async listLanguages(): Promise<string[]> {
		const item = await itemReadsOf(this.client, this.tableName).get(LANGUAGES_KEY);
		return item ? strSet(item, "languages") : [];
	}

	async getFeedState(feedKey: string): Promise<FeedState> {
		const rows = await queryItems(this.client, {
			TableName: this.tableName,
			KeyConditionExpression: "pk = :pk",
			ExpressionAttributeValues: { ":pk": metaPk(feedKey) },
			ConsistentRead: true,
		});
		const meta = rows.find((row) => row.sk === "META");
		const stale = rows.filter((row) => str(row, "sk").startsWith("STALE#"));
		const tombstones = rows
			.filter((row) => str(row, "sk").startsWith(TOMBSTONE_PREFIX))
			.map(tombstoneOf)
			.sort((a, b) => (a.when < b.when ? 1 : a.when > b.when ? -1 : a.id < b.id ? -1 : 1));
		const removed = [
			meta && optStr(meta, "lastRemovedAt"),
			...stale.map((row) => optStr(row, "removedAt")),
		]
			.filter((at) => at !== undefined)
			.sort();
		const pages = new Map<number, string[]>();
		for (const row of stale) {
			const page = num(row, "page");
			pages.set(page, [...(pages.get(page) ?? []), `${str(row, "sk")}\n${str(row, "mark")}`]);
		}
		const lastRemovedAt = removed.at(-1);
		return {
			count: meta ? num(meta, "count", 0) : 0,
			stalePages: [...pages.entries()]
				.sort(([a], [b]) => a - b)
				.map(([page, marks]) => ({ page, mark: JSON.stringify(marks) })),
			renderedPages: meta ? num(meta, "renderedPages", 0) : 0,
			listed: meta?.listed === true,
			...(meta?.listedName === undefined ? {} : { listedName: str(meta, "listedName") }),
			tombstones,
			...(lastRemovedAt ? { lastRemovedAt } : {}),
		};
	}

	async listArchivePage(feedKey: string, page: number): Promise<FeedItem[]> {
		const rows = await queryItems(this.client, {
			TableName: this.tableName,
			KeyConditionExpression: "pk = :pk",
			ExpressionAttributeValues: { ":pk": `ARCHIVE#${feedKey}#${page}` },
			ScanIndexForward: false,
			ConsistentRead: true,
		});
		return rows.map(feedItemOf);
	}

	async markArchiveRendered(
		feedKey: string,
		rendered: { renderedPages: number; stalePages: readonly StalePage[] },
	): Promise<void> {
		const state = await this.getFeedState(feedKey);
		const removedAt = state.lastRemovedAt;
		await this.client
			.send(
				new UpdateCommand({
					TableName: this.tableName,
					Key: { pk: metaPk(feedKey), sk: "META" },
					// The publisher holds the feed's lease: it alone writes these two.
					UpdateExpression: `SET renderedPages = :pages${removedAt ? ", lastRemovedAt = :removed" : ""}`,
					ConditionExpression: "attribute_not_exists(renderedPages) OR renderedPages <= :pages",
					ExpressionAttributeValues: {
						":pages": rendered.renderedPages,
						...(removedAt ? { ":removed": removedAt } : {}),
					},
				}),
			)
			.catch((error: unknown) => {
				if (!(error instanceof ConditionalCheckFailedException)) throw error;
			});
		const marks = rendered.stalePages.flatMap(marksOf);
		const deletes = marks.map((entry) => {
			const [sk = "", mark = ""] = entry.split("\n");
			return {
				TableName: this.tableName,
				Key: { pk: metaPk(feedKey), sk },
				ConditionExpression: "mark = :mark",
				ExpressionAttributeValues: { ":mark": mark },
			};
		});
		// A hundred to a transaction: a takedown of many articles leaves thousands of marks. A
		// mark set again since (its condition fails) stays for the next render; the rest go.
		await Promise.all(
			chunksOf(deletes, 100).map(async (chunk) => {
				let todo = chunk;
				while (todo.length > 0) {
					try {
						await this.client.send(
							new TransactWriteCommand({ TransactItems: todo.map((Delete) => ({ Delete })) }),
						);
						return;
					} catch (error) {
						if (!(error instanceof TransactionCanceledException)) throw error;
						const reasons = error.CancellationReasons ?? [];
						const kept = todo.filter((_, i) => reasons[i]?.Code !== "ConditionalCheckFailed");
						// Cancelled for another reason (a conflict): one at a time, as before.
						if (kept.length === todo.length) break;
						todo = kept;
					}
				}
				await Promise.all(todo.map((input) => this.deleteMark(input)));
			}),
		);
	}

	private async deleteMark(input: DeleteCommandInput): Promise<void> {
		await this.client.send(new DeleteCommand(input)).catch((error: unknown) => {
			// Marked again since: the next render takes it.
			if (!(error instanceof ConditionalCheckFailedException)) throw error;
		});
	}

	async markRowsStale(rows: readonly FeedPosition[]): Promise<void> {
		if (rows.length === 0) return;
		const ordinals = await feedOrdinals(this.client, this.tableName, rows);
		const mark = randomUUID();
		const puts = rows.flatMap((row): BatchWrite[] => {
			const ordinal = ordinals.get(feedRowKeyString(row));
			if (ordinal === undefined) return [];
			const Item = { ...staleRowKey(row.feedKey, ordinal), page: archivePageOf(ordinal), mark };
			return [{ PutRequest: { Item } }];
		});
		await batchWriteAll(this.client, this.tableName, puts);
	}

	async listFeedKey(feedKey: string, name?: string): Promise<boolean> {
		// The list first: a crash between the two leaves the flag (or name) unset, and the next
		// render lists it again.
		const named = name === undefined ? {} : { name };
		await this.client.send(
			new PutCommand({ TableName: this.tableName, Item: { pk: FEED_LIST, sk: feedKey, ...named } }),
		);
		const { Attributes } = await this.client.send(
			new UpdateCommand({
				TableName: this.tableName,
				Key: { pk: metaPk(feedKey), sk: "META" },
				UpdateExpression: `SET listed = :true${name === undefined ? "" : ", listedName = :name"}`,
				ExpressionAttributeValues: {
					":true": true,
					...(name === undefined ? {} : { ":name": name }),
				},
				ReturnValues: "UPDATED_OLD",
			}),
		);
		return Attributes?.listed !== true;
	}

	async listFeedKeys(): Promise<ListedFeed[]> {
		const rows = await queryItems(this.client, {
			TableName: this.tableName,
			KeyConditionExpression: "pk = :pk",
			ExpressionAttributeValues: { ":pk": FEED_LIST },
			ConsistentRead: true,
		});
		return rows.map((row) => {
			const name = optStr(row, "name");
			return name === undefined ? { feedKey: str(row, "sk") } : { feedKey: str(row, "sk"), name };
		});
	}
}
