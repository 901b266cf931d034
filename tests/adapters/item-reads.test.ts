import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ItemReads } from "#shared/adapters/dynamodb/item-reads.ts";
import { localDynamoDbClient } from "../../local/stack.ts";
import { startTestDynamoDb, type TestTable } from "../helpers/dynamodb.ts";

let db: TestTable;
beforeAll(async () => {
	db = await startTestDynamoDb();
});
afterAll(async () => {
	await db?.stop();
});

/** A client of its own whose requests are counted by command. */
function countedClient() {
	const client = localDynamoDbClient(db.server.endpoint);
	const calls: string[] = [];
	client.middlewareStack.add(
		(next, context) => async (args) => {
			calls.push(String(context.commandName));
			return next(args);
		},
		{ step: "initialize", name: "testCountCalls" },
	);
	return { client, calls };
}

const keyOf = (i: number) => ({ pk: `ITEM#${i}`, sk: "ITEM" });

describe("ItemReads", () => {
	it("reads items asked for at once in one request, missing ones as undefined", async () => {
		const table = await db.createTable();
		for (const i of [1, 2, 3]) {
			await db.client.send(new PutCommand({ TableName: table, Item: { ...keyOf(i), n: i } }));
		}
		const { client, calls } = countedClient();
		try {
			const reads = new ItemReads(client, table);
			const items = await Promise.all([1, 2, 3, 4, 2].map((i) => reads.get(keyOf(i))));
			expect(items.map((item) => item?.n)).toEqual([1, 2, 3, undefined, 2]);
			expect(calls).toEqual(["BatchGetItemCommand"]);
		} finally {
			client.destroy();
		}
	});

	it("reads more than a request holds, and sees a write that ended before the read was asked", async () => {
		const table = await db.createTable();
		const { client, calls } = countedClient();
		try {
			const reads = new ItemReads(client, table);
			const many = Array.from({ length: 150 }, (_, i) => reads.get(keyOf(100 + i)));
			// Written once the first requests are sent, read by the one asked after the write.
			await db.client.send(new PutCommand({ TableName: table, Item: { ...keyOf(7), n: 7 } }));
			const after = reads.get(keyOf(7));
			expect((await Promise.all(many)).filter(Boolean)).toHaveLength(0);
			expect((await after)?.n).toBe(7);
			// 150 keys in two requests of at most 100, then the one asked later.
			expect(calls).toEqual(["BatchGetItemCommand", "BatchGetItemCommand", "BatchGetItemCommand"]);
		} finally {
			client.destroy();
		}
	});
});
