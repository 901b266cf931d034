import type { DynamoDBDocumentClient, TransactWriteCommandInput } from "@aws-sdk/lib-dynamodb";
import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { KILL_NOTICE_MS } from "../../domain/feeds/kill-notices.ts";
import type { FeedPosition, FeedRemoval } from "../../domain/plan-article-change.ts";
import { archivePageOf, type FeedEntry } from "../../domain/targets.ts";
import { batchGetAll } from "./batch.ts";
import { archiveRowKey, feedRowKey, metaPk, staleRowKey, tombstoneKey } from "./feed-keys.ts";
import { num, str } from "./item-fields.ts";

type TransactItem = NonNullable<TransactWriteCommandInput["TransactItems"]>[number];

const keyString = (key: { pk: string; sk: string }) => `${key.pk}\n${key.sk}`;
/** How {@link feedOrdinals} keys a row's ordinal. */
export const feedRowKeyString = (row: FeedPosition) =>
	keyString(feedRowKey(row.feedKey, row.sortKey));
const tombstoneKeyString = (row: FeedEntry) => keyString(tombstoneKey(row.feedKey, row.item.id));

/**
 * The ordinals of those of `rows` that are stored, read 100 keys a request: what a change
 * to existing rows needs to find their archive pages; and, in the same requests, for each
 * row put, the ordinal the item had when it left the feed, if it left a kill notice there:
 * what a return needs to find the archive page whose notice it takes back. Read once for a
 * whole batch of commits.
 */
export async function feedOrdinals(
	client: DynamoDBDocumentClient,
	tableName: string,
	rows: readonly (FeedPosition | FeedEntry)[],
): Promise<Map<string, number>> {
	const keys = new Map<string, { pk: string; sk: string }>();
	for (const row of rows) {
		const rowKey = feedRowKey(row.feedKey, row.sortKey);
		keys.set(keyString(rowKey), rowKey);
		if ("item" in row) {
			const notice = tombstoneKey(row.feedKey, row.item.id);
			keys.set(keyString(notice), notice);
		}
	}
	const known = new Map<string, number>();
	for (const item of await batchGetAll(client, tableName, [...keys.values()], true)) {
		// A row stored before rows had ordinals has none: it is new to the archive.
		if (item.ordinal === undefined) continue;
		known.set(keyString({ pk: str(item, "pk"), sk: str(item, "sk") }), num(item, "ordinal"));
	}
	return known;
}

/** Reserves `n` ordinals of a feed's counter with one `ADD`, resolving with the first. */
export function feedOrdinalReserver(
	client: DynamoDBDocumentClient,
	tableName: string,
): (feedKey: string, n: number) => Promise<number> {
	return async (feedKey, n) => {
		const Key = { pk: metaPk(feedKey), sk: "META" };
		const { Attributes } = await client.send(
			new UpdateCommand({
				TableName: tableName,
				Key,
				UpdateExpression: "ADD #count :n",
				ExpressionAttributeNames: { "#count": "count" },
				ExpressionAttributeValues: { ":n": n },
				ReturnValues: "UPDATED_NEW",
			}),
		);
		// Only the counter comes back: the key names the item in an error.
		return num({ ...Key, ...Attributes }, "count") - n + 1;
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
		feedDeletes: readonly FeedRemoval[];
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
	const ordinalOf = (row: FeedPosition) => known.get(feedRowKeyString(row));
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
		// New to the feed: an item that comes back takes back its kill notice (a new article
		// has none to take back), and the archive page the notice was on is written again.
		if (inserted && change.expectedRevision !== null) {
			items.push({
				Delete: { TableName: tableName, Key: tombstoneKey(row.feedKey, row.item.id) },
			});
			const left = known.get(tombstoneKeyString(row));
			if (left !== undefined) {
				items.push({
					Put: {
						TableName: tableName,
						Item: { ...staleRowKey(row.feedKey, left), page: archivePageOf(left), mark },
					},
				});
			}
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
		if (row.kill) {
			const { id, when, reason } = row.kill;
			items.push({
				Put: {
					TableName: tableName,
					Item: {
						...tombstoneKey(row.feedKey, id),
						id,
						when,
						reason,
						sortKey: row.sortKey,
						...(ordinal === undefined ? {} : { page: archivePageOf(ordinal), ordinal }),
						// The table's TTL prunes it some time after its 30 days; readers filter by `when`.
						expiresAt: Math.ceil((Date.parse(when) + KILL_NOTICE_MS) / 1000),
					},
				},
			});
		}
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
