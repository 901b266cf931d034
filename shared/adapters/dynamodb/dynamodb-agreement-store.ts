import { TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import { type DynamoDBDocumentClient, TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import {
	type Agreement,
	type AgreementAction,
	type AgreementChange,
	agreementTerms,
	type Partner,
	type StoredAgreement,
} from "../../domain/agreement.ts";
import { untilWon } from "../../lib/retry-races.ts";
import type { AgreementStore } from "../../ports/agreements.ts";
import { ACTIONS, revisionOf, unsettledChangeKey } from "./dynamodb-agreement-changes.ts";
import { type Item, oneOf, optStr, type ShapeOf, shaped, str, valuesOf } from "./item-fields.ts";
import { itemReadsOf } from "./item-reads.ts";
import { queryAll } from "./query.ts";

// Each list is a partition of its own, one row per id, written in the same transaction as
// the record: listing is one paginated Query, never a Scan of the whole table.
const PARTNERS = "PARTNERS";
const AGREEMENTS = "AGREEMENTS";
const HISTORY = "HISTORY#";

const keys = {
	partner: (partnerId: string) => ({ pk: `PARTNER#${partnerId}`, sk: "PARTNER" }),
	partnerRow: (partnerId: string) => ({ pk: PARTNERS, sk: partnerId }),
	agreement: (agreementId: string) => ({ pk: `AGREEMENT#${agreementId}`, sk: "AGREEMENT" }),
	agreementRow: (agreementId: string) => ({ pk: AGREEMENTS, sk: agreementId }),
	unsettled: unsettledChangeKey,
	/** By the agreement's revision, not by time: clocks of two writers may disagree. */
	change: (agreementId: string, revision: number) => ({
		pk: `AGREEMENT#${agreementId}`,
		sk: `${HISTORY}${String(revision).padStart(10, "0")}`,
	}),
};

/**
 * The check a commit decided under the agreement at `revision` makes in its transaction:
 * the agreement is still at that revision (`null`: still absent; 0: stored before revisions).
 */
export function agreementUnchanged(
	tableName: string,
	agreementId: string,
	revision: number | null,
) {
	const names = { "#revision": "revision" };
	return {
		TableName: tableName,
		Key: keys.agreement(agreementId),
		...(revision === null
			? { ConditionExpression: "attribute_not_exists(pk)" }
			: revision === 0
				? {
						ConditionExpression: "attribute_exists(pk) AND attribute_not_exists(#revision)",
						ExpressionAttributeNames: names,
					}
				: {
						ConditionExpression: "#revision = :revision",
						ExpressionAttributeNames: names,
						ExpressionAttributeValues: { ":revision": revision },
					}),
	};
}

/** Attempts at writing an agreement that other writers keep changing under us. */
const MAX_ATTEMPTS = 8;

// The agreement is stored whole, as one map: every attribute of it is checked, each decision
// reads them all.
const AGREEMENT: ShapeOf<Agreement> = {
	agreementId: "string",
	partnerId: "string",
	holder: "string",
	translator: "string",
	languages: "string list",
	scope: "string list",
	validFrom: "string",
	validUntil: "string or null",
	notice: "string",
	// Notices by language: read only as text the pages print, never decided on.
	notices: "map?",
	status: valuesOf<Agreement["status"]>({ active: true, revoked: true }),
	fullTextInFeeds: "boolean?",
};

function toPartner(item: Item): Partner {
	return { partnerId: str(item, "partnerId"), name: str(item, "name") };
}

function toAgreement(item: Item): Agreement {
	return agreementTerms(shaped<Agreement>(item, "agreement", AGREEMENT));
}

function toStoredAgreement(item: Item): StoredAgreement {
	return { ...toAgreement(item), revision: revisionOf(item) };
}

function toChange(item: Item): AgreementChange {
	const agreement = toAgreement(item);
	return {
		at: str(item, "at"),
		// Entries written before actions were recorded (the demo seed) say `why`, no action.
		action:
			item.action === undefined
				? agreement.status === "revoked"
					? "revoke"
					: "grant"
				: oneOf(item, "action", ACTIONS),
		by: str(item, "by"),
		reason: optStr(item, "reason") ?? optStr(item, "why") ?? "",
		agreement,
	};
}

/** Another writer changed the agreement first, or was writing it at the same moment. */
function isConflict(error: unknown): boolean {
	return (
		error instanceof TransactionCanceledException &&
		(error.CancellationReasons ?? []).some(
			(r) => r.Code === "ConditionalCheckFailed" || r.Code === "TransactionConflict",
		)
	);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Partners and agreements, with the append-only audit history of every agreement change. */
export class DynamoDbAgreementStore implements AgreementStore {
	constructor(
		private readonly client: DynamoDBDocumentClient,
		private readonly tableName: string,
	) {}

	async getPartner(partnerId: string): Promise<Partner | undefined> {
		const item = await itemReadsOf(this.client, this.tableName).get(keys.partner(partnerId));
		return item ? toPartner(item) : undefined;
	}

	async putPartner(partner: Partner): Promise<void> {
		const attributes = { partnerId: partner.partnerId, name: partner.name };
		await this.client.send(
			new TransactWriteCommand({
				TransactItems: [
					{
						Put: {
							TableName: this.tableName,
							Item: { ...keys.partner(partner.partnerId), ...attributes },
						},
					},
					{
						Put: {
							TableName: this.tableName,
							Item: { ...keys.partnerRow(partner.partnerId), ...attributes },
						},
					},
				],
			}),
		);
	}

	async listPartners(): Promise<Partner[]> {
		const partners: Partner[] = [];
		for await (const item of this.query(PARTNERS)) partners.push(toPartner(item));
		return partners;
	}

	async getAgreement(agreementId: string): Promise<StoredAgreement | undefined> {
		const item = await this.getAgreementItem(agreementId);
		return item ? toStoredAgreement(item) : undefined;
	}

	async listAgreements(): Promise<StoredAgreement[]> {
		const agreements: StoredAgreement[] = [];
		for await (const item of this.query(AGREEMENTS)) agreements.push(toStoredAgreement(item));
		return agreements;
	}

	/**
	 * The record carries a revision, bumped on every write under a condition on the one read:
	 * a concurrent writer makes the transaction fail and this one tries again on top of it.
	 */
	async putAgreement(
		stated: Agreement,
		change: { at: Date; action: AgreementAction; by: string; reason: string },
		lease?: { owner: string; until: number },
	): Promise<number> {
		const agreement = agreementTerms(stated);
		const { agreementId } = agreement;
		const at = change.at.toISOString();
		let lastConflict: unknown;
		return untilWon<number>(
			MAX_ATTEMPTS,
			async () => {
				const current = revisionOf((await this.getAgreementItem(agreementId)) ?? {});
				// Revision 0 is none: a new agreement, or one stored before revisions (the demo seed).
				const unchanged =
					current === 0
						? { ConditionExpression: "attribute_not_exists(#revision)" }
						: {
								ConditionExpression: "#revision = :current",
								ExpressionAttributeValues: { ":current": current },
							};
				try {
					await this.client.send(
						new TransactWriteCommand({
							TransactItems: [
								{
									Put: {
										TableName: this.tableName,
										Item: { ...keys.agreement(agreementId), agreement, revision: current + 1 },
										ExpressionAttributeNames: { "#revision": "revision" },
										...unchanged,
									},
								},
								{
									Put: {
										TableName: this.tableName,
										Item: { ...keys.agreementRow(agreementId), agreement, revision: current + 1 },
									},
								},
								{
									Put: {
										TableName: this.tableName,
										// Append-only: a new key per change, never overwritten.
										Item: {
											...keys.change(agreementId, current + 1),
											revision: current + 1,
											at,
											action: change.action,
											by: change.by,
											reason: change.reason,
											agreement,
										},
										ConditionExpression: "attribute_not_exists(pk)",
									},
								},
								{
									Put: {
										TableName: this.tableName,
										// Replaces an older unsettled change: deciding again reads the newest.
										Item: {
											...keys.unsettled(agreementId),
											revision: current + 1,
											at,
											action: change.action,
											by: change.by,
											reason: change.reason,
											...(lease ? { leaseOwner: lease.owner, leaseUntil: lease.until } : {}),
										},
									},
								},
							],
						}),
					);
					return { won: true, value: current + 1 };
				} catch (error) {
					if (!isConflict(error)) throw error;
					lastConflict = error;
					return { won: false };
				}
			},
			() =>
				lastConflict instanceof Error ? lastConflict : new Error(`${agreementId} kept conflicting`),
			// Jittered, so writers that collided do not collide again.
			(lost) => sleep(Math.random() * 20 * lost),
		);
	}

	async listAgreementHistory(agreementId: string): Promise<AgreementChange[]> {
		const items: Record<string, unknown>[] = [];
		for await (const item of this.query(keys.agreement(agreementId).pk, HISTORY)) items.push(item);
		// Entries from before revisions (keyed by time, after every revision's key) came first.
		return items.sort((a, b) => revisionOf(a) - revisionOf(b)).map(toChange);
	}

	private async getAgreementItem(
		agreementId: string,
	): Promise<Record<string, unknown> | undefined> {
		return itemReadsOf(this.client, this.tableName).get(keys.agreement(agreementId));
	}

	/** Every item of a partition (with a sort key prefix), in sort key order, page by page. */
	private query(pk: string, skPrefix?: string): AsyncIterable<Item> {
		return queryAll(this.client, {
			TableName: this.tableName,
			KeyConditionExpression: skPrefix ? "pk = :pk AND begins_with(sk, :prefix)" : "pk = :pk",
			ExpressionAttributeValues: skPrefix ? { ":pk": pk, ":prefix": skPrefix } : { ":pk": pk },
			ConsistentRead: true,
		});
	}
}
