import { randomUUID } from "node:crypto";
import {
	type DynamoDBDocumentClient,
	GetCommand,
	PutCommand,
	TransactWriteCommand,
} from "@aws-sdk/lib-dynamodb";
import type { Agreement, Partner } from "../../domain/agreement.ts";
import type { AgreementStore } from "../../ports.ts";

/** Partners and agreements, with the append-only audit history of every agreement change. */
export class DynamoDbAgreementStore implements AgreementStore {
	constructor(
		private readonly client: DynamoDBDocumentClient,
		private readonly tableName: string,
	) {}

	async getPartner(partnerId: string): Promise<Partner | undefined> {
		const { Item } = await this.client.send(
			new GetCommand({
				TableName: this.tableName,
				Key: { pk: `PARTNER#${partnerId}`, sk: "PARTNER" },
			}),
		);
		return Item ? { partnerId: Item.partnerId, name: Item.name } : undefined;
	}

	async putPartner(partner: Partner): Promise<void> {
		await this.client.send(
			new PutCommand({
				TableName: this.tableName,
				Item: { pk: `PARTNER#${partner.partnerId}`, sk: "PARTNER", ...partner },
			}),
		);
	}

	async getAgreement(agreementId: string): Promise<Agreement | undefined> {
		const { Item } = await this.client.send(
			new GetCommand({
				TableName: this.tableName,
				Key: { pk: `AGREEMENT#${agreementId}`, sk: "AGREEMENT" },
				ConsistentRead: true,
			}),
		);
		return Item?.agreement as Agreement | undefined;
	}

	async putAgreement(
		agreement: Agreement,
		change: { by: string; why: string; at: Date },
	): Promise<void> {
		const pk = `AGREEMENT#${agreement.agreementId}`;
		const at = change.at.toISOString();
		await this.client.send(
			new TransactWriteCommand({
				TransactItems: [
					{ Put: { TableName: this.tableName, Item: { pk, sk: "AGREEMENT", agreement } } },
					{
						Put: {
							TableName: this.tableName,
							// History is append-only: a new key per change, never overwritten.
							Item: {
								pk,
								sk: `HISTORY#${at}#${randomUUID()}`,
								agreement,
								by: change.by,
								why: change.why,
								at,
							},
							ConditionExpression: "attribute_not_exists(pk)",
						},
					},
				],
			}),
		);
	}
}
