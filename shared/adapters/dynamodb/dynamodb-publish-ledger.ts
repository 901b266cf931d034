import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import {
	BatchGetCommand,
	DeleteCommand,
	type DynamoDBDocumentClient,
	QueryCommand,
	UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import type { PendingChange, PublishLedger, ReleaseResult } from "../../ports.ts";
import { tableKeys } from "./table.ts";

const DIRTY = "DIRTY";
const PENDING = "PENDING";

function pendingKey(changeId: string) {
	return { pk: `PENDING#${changeId}`, sk: "PENDING" };
}

/**
 * The item a commit writes for its pending change, in the same transaction: GSI1 lists
 * it under `PENDING` until the publisher settles it.
 */
export function pendingItem(change: PendingChange) {
	return {
		...pendingKey(change.changeId),
		changeId: change.changeId,
		targets: change.targets,
		gsi1pk: PENDING,
		gsi1sk: change.changeId,
	};
}

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
					// A target claimed before any request starts at revision 0, which release matches.
					UpdateExpression:
						"SET leaseOwner = :owner, leaseUntil = :until, rev = if_not_exists(rev, :zero)",
					ConditionExpression: "attribute_not_exists(leaseOwner) OR leaseUntil < :now",
					ExpressionAttributeValues: {
						":owner": owner,
						":until": now.getTime() + leaseMs,
						":now": now.getTime(),
						":zero": 0,
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

	async renew(targetId: string, owner: string, now: Date, leaseMs: number): Promise<boolean> {
		try {
			await this.client.send(
				new UpdateCommand({
					TableName: this.tableName,
					Key: this.key(targetId),
					UpdateExpression: "SET leaseUntil = :until",
					ConditionExpression: "leaseOwner = :owner",
					ExpressionAttributeValues: { ":owner": owner, ":until": now.getTime() + leaseMs },
				}),
			);
			return true;
		} catch (error) {
			if (error instanceof ConditionalCheckFailedException) return false;
			throw error;
		}
	}

	async listPending(limit: number): Promise<PendingChange[]> {
		const { Items = [] } = await this.client.send(
			new QueryCommand({
				TableName: this.tableName,
				IndexName: tableKeys.gsi1.name,
				KeyConditionExpression: "gsi1pk = :pending",
				ExpressionAttributeValues: { ":pending": PENDING },
				Limit: Math.min(limit, 100),
			}),
		);
		if (Items.length === 0) return [];
		// The index holds keys only; the targets are read from the items themselves.
		const { Responses } = await this.client.send(
			new BatchGetCommand({
				RequestItems: {
					[this.tableName]: {
						Keys: Items.map((item) => ({ pk: item.pk, sk: item.sk })),
						ConsistentRead: true,
					},
				},
			}),
		);
		return (Responses?.[this.tableName] ?? []).map((item) => ({
			changeId: String(item.changeId),
			targets: (item.targets as string[] | undefined) ?? [],
		}));
	}

	async settle(changeId: string): Promise<void> {
		await this.client.send(
			new DeleteCommand({ TableName: this.tableName, Key: pendingKey(changeId) }),
		);
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
