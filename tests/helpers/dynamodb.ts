import { CreateTableCommand, waitUntilTableExists } from "@aws-sdk/client-dynamodb";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { tableDefinition } from "#shared/adapters/dynamodb/table.ts";
import { type DynamoDbLocal, startDynamoDbLocal } from "../../local/dynamodb-local.ts";
import { freePort } from "../../local/ports.ts";
import { localDynamoDbClient } from "../../local/stack.ts";

export interface TestTable {
	server: DynamoDbLocal;
	client: DynamoDBDocumentClient;
	/** A new, empty table: tests never share rows. */
	createTable(): Promise<string>;
	stop(): Promise<void>;
}

let counter = 0;

/** DynamoDB Local in memory on a free port, for adapter tests. */
export async function startTestDynamoDb(): Promise<TestTable> {
	const server = await startDynamoDbLocal({ port: await freePort() });
	const client = localDynamoDbClient(server.endpoint);
	return {
		server,
		client,
		async createTable() {
			const name = `test-${process.pid}-${++counter}`;
			await client.send(new CreateTableCommand(tableDefinition(name)));
			await waitUntilTableExists({ client, maxWaitTime: 30 }, { TableName: name });
			return name;
		},
		async stop() {
			client.destroy();
			await server.stop();
		},
	};
}
