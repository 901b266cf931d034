import {
	type DynamoDBDocumentClient,
	QueryCommand,
	type QueryCommandInput,
} from "@aws-sdk/lib-dynamodb";
import type { Item } from "./item-fields.ts";

/** Every item a query finds, page after page; a reader that stops early reads no more pages. */
export async function* queryAll(
	client: DynamoDBDocumentClient,
	input: QueryCommandInput,
): AsyncIterable<Item> {
	let start: Item | undefined;
	do {
		const page = await client.send(new QueryCommand({ ...input, ExclusiveStartKey: start }));
		yield* page.Items ?? [];
		start = page.LastEvaluatedKey;
	} while (start);
}

/** {@link queryAll}, gathered. */
export async function queryItems(
	client: DynamoDBDocumentClient,
	input: QueryCommandInput,
): Promise<Item[]> {
	const items: Item[] = [];
	for await (const item of queryAll(client, input)) items.push(item);
	return items;
}
