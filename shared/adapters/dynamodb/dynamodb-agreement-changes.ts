import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { DeleteCommand, type DynamoDBDocumentClient, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { AgreementAction, UnsettledAgreementChange } from "../../domain/agreement.ts";
import type { AgreementChangeStore } from "../../ports/agreements.ts";
import { type Item, num, oneOf, optStr, str } from "./item-fields.ts";
import { queryAll } from "./query.ts";

// One row per agreement in a partition of their own: the schedule reads them with one Query.
const UNSETTLED = "AGREEMENT_CHANGES";

/** The row `DynamoDbAgreementStore.putAgreement` writes for a change, in its transaction. */
export function unsettledChangeKey(agreementId: string) {
	return { pk: UNSETTLED, sk: agreementId };
}

/** Every action an agreement change may record. */
export const ACTIONS: readonly AgreementAction[] = ["grant", "amend", "revoke"];

/** An agreement item's revision (or its change row's); 0 for one stored before revisions. */
export function revisionOf(item: Item): number {
	return num(item, "revision", 0);
}

function toUnsettled(item: Item): UnsettledAgreementChange {
	const owner = optStr(item, "leaseOwner");
	const until = item.leaseUntil === undefined ? undefined : num(item, "leaseUntil");
	return {
		agreementId: str(item, "sk"),
		revision: revisionOf(item),
		at: str(item, "at"),
		action: oneOf(item, "action", ACTIONS),
		by: str(item, "by"),
		reason: str(item, "reason"),
		...(owner !== undefined && until !== undefined ? { lease: { owner, until } } : {}),
	};
}

/**
 * Unsettled agreement changes in DynamoDB, apart from the agreement store: only the commands
 * and the schedule drive them, so the functions that never do (ingest) do not carry this.
 */
export class DynamoDbAgreementChanges implements AgreementChangeStore {
	constructor(
		private readonly client: DynamoDBDocumentClient,
		private readonly tableName: string,
	) {}

	async listUnsettledChanges(limit: number): Promise<UnsettledAgreementChange[]> {
		const changes: UnsettledAgreementChange[] = [];
		if (limit < 1) return changes;
		for await (const item of queryAll(this.client, {
			TableName: this.tableName,
			KeyConditionExpression: "pk = :pk",
			ExpressionAttributeValues: { ":pk": UNSETTLED },
			ConsistentRead: true,
		})) {
			changes.push(toUnsettled(item));
			if (changes.length >= limit) break;
		}
		return changes;
	}

	async leaseUnsettledChange(
		agreementId: string,
		owner: string,
		now: Date,
		leaseMs: number,
	): Promise<UnsettledAgreementChange | undefined> {
		try {
			const { Attributes } = await this.client.send(
				new UpdateCommand({
					TableName: this.tableName,
					Key: unsettledChangeKey(agreementId),
					UpdateExpression: "SET leaseOwner = :owner, leaseUntil = :until",
					ConditionExpression:
						"attribute_exists(pk) AND (attribute_not_exists(leaseOwner) OR leaseOwner = :owner OR leaseUntil < :now)",
					ExpressionAttributeValues: {
						":owner": owner,
						":until": now.getTime() + leaseMs,
						":now": now.getTime(),
					},
					ReturnValues: "ALL_NEW",
				}),
			);
			return Attributes ? toUnsettled(Attributes) : undefined;
		} catch (error) {
			if (error instanceof ConditionalCheckFailedException) return undefined;
			throw error;
		}
	}

	async settleChange(agreementId: string, revision: number): Promise<boolean> {
		try {
			await this.client.send(
				new DeleteCommand({
					TableName: this.tableName,
					Key: unsettledChangeKey(agreementId),
					ConditionExpression: "#revision = :revision",
					ExpressionAttributeNames: { "#revision": "revision" },
					ExpressionAttributeValues: { ":revision": revision },
				}),
			);
			return true;
		} catch (error) {
			if (error instanceof ConditionalCheckFailedException) return false;
			throw error;
		}
	}
}
