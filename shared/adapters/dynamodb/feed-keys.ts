import { FEED_KINDS } from "../../domain/feeds/kinds.ts";
import { archivePageOf, feedOfKey } from "../../domain/targets.ts";

/**
 * Write sharding: a language-wide kind with rows (Latest News, Recent Updates) takes every
 * upload of the language, so its rows are spread over this many partitions (by article) and
 * read back with one Query per partition, merged. Any other feed (a partner's, a subject's)
 * is one partition.
 */
export const LANGUAGE_FEED_SHARDS = 4;
const SHARDED_KINDS = new Set<string>(
	FEED_KINDS.flatMap((row) => ("parameter" in row || row.rows === "views" ? [] : [row.kind])),
);
// Key shapes stay in the adapters: the domain names a feed by its key, a row by its sort key.
function shardsOf(feedKey: string): number {
	return SHARDED_KINDS.has(feedOfKey(feedKey).feed) ? LANGUAGE_FEED_SHARDS : 1;
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

/** Every partition of a feed's rows. */
export function feedPartitions(feedKey: string): string[] {
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

export function archiveRowKey(feedKey: string, ordinal: number) {
	return { pk: `ARCHIVE#${feedKey}#${archivePageOf(ordinal)}`, sk: pad(ordinal) };
}

/** The partition of a feed's counter, stale marks and listing flag. */
export const metaPk = (feedKey: string) => `FEEDMETA#${feedKey}`;

// One stale mark per row (not per page): two changes in one transaction never write one item.
export function staleRowKey(feedKey: string, ordinal: number) {
	return { pk: metaPk(feedKey), sk: `STALE#${pad(ordinal)}` };
}

/** A feed's kill notice of one item: beside the feed's counter, read with it. */
export function tombstoneKey(feedKey: string, id: string) {
	return { pk: metaPk(feedKey), sk: `${TOMBSTONE_PREFIX}${id}` };
}

export const TOMBSTONE_PREFIX = "TOMB#";
