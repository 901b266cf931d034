import { TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import {
	DeleteCommand,
	type DeleteCommandInput,
	type DynamoDBDocumentClient,
	PutCommand,
	QueryCommand,
	type QueryCommandInput,
	TransactWriteCommand,
	type TransactWriteCommandInput,
	UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import type { FeedPosition } from "../../domain/plan-article-change.ts";
import { archivePageOf, type FeedEntry, type FeedItem } from "../../domain/targets.ts";
import { chunksOf } from "../../lib/chunks.ts";
import type { FeedState, FeedStore, StalePage } from "../../ports/articles.ts";
import { batchGetAll } from "./batch.ts";
import { itemReadsOf } from "./item-reads.ts";

type TransactItem = NonNullable<TransactWriteCommandInput["TransactItems"]>[number];

const LANGUAGES_KEY = { pk: "SITE", sk: "LANGUAGES" };
// Every listed feed, one item each in one partition: the OPML reads it with one Query.
const FEED_LIST = "FEEDS";

/**
 * Write sharding: a language's `latest` and `updated` take every upload of the language, so
 * their rows are spread over this many partitions (by article) and read back with one Query
 * per partition, merged. Any other feed (a partner's, a subject's) is one partition.
 */
export const LANGUAGE_FEED_SHARDS = 4;
// Rows read from each partition beyond its even share of a feed's head: an uneven spread of
// the newest articles rarely needs a second read.
const SHARE_MARGIN = 4;

// Key shapes stay in the adapters: the domain names a feed by its key, a row by its sort key.
function shardsOf(feedKey: string): number {
	return /\/(?:latest|updated)$/.test(feedKey) ? LANGUAGE_FEED_SHARDS : 1;
}

// FNV-1a over the article part of the sort key: the same article always lands on one shard.
function shardOf(sortKey: string, shards: number): number {
	const article = sortKey.slice(sortKey.indexOf("#") + 1);
	let hash = 0x811c9dc5;
	for (let i = 0; i < article.length; i++) {
		hash ^= article.charCodeAt(i);
		hash = Math.imul(hash, 0x01000193) >>> 0;
	}
	return hash % shards;
}

function feedPartitions(feedKey: string): string[] {
	const shards = shardsOf(feedKey);
	if (shards === 1) return [`FEED#${feedKey}`];
	return Array.from({ length: shards }, (_, shard) => `FEED#${feedKey}#${shard}`);
}

/** The key of a feed row. */
export function feedRowKey(feedKey: string, sortKey: string) {
	const shards = shardsOf(feedKey);
	const pk = shards === 1 ? `FEED#${feedKey}` : `FEED#${feedKey}#${shardOf(sortKey, shards)}`;
	return { pk, sk: sortKey };
}

const ORDINAL_DIGITS = 12;
const pad = (n: number) => String(n).padStart(ORDINAL_DIGITS, "0");

function archiveRowKey(feedKey: string, ordinal: number) {
	return { pk: `ARCHIVE#${feedKey}#${archivePageOf(ordinal)}`, sk: pad(ordinal) };
}

const metaPk = (feedKey: string) => `FEEDMETA#${feedKey}`;

// One stale mark per row (not per page): two changes in one transaction never write one item.
function staleRowKey(feedKey: string, ordinal: number) {
	return { pk: metaPk(feedKey), sk: `STALE#${pad(ordinal)}` };
}

const rowKeyString = (row: FeedPosition) => {
	const key = feedRowKey(row.feedKey, row.sortKey);
	return `${key.pk}\n${key.sk}`;
};

/**
 * The ordinals of those of `rows` that are stored, read 100 keys a request: what a change
 * to existing rows needs to find their archive pages. Read once for a whole batch of commits.
 */
export async function feedOrdinals(
	client: DynamoDBDocumentClient,
	tableName: string,
	rows: readonly FeedPosition[],
): Promise<Map<string, number>> {
	const keys = [...new Map(rows.map((row) => [rowKeyString(row), row])).values()].map((row) =>
		feedRowKey(row.feedKey, row.sortKey),
	);
	const known = new Map<string, number>();
	for (const item of await batchGetAll(client, tableName, keys, true)) {
		if (typeof item.ordinal === "number") known.set(`${item.pk}\n${item.sk}`, item.ordinal);
	}
	return known;
}

/** Reserves `n` ordinals of a feed's counter with one `ADD`, resolving with the first. */
export function feedOrdinalReserver(
	client: DynamoDBDocumentClient,
	tableName: string,
): (feedKey: string, n: number) => Promise<number> {
	return async (feedKey, n) => {
		const { Attributes } = await client.send(
			new UpdateCommand({
				TableName: tableName,
				Key: { pk: metaPk(feedKey), sk: "META" },
				UpdateExpression: "ADD #count :n",
				ExpressionAttributeNames: { "#count": "count" },
				ExpressionAttributeValues: { ":n": n },
				ReturnValues: "UPDATED_NEW",
			}),
		);
		return Number(Attributes?.count) - n + 1;
	};
}

/**
 * The transaction items that write a commit's feed rows, with what archives need: each new
 * row takes the feed's next ordinal (a counter incremented before the transaction, outside
 * it, where every commit to the feed would conflict; a commit that fails leaves a gap), and
 * a copy in its archive page; a changed or removed row marks its page stale.
 *
 * With `markInserts`, a new row marks its page stale too. A render between the reservation and
 * the commit counts the reserved ordinals and moves the feed's rendered pages on; when many
 * were reserved at once (an agreement's articles granted again), the commit can land in a page
 * the next render no longer looks at. Its mark makes that render look. A lone upload's rows
 * land in the newest page, which every render looks at: it goes unmarked.
 */
export async function feedTransactItems(
	client: DynamoDBDocumentClient,
	tableName: string,
	/** Reserves `n` ordinals of a feed, resolving with the first: {@link feedOrdinalReserver}. */
	reserve: (feedKey: string, n: number) => Promise<number>,
	change: {
		feedPuts: readonly FeedEntry[];
		feedDeletes: readonly FeedPosition[];
		/** `null` for a new article: its rows are all new, nothing to read. */
		expectedRevision: number | null;
		at: string;
		markInserts?: boolean;
	},
	/** {@link feedOrdinals} of the change's rows, when a batch read them already. */
	ordinals?: ReadonlyMap<string, number>,
): Promise<TransactItem[]> {
	const { feedPuts, feedDeletes } = change;
	if (feedPuts.length === 0 && feedDeletes.length === 0) return [];
	const known =
		ordinals ??
		(change.expectedRevision === null
			? new Map<string, number>()
			: await feedOrdinals(client, tableName, [...feedPuts, ...feedDeletes]));
	const ordinalOf = (row: FeedPosition) => known.get(rowKeyString(row));
	const inserts = feedPuts.filter((row) => ordinalOf(row) === undefined);
	const counts = new Map<string, number>();
	for (const row of inserts) counts.set(row.feedKey, (counts.get(row.feedKey) ?? 0) + 1);
	const next = new Map<string, number>();
	await Promise.all(
		[...counts].map(async ([feedKey, n]) => next.set(feedKey, await reserve(feedKey, n))),
	);

	const items: TransactItem[] = [];
	const mark = `${change.at}#${Math.random().toString(36).slice(2)}`;
	for (const row of feedPuts) {
		let ordinal = ordinalOf(row);
		const inserted = ordinal === undefined;
		if (ordinal === undefined) {
			ordinal = next.get(row.feedKey) ?? 1;
			next.set(row.feedKey, ordinal + 1);
		}
		if (!inserted || change.markInserts) {
			items.push({
				Put: {
					TableName: tableName,
					Item: { ...staleRowKey(row.feedKey, ordinal), page: archivePageOf(ordinal), mark },
				},
			});
		}
		items.push(
			{
				Put: {
					TableName: tableName,
					Item: { ...feedRowKey(row.feedKey, row.sortKey), item: row.item, ordinal },
				},
			},
			{
				Put: {
					TableName: tableName,
					Item: { ...archiveRowKey(row.feedKey, ordinal), item: row.item },
				},
			},
		);
	}
	for (const row of feedDeletes) {
		items.push({ Delete: { TableName: tableName, Key: feedRowKey(row.feedKey, row.sortKey) } });
		const ordinal = ordinalOf(row);
		if (ordinal === undefined) continue;
		items.push(
			{ Delete: { TableName: tableName, Key: archiveRowKey(row.feedKey, ordinal) } },
			{
				Put: {
					TableName: tableName,
					Item: {
						...staleRowKey(row.feedKey, ordinal),
						page: archivePageOf(ordinal),
						mark,
						removedAt: change.at,
					},
				},
			},
		);
	}
	return items;
}

/** Every page of a query, item by item. */
async function queryAll(
	client: DynamoDBDocumentClient,
	input: QueryCommandInput,
): Promise<Record<string, unknown>[]> {
	const items: Record<string, unknown>[] = [];
	let start: Record<string, unknown> | undefined;
	do {
		const page = await client.send(new QueryCommand({ ...input, ExclusiveStartKey: start }));
		items.push(...(page.Items ?? []));
		start = page.LastEvaluatedKey;
	} while (start);
	return items;
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
				.sort((a, b) => (String(a.sk) < String(b.sk) ? 1 : String(a.sk) > String(b.sk) ? -1 : 0))
				.slice(0, limit);
		const cut = newest().at(limit - 1);
		await Promise.all(
			shards.map(async (shard) => {
				const oldestRead = shard.rows.at(-1);
				if (!shard.next || !oldestRead || shard.rows.length >= limit) return;
				if (cut && String(oldestRead.sk) <= String(cut.sk)) return;
				const more = await this.newestRows(shard.pk, limit - shard.rows.length, shard.next);
				shard.rows.push(...more.rows);
			}),
		);
		return newest().map((row) => row.item as FeedItem);
	}

	async listLanguages(): Promise<string[]> {
		const item = await itemReadsOf(this.client, this.tableName).get(LANGUAGES_KEY);
		return [...((item?.languages as Set<string> | undefined) ?? [])].sort();
	}

	async getFeedState(feedKey: string): Promise<FeedState> {
		const rows = await queryAll(this.client, {
			TableName: this.tableName,
			KeyConditionExpression: "pk = :pk",
			ExpressionAttributeValues: { ":pk": metaPk(feedKey) },
			ConsistentRead: true,
		});
		const meta = rows.find((row) => row.sk === "META");
		const stale = rows.filter((row) => String(row.sk).startsWith("STALE#"));
		const removed = [meta?.lastRemovedAt, ...stale.map((row) => row.removedAt)]
			.filter((at): at is string => typeof at === "string")
			.sort();
		const pages = new Map<number, string[]>();
		for (const row of stale) {
			const page = Number(row.page);
			pages.set(page, [...(pages.get(page) ?? []), `${row.sk}\n${row.mark}`]);
		}
		const lastRemovedAt = removed.at(-1);
		return {
			count: Number(meta?.count ?? 0),
			stalePages: [...pages.entries()]
				.sort(([a], [b]) => a - b)
				.map(([page, marks]) => ({ page, mark: JSON.stringify(marks) })),
			renderedPages: Number(meta?.renderedPages ?? 0),
			listed: meta?.listed === true,
			...(lastRemovedAt ? { lastRemovedAt } : {}),
		};
	}

	async listArchivePage(feedKey: string, page: number): Promise<FeedItem[]> {
		const rows = await queryAll(this.client, {
			TableName: this.tableName,
			KeyConditionExpression: "pk = :pk",
			ExpressionAttributeValues: { ":pk": `ARCHIVE#${feedKey}#${page}` },
			ScanIndexForward: false,
			ConsistentRead: true,
		});
		return rows.map((row) => row.item as FeedItem);
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
				if ((error as { name?: string }).name !== "ConditionalCheckFailedException") throw error;
			});
		const marks = rendered.stalePages.flatMap(({ mark }) => JSON.parse(mark) as string[]);
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
			if ((error as { name?: string }).name !== "ConditionalCheckFailedException") throw error;
		});
	}

	async listFeedKey(feedKey: string): Promise<boolean> {
		// The list first: a crash between the two leaves the flag unset, and the next render lists it.
		await this.client.send(
			new PutCommand({ TableName: this.tableName, Item: { pk: FEED_LIST, sk: feedKey } }),
		);
		const { Attributes } = await this.client.send(
			new UpdateCommand({
				TableName: this.tableName,
				Key: { pk: metaPk(feedKey), sk: "META" },
				UpdateExpression: "SET listed = :true",
				ExpressionAttributeValues: { ":true": true },
				ReturnValues: "UPDATED_OLD",
			}),
		);
		return Attributes?.listed !== true;
	}

	async listFeedKeys(): Promise<string[]> {
		const rows = await queryAll(this.client, {
			TableName: this.tableName,
			KeyConditionExpression: "pk = :pk",
			ExpressionAttributeValues: { ":pk": FEED_LIST },
			ConsistentRead: true,
		});
		return rows.map((row) => String(row.sk));
	}
}
