import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { MostViewedEntry, MostViewedReader } from "../../ports/views.ts";
import { type Item, type ShapeOf, shapedList } from "./item-fields.ts";
import { itemReadsOf } from "./item-reads.ts";

/** The item of a language's Most Viewed ranking (the view store writes it). */
export function rankingKey(language: string) {
	return { pk: `MOSTVIEWED#${language}`, sk: "MOSTVIEWED" };
}

const ENTRY: ShapeOf<MostViewedEntry> = {
	partnerId: "string",
	articleId: "string",
	language: "string",
	views: "number",
};

/** The entries of a stored ranking (an item of {@link rankingKey}); none when it is absent. */
export function rankingEntries(item: Item | undefined): MostViewedEntry[] {
	return item ? shapedList<MostViewedEntry>(item, "entries", ENTRY) : [];
}

/**
 * Most Viewed as the view aggregator last ranked it, read alone: what the publisher needs of
 * the view store, without the counting the ingest and publish functions never do.
 */
export class DynamoDbMostViewedReader implements MostViewedReader {
	constructor(
		private readonly client: DynamoDBDocumentClient,
		private readonly tableName: string,
	) {}

	async mostViewed(language: string, limit: number): Promise<MostViewedEntry[]> {
		// With the other single-item reads of the moment (a publish reads the languages, the
		// page's article and the ranking as its renders start): one request for them all.
		const Item = await itemReadsOf(this.client, this.tableName).get(rankingKey(language));
		return rankingEntries(Item).slice(0, limit);
	}
}
