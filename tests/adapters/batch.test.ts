import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { batchGetAll, batchWriteAll } from "#shared/adapters/dynamodb/batch.ts";
import { localDynamoDbClient } from "../../local/stack.ts";
import { startTestDynamoDb, type TestTable } from "../helpers/dynamodb.ts";

let db: TestTable;
beforeAll(async () => {
	db = await startTestDynamoDb();
});
afterAll(async () => {
	await db?.stop();
});

/**
 * A client whose batch requests process only their first entry while `throttled()` says so,
 * handing the rest (or, `all`, every entry) back unprocessed, as a throttled table does
 * (DynamoDB Local never does). The entries go back as they were sent, so the client reads
 * them as it reads the service's.
 */
function throttledClient(
	throttled: () => boolean,
	giveBack: "rest" | "all" = "rest",
): {
	client: DynamoDBDocumentClient;
	requests: () => number;
} {
	const client = localDynamoDbClient(db.server.endpoint);
	let requests = 0;
	client.middlewareStack.add(
		(next, context) => async (args) => {
			const batch = /^Batch(Get|Write)/.exec(context.commandName ?? "")?.[1];
			if (!batch) return next(args);
			requests++;
			if (!throttled()) return next(args);
			const input = args.input as { RequestItems: Record<string, unknown> };
			const [table = ""] = Object.keys(input.RequestItems);
			const request = input.RequestItems[table];
			const get = request as { Keys: unknown[] };
			const entries = batch === "Get" ? get.Keys : (request as unknown[]);
			const [first, ...others] = entries;
			input.RequestItems[table] = batch === "Get" ? { ...get, Keys: [first] } : [first];
			const result = await next(args);
			const output = result.output as Record<string, unknown>;
			const rest = giveBack === "all" ? entries : others;
			if (rest.length > 0) {
				if (batch === "Get") output.UnprocessedKeys = { [table]: { Keys: rest } };
				else output.UnprocessedItems = { [table]: rest };
			}
			return result;
		},
		{ step: "initialize", name: "testUnprocessed" },
	);
	return { client, requests: () => requests };
}

describe("batchWriteAll and batchGetAll", () => {
	it("send what comes back unprocessed again until every entry is done", async () => {
		const table = await db.createTable();
		let rounds = 0;
		const { client, requests } = throttledClient(() => ++rounds <= 3);
		const keys = ["a", "b", "c", "d", "e"].map((id) => ({ pk: id, sk: "X" }));
		await batchWriteAll(
			client,
			table,
			keys.map((key) => ({ PutRequest: { Item: { ...key, n: 1 } } })),
		);
		// Three requests of one item each while throttled, then one for the other two.
		expect(requests()).toBe(4);
		rounds = 0;
		const items = await batchGetAll(client, table, keys, true);
		expect(items.map((item) => item.pk).sort()).toEqual(["a", "b", "c", "d", "e"]);
		expect(requests()).toBe(8);
		client.destroy();
	});

	it("give up after eight requests when entries stay unprocessed", async () => {
		const table = await db.createTable();
		const { client, requests } = throttledClient(() => true, "all");
		const keys = [
			{ pk: "a", sk: "X" },
			{ pk: "b", sk: "X" },
		];
		await expect(batchGetAll(client, table, keys, true)).rejects.toThrow(
			"2 keys stayed unprocessed",
		);
		expect(requests()).toBe(8);
		client.destroy();
	});
});
