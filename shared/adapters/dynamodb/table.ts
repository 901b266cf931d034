import type { CreateTableCommandInput } from "@aws-sdk/client-dynamodb";

/**
 * One table for everything (single-table design). Every feed is a partition of its own,
 * sorted by the feed's time, so each feed is one Query; GSI1 is overloaded for the few
 * lookups across partitions (dirty publish targets; articles by agreement).
 */
export const tableKeys = {
	partitionKey: "pk",
	sortKey: "sk",
	gsi1: { name: "gsi1", partitionKey: "gsi1pk", sortKey: "gsi1sk" },
} as const;

/** The table definition for DynamoDB Local; the CDK stack declares the same keys. */
export function tableDefinition(tableName: string): CreateTableCommandInput {
	return {
		TableName: tableName,
		BillingMode: "PAY_PER_REQUEST",
		AttributeDefinitions: [
			{ AttributeName: tableKeys.partitionKey, AttributeType: "S" },
			{ AttributeName: tableKeys.sortKey, AttributeType: "S" },
			{ AttributeName: tableKeys.gsi1.partitionKey, AttributeType: "S" },
			{ AttributeName: tableKeys.gsi1.sortKey, AttributeType: "S" },
		],
		KeySchema: [
			{ AttributeName: tableKeys.partitionKey, KeyType: "HASH" },
			{ AttributeName: tableKeys.sortKey, KeyType: "RANGE" },
		],
		GlobalSecondaryIndexes: [
			{
				IndexName: tableKeys.gsi1.name,
				KeySchema: [
					{ AttributeName: tableKeys.gsi1.partitionKey, KeyType: "HASH" },
					{ AttributeName: tableKeys.gsi1.sortKey, KeyType: "RANGE" },
				],
				Projection: { ProjectionType: "KEYS_ONLY" },
			},
		],
	};
}
