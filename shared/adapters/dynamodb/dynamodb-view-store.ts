import {
	ConditionalCheckFailedException,
	TransactionCanceledException,
} from "@aws-sdk/client-dynamodb";
import {
	type DynamoDBDocumentClient,
	GetCommand,
	PutCommand,
	type QueryCommandInput,
	TransactWriteCommand,
	UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import type { DailyViews } from "../../domain/access-log.ts";
import { chunksOf } from "../../lib/chunks.ts";
import type { PendingChange } from "../../ports/articles.ts";
import type { MostViewedEntry, StoredRanking, ViewStore } from "../../ports/views.ts";
import { batchGetAll } from "./batch.ts";
import { DynamoDbMostViewedReader, rankingEntries, rankingKey } from "./dynamodb-most-viewed.ts";
import { pendingItem } from "./dynamodb-publish-ledger.ts";
import { type Item, num, optStr, str } from "./item-fields.ts";
import { queryAll } from "./query.ts";
import { tableKeys } from "./table.ts";

type TransactItem = NonNullable<
	ConstructorParameters<typeof TransactWriteCommand>[0]["TransactItems"]
>[number];

const VIEW_LANGUAGES = "VIEWLANGS";
// TransactWriteItems takes 100 items; one of them is the log object's claim.
const COUNTS_PER_TRANSACTION = 99;
const CONFLICT_ROUNDS = 10;
// Daily counts are read for the ranking's 7 days only; a day later they may go (TTL).
const DAILY_KEEP_DAYS = 8;
// Conditional puts of reader-hour claims in flight at once, per log object.
const CLAIMS_AT_ONCE = 25;

const keys = {
	claim: (logKey: string) => ({ pk: `VIEWLOG#${logKey}`, sk: "VIEWLOG" }),
	daily: (views: Pick<DailyViews, "language" | "day" | "partnerId" | "articleId">) => ({
		pk: `VIEWS#${views.language}#${views.day}`,
		sk: `ARTICLE#${views.partnerId}#${views.articleId}`,
	}),
	language: (language: string) => ({ pk: `VIEWLANG#${language}`, sk: "VIEWLANG" }),
	readerHour: (readerHour: string) => ({ pk: `VIEWREADER#${readerHour}`, sk: "VIEWREADER" }),
	ranking: rankingKey,
	watermark: (distributionId: string) => ({ pk: `VIEWCURSOR#${distributionId}`, sk: "VIEWCURSOR" }),
};

function epochSeconds(instant: Date): number {
	return Math.floor(instant.getTime() / 1000);
}

function toDailyViews(item: Item): DailyViews {
	return {
		partnerId: str(item, "partnerId"),
		articleId: str(item, "articleId"),
		language: str(item, "language"),
		day: str(item, "day"),
		views: num(item, "views", 0),
	};
}

const pause = (round: number) =>
	new Promise((resolve) => setTimeout(resolve, 5 * 2 ** Math.min(round, 6) * (1 + Math.random())));

/** Why a transaction was cancelled: the reason of the item at `index`, or of any item. */
function cancelReason(error: TransactionCanceledException, index: number): string | undefined {
	const reasons = error.CancellationReasons ?? [];
	if (reasons.some((reason) => reason.Code === "TransactionConflict")) return "TransactionConflict";
	return reasons[index]?.Code ?? undefined;
}

/**
 * Views in the one table: a claim item per counted log object, daily counts per language and
 * day (one partition each, one item per article), a registry of the languages with views on
 * GSI1, a ranking item per language, and a listing watermark per distribution.
 *
 * A log object's counts are added in transactions of at most 99 counters, each with the
 * object's claim item, whose `applied` counter must still be that chunk's number: so every
 * chunk is added exactly once, whichever run (concurrent, retried, or resuming one that
 * died between chunks) gets there first.
 */
export class DynamoDbViewStore implements ViewStore {
	constructor(
		private readonly client: DynamoDBDocumentClient,
		private readonly tableName: string,
	) {}

	private query(input: Omit<QueryCommandInput, "TableName">): AsyncIterable<Item> {
		return queryAll(this.client, { ...input, TableName: this.tableName });
	}

	async countedLogs(logKeys: readonly string[]): Promise<Set<string>> {
		const items = await batchGetAll(
			this.client,
			this.tableName,
			[...new Set(logKeys)].map(keys.claim),
			false,
			// The key too, for naming a malformed item.
			"pk, sk, logKey, applied, chunks",
		);
		return new Set(
			items
				.filter((item) => num(item, "applied") >= num(item, "chunks"))
				.map((item) => str(item, "logKey")),
		);
	}

	/**
	 * One item per reader-hour, naming the log object that counts it: a conditional put
	 * succeeds for the first object and for that object again, and fails for any other.
	 * A write per reader, article and hour (not per request); TTL removes it after `keepUntil`.
	 */
	async claimReaderHours(
		logKey: string,
		readerHours: readonly string[],
		keepUntil: Date,
	): Promise<Set<string>> {
		const ours = new Set<string>();
		const unique = [...new Set(readerHours)];
		const claim = async (readerHour: string) => {
			try {
				await this.client.send(
					new PutCommand({
						TableName: this.tableName,
						Item: { ...keys.readerHour(readerHour), logKey, expiresAt: epochSeconds(keepUntil) },
						ConditionExpression: "attribute_not_exists(pk) OR logKey = :logKey",
						ExpressionAttributeValues: { ":logKey": logKey },
					}),
				);
				ours.add(readerHour);
			} catch (error) {
				if (!(error instanceof ConditionalCheckFailedException)) throw error;
			}
		};
		for (const chunk of chunksOf(unique, CLAIMS_AT_ONCE)) await Promise.all(chunk.map(claim));
		return ours;
	}

	/** The counter updates of one log object, in a stable order: the same chunks every run. */
	private countUpdates(views: readonly DailyViews[]): TransactItem[] {
		const merged = new Map<string, DailyViews>();
		for (const entry of views) {
			if (entry.views <= 0) continue;
			const id = JSON.stringify(keys.daily(entry));
			const seen = merged.get(id);
			if (seen) seen.views += entry.views;
			else merged.set(id, { ...entry });
		}
		return [...merged.values()].map(
			(entry): TransactItem => ({
				Update: {
					TableName: this.tableName,
					Key: keys.daily(entry),
					UpdateExpression:
						"ADD #views :views SET partnerId = :p, articleId = :a, #language = :l, #day = :d, expiresAt = :expires",
					ExpressionAttributeNames: { "#views": "views", "#language": "language", "#day": "day" },
					ExpressionAttributeValues: {
						":views": entry.views,
						":p": entry.partnerId,
						":a": entry.articleId,
						":l": entry.language,
						":d": entry.day,
						":expires": epochSeconds(new Date(`${entry.day}T00:00:00Z`)) + DAILY_KEEP_DAYS * 86_400,
					},
				},
			}),
		);
	}

	/**
	 * Registers the languages before their counts: outside the transactions, where every run
	 * would conflict on it. A run that dies in between leaves a language with nothing to rank.
	 */
	private async registerLanguages(views: readonly DailyViews[]): Promise<void> {
		const languages = new Set(views.filter((v) => v.views > 0).map((v) => v.language));
		await Promise.all(
			[...languages].map((language) =>
				this.client.send(
					new UpdateCommand({
						TableName: this.tableName,
						Key: keys.language(language),
						UpdateExpression: "SET gsi1pk = :registry, gsi1sk = :language",
						ExpressionAttributeValues: { ":registry": VIEW_LANGUAGES, ":language": language },
					}),
				),
			),
		);
	}

	private async readApplied(logKey: string): Promise<{ applied: number; chunks: number }> {
		const { Item } = await this.client.send(
			new GetCommand({ TableName: this.tableName, Key: keys.claim(logKey), ConsistentRead: true }),
		);
		if (!Item) return { applied: 0, chunks: 0 };
		return { applied: num(Item, "applied"), chunks: num(Item, "chunks") };
	}

	async recordLogViews(
		logKey: string,
		views: readonly DailyViews[],
		keepUntil: Date,
	): Promise<"counted" | "already-counted"> {
		await this.registerLanguages(views);
		const updates = this.countUpdates(views);
		const chunks = chunksOf(updates, COUNTS_PER_TRANSACTION);
		// A log without page views is still claimed, so it is never read again.
		if (chunks.length === 0) chunks.push([]);
		let counted = false;
		let chunk = 0;
		let round = 0;
		while (chunk < chunks.length) {
			const claim: TransactItem =
				chunk === 0
					? {
							Put: {
								TableName: this.tableName,
								Item: {
									...keys.claim(logKey),
									logKey,
									applied: 1,
									chunks: chunks.length,
									expiresAt: epochSeconds(keepUntil),
								},
								ConditionExpression: "attribute_not_exists(pk)",
							},
						}
					: {
							Update: {
								TableName: this.tableName,
								Key: keys.claim(logKey),
								UpdateExpression: "SET applied = :next",
								ConditionExpression: "applied = :chunk",
								ExpressionAttributeValues: { ":chunk": chunk, ":next": chunk + 1 },
							},
						};
			try {
				await this.client.send(
					new TransactWriteCommand({ TransactItems: [claim, ...(chunks[chunk] ?? [])] }),
				);
				counted = true;
				chunk += 1;
				round = 0;
			} catch (error) {
				if (!(error instanceof TransactionCanceledException)) throw error;
				const reason = cancelReason(error, 0);
				if (reason === "ConditionalCheckFailed") {
					// Another run added this chunk: go on from wherever it got to.
					chunk = Math.max(chunk + 1, (await this.readApplied(logKey)).applied);
					continue;
				}
				// Concurrent runs touch the same counters: wait a little and try the chunk again.
				if (reason !== "TransactionConflict" || ++round >= CONFLICT_ROUNDS) throw error;
				await pause(round);
			}
		}
		return counted ? "counted" : "already-counted";
	}

	async listViewLanguages(): Promise<string[]> {
		const languages: string[] = [];
		for await (const item of this.query({
			IndexName: tableKeys.gsi1.name,
			KeyConditionExpression: "gsi1pk = :registry",
			ExpressionAttributeValues: { ":registry": VIEW_LANGUAGES },
		})) {
			languages.push(str(item, "gsi1sk"));
		}
		return languages.sort();
	}

	async listDailyViews(language: string, days: readonly string[]): Promise<DailyViews[]> {
		const perDay = await Promise.all(
			days.map(async (day) => {
				const found: DailyViews[] = [];
				for await (const item of this.query({
					KeyConditionExpression: "pk = :pk",
					ExpressionAttributeValues: {
						":pk": keys.daily({ language, day, partnerId: "", articleId: "" }).pk,
					},
				})) {
					found.push(toDailyViews(item));
				}
				return found;
			}),
		);
		return perDay.flat();
	}

	async getRanking(language: string): Promise<StoredRanking> {
		const { Item } = await this.client.send(
			new GetCommand({
				TableName: this.tableName,
				Key: keys.ranking(language),
				ConsistentRead: true,
			}),
		);
		return { entries: rankingEntries(Item), rev: Item ? num(Item, "rev") : 0 };
	}

	async saveRanking(
		language: string,
		entries: readonly MostViewedEntry[],
		expectedRev: number,
		pending?: PendingChange,
	): Promise<boolean> {
		const put = {
			TableName: this.tableName,
			Item: {
				...keys.ranking(language),
				language,
				rev: expectedRev + 1,
				entries: entries.map((entry) => ({
					partnerId: entry.partnerId,
					articleId: entry.articleId,
					language: entry.language,
					views: entry.views,
				})),
			},
			...(expectedRev === 0
				? { ConditionExpression: "attribute_not_exists(pk)" }
				: {
						ConditionExpression: "rev = :expected",
						ExpressionAttributeValues: { ":expected": expectedRev },
					}),
		};
		for (let round = 0; ; round++) {
			try {
				if (pending) {
					await this.client.send(
						new TransactWriteCommand({
							TransactItems: [
								{ Put: put },
								{ Put: { TableName: this.tableName, Item: pendingItem(pending) } },
							],
						}),
					);
				} else {
					await this.client.send(new PutCommand(put));
				}
				return true;
			} catch (error) {
				if (error instanceof ConditionalCheckFailedException) return false;
				if (!(error instanceof TransactionCanceledException)) throw error;
				const reason = cancelReason(error, 0);
				if (reason === "ConditionalCheckFailed") return false;
				if (reason !== "TransactionConflict" || round + 1 >= CONFLICT_ROUNDS) throw error;
				await pause(round + 1);
			}
		}
	}

	mostViewed(language: string, limit: number): Promise<MostViewedEntry[]> {
		return new DynamoDbMostViewedReader(this.client, this.tableName).mostViewed(language, limit);
	}

	async getLogWatermark(distributionId: string): Promise<string | undefined> {
		const { Item } = await this.client.send(
			new GetCommand({
				TableName: this.tableName,
				Key: keys.watermark(distributionId),
				ConsistentRead: true,
			}),
		);
		return Item && optStr(Item, "hour");
	}

	async advanceLogWatermark(distributionId: string, hour: string): Promise<void> {
		try {
			await this.client.send(
				new UpdateCommand({
					TableName: this.tableName,
					Key: keys.watermark(distributionId),
					UpdateExpression: "SET #hour = :hour",
					ConditionExpression: "attribute_not_exists(#hour) OR #hour < :hour",
					ExpressionAttributeNames: { "#hour": "hour" },
					ExpressionAttributeValues: { ":hour": hour },
				}),
			);
		} catch (error) {
			// Already at or past `hour`: a concurrent run moved it.
			if (!(error instanceof ConditionalCheckFailedException)) throw error;
		}
	}
}
