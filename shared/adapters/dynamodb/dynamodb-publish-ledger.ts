import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { type DynamoDBDocumentClient, QueryCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { PublishLedger, ReleaseResult } from "../../ports.ts";
import { tableKeys } from "./table.ts";

const DIRTY = "DIRTY";

/** Publish-target revisions and leases, one item per target. */
export class DynamoDbPublishLedger implements PublishLedger {
	constructor(
		private readonly client: DynamoDBDocumentClient,
		private readonly tableName: string,
	) {}

	private key(targetId: string) {
		return { pk: `TARGET#${targetId}`, sk: "TARGET" };
	}

	async request(targetId: string): Promise<void> {
		await this.client.send(
			new UpdateCommand({
				TableName: this.tableName,
				Key: this.key(targetId),
				UpdateExpression: "ADD rev :one SET gsi1pk = :dirty, gsi1sk = :id",
				ExpressionAttributeValues: { ":one": 1, ":dirty": DIRTY, ":id": targetId },
			}),
		);
	}

	async claim(targetId: string, owner: string, now: Date, leaseMs: number): Promise<number | null> {
		try {
			const { Attributes } = await this.client.send(
				new UpdateCommand({
					TableName: this.tableName,
					Key: this.key(targetId),
					UpdateExpression: "SET leaseOwner = :owner, leaseUntil = :until",
					ConditionExpression: "attribute_not_exists(leaseOwner) OR leaseUntil < :now",
					ExpressionAttributeValues: {
						":owner": owner,
						":until": now.getTime() + leaseMs,
						":now": now.getTime(),
					},
					ReturnValues: "ALL_NEW",
				}),
			);
			return Number(Attributes?.rev ?? 0);
		} catch (error) {
			if (error instanceof ConditionalCheckFailedException) return null;
			throw error;
		}
	}

	async release(targetId: string, owner: string, rev: number): Promise<ReleaseResult> {
		try {
			await this.client.send(
				new UpdateCommand({
					TableName: this.tableName,
					Key: this.key(targetId),
					UpdateExpression: "SET publishedRev = :rev REMOVE leaseOwner, leaseUntil, gsi1pk, gsi1sk",
					ConditionExpression: "leaseOwner = :owner AND rev = :rev",
					ExpressionAttributeValues: { ":owner": owner, ":rev": rev },
					ReturnValuesOnConditionCheckFailure: "ALL_OLD",
				}),
			);
			return { state: "released" };
		} catch (error) {
			if (!(error instanceof ConditionalCheckFailedException)) throw error;
			const item = error.Item;
			if (item?.leaseOwner?.S !== owner) return { state: "lost" };
			return { state: "stale", rev: Number(item.rev?.N ?? 0) };
		}
	}

	async listDirty(limit: number): Promise<string[]> {
		const { Items = [] } = await this.client.send(
			new QueryCommand({
				TableName: this.tableName,
				IndexName: tableKeys.gsi1.name,
				KeyConditionExpression: "gsi1pk = :dirty",
				ExpressionAttributeValues: { ":dirty": DIRTY },
				Limit: limit,
			}),
		);
		return Items.map((item) => String(item.gsi1sk));
	}
}
