import {
	BatchGetCommand,
	BatchWriteCommand,
	type BatchWriteCommandInput,
	type DynamoDBDocumentClient,
} from "@aws-sdk/lib-dynamodb";
import { chunksOf } from "../../lib/chunks.ts";

type Key = Record<string, unknown>;
type WriteRequest = NonNullable<BatchWriteCommandInput["RequestItems"]>[string][number];

// Unprocessed keys come back when the table throttles: retried after a pause that doubles each
// round, up to MAX_ROUNDS requests in all. Jittered (half to all of it), so the chunks sent in
// parallel, throttled together, do not all come back at the same instant.
const pause = (round: number) =>
	new Promise((resolve) => setTimeout(resolve, 10 * 2 ** round * (0.5 + Math.random() / 2)));
const MAX_ROUNDS = 8;

/**
 * Every item of `keys` that exists, read 100 at a time (BatchGetItem's limit), in parallel;
 * with `projection`, only those attributes.
 */
export async function batchGetAll(
	client: DynamoDBDocumentClient,
	tableName: string,
	keys: readonly Key[],
	consistent: boolean,
	projection?: string,
): Promise<Record<string, unknown>[]> {
	const found = await Promise.all(
		chunksOf(keys, 100).map(async (chunk) => {
			const items: Record<string, unknown>[] = [];
			let todo: Key[] = chunk;
			for (let round = 0; todo.length > 0; round++) {
				if (round === MAX_ROUNDS) throw new Error(`${todo.length} keys stayed unprocessed`);
				if (round > 0) await pause(round);
				const { Responses, UnprocessedKeys } = await client.send(
					new BatchGetCommand({
						RequestItems: {
							[tableName]: {
								Keys: todo,
								ConsistentRead: consistent,
								...(projection ? { ProjectionExpression: projection } : {}),
							},
						},
					}),
				);
				items.push(...(Responses?.[tableName] ?? []));
				todo = UnprocessedKeys?.[tableName]?.Keys ?? [];
			}
			return items;
		}),
	);
	return found.flat();
}

/** A write of BatchWriteItem: an item put, or a key deleted. */
export type BatchWrite = { PutRequest: { Item: Key } } | { DeleteRequest: { Key: Key } };

/** Every write, 25 at a time (BatchWriteItem's limit), in parallel. */
export async function batchWriteAll(
	client: DynamoDBDocumentClient,
	tableName: string,
	writes: readonly BatchWrite[],
): Promise<void> {
	await Promise.all(
		chunksOf(writes, 25).map(async (chunk) => {
			let todo: WriteRequest[] = chunk;
			for (let round = 0; todo.length > 0; round++) {
				if (round === MAX_ROUNDS) throw new Error(`${todo.length} writes stayed unprocessed`);
				if (round > 0) await pause(round);
				const { UnprocessedItems } = await client.send(
					new BatchWriteCommand({ RequestItems: { [tableName]: todo } }),
				);
				todo = UnprocessedItems?.[tableName] ?? [];
			}
		}),
	);
}

/** Deletes every key, 25 at a time, in parallel. */
export function batchDeleteAll(
	client: DynamoDBDocumentClient,
	tableName: string,
	keys: readonly Key[],
): Promise<void> {
	return batchWriteAll(
		client,
		tableName,
		keys.map((Key) => ({ DeleteRequest: { Key } })),
	);
}
