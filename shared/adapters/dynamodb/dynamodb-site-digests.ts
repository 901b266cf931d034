import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { SiteDigestStore } from "../../ports/articles.ts";
import { type BatchWrite, batchGetAll, batchWriteAll } from "./batch.ts";
import { batchWhileBusy } from "./batch-while-busy.ts";
import { str } from "./item-fields.ts";
import { itemReadsOf } from "./item-reads.ts";

// Keys read with the other single-item reads of the moment (`ItemReads`), at most: a
// publish's first digests go in the request that reads its languages and article.
const FEW_KEYS = 100;

// One item per site key, apart from everything else in the table.
const keyOf = (key: string) => ({ pk: `SITEKEY#${key}`, sk: "DIGEST" });

/**
 * Site digests in DynamoDB: read 100 keys a request, written 25 a request. Writes made while
 * one is in flight go together when it ends ({@link batchWhileBusy}): the pages of a burst's
 * publishes, each written as its own render ends, share requests.
 */
export class DynamoDbSiteDigests implements SiteDigestStore {
	private readonly write: (entry: [string, string | null | undefined]) => Promise<true | undefined>;

	constructor(
		private readonly client: DynamoDBDocumentClient,
		private readonly tableName: string,
	) {
		this.write = batchWhileBusy(async (entries: [string, string | null | undefined][]) => {
			// In the order they were made: the newest digest of a key wins.
			await this.writeAll(new Map(entries));
			return new Map(entries.map((entry) => [entry, true] as const));
		});
	}

	async getDigests(keys: readonly string[]): Promise<Map<string, string | null>> {
		const unique = [...new Set(keys)];
		const items =
			unique.length <= FEW_KEYS
				? (
						await Promise.all(
							unique.map((key) => itemReadsOf(this.client, this.tableName).get(keyOf(key))),
						)
					).filter((item) => item !== undefined)
				: await batchGetAll(this.client, this.tableName, unique.map(keyOf), true);
		const found = new Map<string, string | null>();
		for (const item of items) {
			// `null`: the key is known absent (deleted).
			const digest = item.digest === null ? null : str(item, "digest");
			found.set(str(item, "pk").slice("SITEKEY#".length), digest);
		}
		return found;
	}

	async putDigests(digests: ReadonlyMap<string, string | null | undefined>): Promise<void> {
		await Promise.all([...digests].map((entry) => this.write(entry)));
	}

	private writeAll(digests: ReadonlyMap<string, string | null | undefined>): Promise<void> {
		const writes = [...digests].map(
			([key, digest]): BatchWrite =>
				digest === undefined
					? { DeleteRequest: { Key: keyOf(key) } }
					: { PutRequest: { Item: { ...keyOf(key), digest } } },
		);
		return batchWriteAll(this.client, this.tableName, writes);
	}
}
