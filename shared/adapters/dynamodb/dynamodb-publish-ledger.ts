import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import {
	DeleteCommand,
	type DynamoDBDocumentClient,
	QueryCommand,
	UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import type { PendingChange } from "../../ports/articles.ts";
import type { Claim, PublishLedger, ReleaseResult } from "../../ports/publishing.ts";
import { batchDeleteAll, batchGetAll } from "./batch.ts";
import { num, optStr, str, strs } from "./item-fields.ts";
import {
	claimUpdate,
	DIRTY,
	releaseUpdate,
	requestAndClaimUpdate,
	requestUpdate,
	targetKey,
	transactEach,
	type Update,
} from "./ledger-updates.ts";
import { tableKeys } from "./table.ts";

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

	async request(targetId: string): Promise<void> {
		await this.client.send(new UpdateCommand(requestUpdate(this.tableName, targetId)));
	}

	async requestMany(targetIds: readonly string[]): Promise<void> {
		await transactEach(
			this.client,
			targetIds,
			(id) => requestUpdate(this.tableName, id),
			(id) => this.request(id),
		);
	}

	async claim(targetId: string, owner: string, now: Date, leaseMs: number): Promise<number | null> {
		return (await this.claimTarget(targetId, owner, now, leaseMs))?.rev ?? null;
	}

	// The item as it was answers both: its revision (a claim keeps it), and whether a lease ran
	// out on it unreleased.
	private async claimTarget(
		targetId: string,
		owner: string,
		now: Date,
		leaseMs: number,
	): Promise<Claim | null> {
		try {
			const { Attributes } = await this.client.send(
				new UpdateCommand({
					...claimUpdate(this.tableName, targetId, owner, now, leaseMs),
					ReturnValues: "ALL_OLD",
				}),
			);
			return {
				rev: Attributes ? num(Attributes, "rev", 0) : 0,
				interrupted: Attributes?.leaseOwner !== undefined,
			};
		} catch (error) {
			if (error instanceof ConditionalCheckFailedException) return null;
			throw error;
		}
	}

	async requestAndClaim(
		targetId: string,
		owner: string,
		now: Date,
		leaseMs: number,
	): Promise<Claim | null> {
		try {
			const { Attributes } = await this.client.send(
				new UpdateCommand({
					...requestAndClaimUpdate(this.tableName, targetId, owner, now, leaseMs),
					ReturnValues: "ALL_OLD",
				}),
			);
			return {
				rev: (Attributes ? num(Attributes, "rev", 0) : 0) + 1,
				interrupted: Attributes?.leaseOwner !== undefined,
			};
		} catch (error) {
			if (!(error instanceof ConditionalCheckFailedException)) throw error;
		}
		// Held: the bump must land (its holder renders again), then the lease may be free by now.
		await this.request(targetId);
		return this.claimTarget(targetId, owner, now, leaseMs);
	}

	async claimMany(
		targetIds: readonly string[],
		owner: string,
		now: Date,
		leaseMs: number,
	): Promise<Map<string, Claim>> {
		const claimed = new Map<string, Claim>();
		const byTransaction = await transactEach(
			this.client,
			targetIds,
			(id) => claimUpdate(this.tableName, id, owner, now, leaseMs, true),
			async (id) => {
				const claim = await this.claimTarget(id, owner, now, leaseMs);
				if (claim !== null) claimed.set(id, claim);
			},
		);
		await this.readClaimedRevisions(byTransaction, owner, claimed);
		return claimed;
	}

	/**
	 * A transaction returns no attributes: the revisions of the targets it claimed are read once
	 * the leases are held. A request that lands in between only makes the render cover more,
	 * never less.
	 */
	private async readClaimedRevisions(
		targetIds: Iterable<string>,
		owner: string,
		into: Map<string, Claim>,
	): Promise<void> {
		const items = await batchGetAll(
			this.client,
			this.tableName,
			[...targetIds].map((id) => targetKey(id)),
			true,
		);
		for (const item of items) {
			// Claimed in a transaction only while free: never a lease taken over.
			if (optStr(item, "leaseOwner") === owner) {
				into.set(str(item, "pk").slice("TARGET#".length), {
					rev: num(item, "rev", 0),
					interrupted: false,
				});
			}
		}
	}

	async requestAndClaimMany(
		targetIds: readonly string[],
		owner: string,
		now: Date,
		leaseMs: number,
		settle: readonly string[] = [],
	): Promise<Map<string, Claim>> {
		const claimed = new Map<string, Claim>();
		// The pending changes forgotten in the claims' transaction: written only with every
		// target's bump in it, or once the others' were made alone (a failed condition is
		// decided alone before the transaction is sent again).
		const forget = {
			items: [...new Set(settle)].map((changeId) => ({
				Delete: { TableName: this.tableName, Key: pendingKey(changeId) },
			})),
			done: false,
		};
		// Free leases only in a transaction, bumped and taken in one update each; one held, or
		// taken over from a holder whose lease ran out, goes alone (and is told so).
		const byTransaction = await transactEach(
			this.client,
			targetIds,
			(id) => requestAndClaimUpdate(this.tableName, id, owner, now, leaseMs, true),
			async (id) => {
				const claim = await this.requestAndClaim(id, owner, now, leaseMs);
				if (claim !== null) claimed.set(id, claim);
			},
			forget.items.length > 0 ? forget : undefined,
		);
		if (!forget.done) await this.settleMany(settle);
		await this.readClaimedRevisions(byTransaction, owner, claimed);
		return claimed;
	}

	async release(targetId: string, owner: string, rev: number): Promise<ReleaseResult> {
		try {
			await this.client.send(
				new UpdateCommand({
					...releaseUpdate(this.tableName, targetId, owner, rev),
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
					Key: targetKey(targetId),
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
		const items = await batchGetAll(
			this.client,
			this.tableName,
			Items.map((item) => ({ pk: item.pk, sk: item.sk })),
			true,
		);
		return items.map((item) => ({
			changeId: str(item, "changeId"),
			targets: strs(item, "targets"),
		}));
	}

	async releaseMany(
		claims: ReadonlyMap<string, number>,
		owner: string,
	): Promise<Map<string, ReleaseResult>> {
		const results = new Map<string, ReleaseResult>();
		const released = await transactEach(
			this.client,
			[...claims.keys()],
			(id) => releaseUpdate(this.tableName, id, owner, claims.get(id) ?? 0),
			async (id) => {
				results.set(id, await this.release(id, owner, claims.get(id) ?? 0));
			},
		);
		for (const id of released) results.set(id, { state: "released" });
		return results;
	}

	async settle(changeId: string): Promise<void> {
		await this.client.send(
			new DeleteCommand({ TableName: this.tableName, Key: pendingKey(changeId) }),
		);
	}

	async settleMany(changeIds: readonly string[]): Promise<void> {
		await batchDeleteAll(this.client, this.tableName, [...new Set(changeIds)].map(pendingKey));
	}

	async yieldMany(targetIds: readonly string[], owner: string): Promise<void> {
		const yieldUpdate = (id: string): Update => ({
			TableName: this.tableName,
			Key: targetKey(id),
			UpdateExpression: "REMOVE leaseOwner, leaseUntil",
			ConditionExpression: "leaseOwner = :owner",
			ExpressionAttributeValues: { ":owner": owner },
		});
		await transactEach(this.client, targetIds, yieldUpdate, async (id) => {
			try {
				await this.client.send(new UpdateCommand(yieldUpdate(id)));
			} catch (error) {
				// Lost meanwhile (expired and taken): nothing of ours to give back.
				if (!(error instanceof ConditionalCheckFailedException)) throw error;
			}
		});
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
		return Items.map((item) => str(item, "gsi1sk"));
	}
}
