import {
	ConditionalCheckFailedException,
	TransactionCanceledException,
} from "@aws-sdk/client-dynamodb";
import {
	DeleteCommand,
	type DynamoDBDocumentClient,
	QueryCommand,
	TransactWriteCommand,
	type TransactWriteCommandInput,
	UpdateCommand,
	type UpdateCommandInput,
} from "@aws-sdk/lib-dynamodb";
import { chunksOf } from "../../lib/chunks.ts";
import type { PendingChange } from "../../ports/articles.ts";
import type { Claim, PublishLedger, ReleaseResult } from "../../ports/publishing.ts";
import { batchDeleteAll, batchGetAll } from "./batch.ts";
import { tableKeys } from "./table.ts";

type TransactItem = NonNullable<TransactWriteCommandInput["TransactItems"]>[number];

type Update = Omit<UpdateCommandInput, "ReturnValues" | "ReturnValuesOnConditionCheckFailure"> & {
	UpdateExpression: string;
};

// TransactWriteItems takes at most 100 actions.
const TRANSACTION_SIZE = 100;
const TRANSACTION_ROUNDS = 4;

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

	private requestUpdate(targetId: string): Update {
		return {
			TableName: this.tableName,
			Key: this.key(targetId),
			UpdateExpression: "ADD rev :one SET gsi1pk = :dirty, gsi1sk = :id",
			ExpressionAttributeValues: { ":one": 1, ":dirty": DIRTY, ":id": targetId },
		};
	}

	/**
	 * Takes the lease if nobody holds it, or (unless `freeOnly`) if its holder's ran out. A
	 * batch claims free leases only, so that one taken over (interrupted) is told so, alone.
	 */
	private claimUpdate(
		targetId: string,
		owner: string,
		now: Date,
		leaseMs: number,
		freeOnly = false,
	): Update {
		return {
			TableName: this.tableName,
			Key: this.key(targetId),
			// A target claimed before any request starts at revision 0, which release matches.
			UpdateExpression:
				"SET leaseOwner = :owner, leaseUntil = :until, rev = if_not_exists(rev, :zero)",
			ConditionExpression: freeOnly
				? "attribute_not_exists(leaseOwner)"
				: "attribute_not_exists(leaseOwner) OR leaseUntil < :now",
			ExpressionAttributeValues: {
				":owner": owner,
				":until": now.getTime() + leaseMs,
				":zero": 0,
				...(freeOnly ? {} : { ":now": now.getTime() }),
			},
		};
	}

	private releaseUpdate(targetId: string, owner: string, rev: number): Update {
		return {
			TableName: this.tableName,
			Key: this.key(targetId),
			UpdateExpression: "SET publishedRev = :rev REMOVE leaseOwner, leaseUntil, gsi1pk, gsi1sk",
			ConditionExpression: "leaseOwner = :owner AND rev = :rev",
			ExpressionAttributeValues: { ":owner": owner, ":rev": rev },
		};
	}

	/**
	 * Applies the updates of `ids` in transactions of 100. An update whose condition fails is
	 * dropped and the rest retried (a cancelled transaction applies nothing); transactions
	 * that keep conflicting with other writers fall back to one update at a time. Returns the
	 * ids whose update was applied by a transaction; `single` decides the others alone.
	 */
	private async transactEach(
		ids: readonly string[],
		update: (id: string) => Update,
		single: (id: string) => Promise<void>,
		/**
		 * Unconditional items written with the updates when they all go in one transaction,
		 * after every other id was decided alone (`done` tells whether they were written).
		 */
		extra?: { items: TransactItem[]; done: boolean },
	): Promise<Set<string>> {
		const applied = new Set<string>();
		const unique = [...new Set(ids)];
		const withExtra =
			extra !== undefined &&
			unique.length > 1 &&
			unique.length + extra.items.length <= TRANSACTION_SIZE;
		await Promise.all(
			chunksOf(unique, TRANSACTION_SIZE).map(async (chunk) => {
				// One update alone is the same conditional write, at a fraction of a transaction's
				// cost (and, for a claim, it returns the revision without a read).
				if (chunk.length === 1) return Promise.all(chunk.map(single));
				let todo = chunk;
				for (let round = 0; todo.length > 0 && round < TRANSACTION_ROUNDS; round++) {
					try {
						await this.client.send(
							new TransactWriteCommand({
								TransactItems: [
									...todo.map((id) => ({ Update: update(id) })),
									...(withExtra ? extra.items : []),
								],
							}),
						);
						for (const id of todo) applied.add(id);
						if (withExtra) extra.done = true;
						return;
					} catch (error) {
						if (!(error instanceof TransactionCanceledException)) throw error;
						const reasons = error.CancellationReasons ?? [];
						const failed = new Set(
							todo.filter((_, i) => reasons[i]?.Code === "ConditionalCheckFailed"),
						);
						await Promise.all([...failed].map(single));
						todo = todo.filter((id) => !failed.has(id));
					}
				}
				await Promise.all(todo.map(single));
			}),
		);
		return applied;
	}

	async request(targetId: string): Promise<void> {
		await this.client.send(new UpdateCommand(this.requestUpdate(targetId)));
	}

	async requestMany(targetIds: readonly string[]): Promise<void> {
		await this.transactEach(
			targetIds,
			(id) => this.requestUpdate(id),
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
					...this.claimUpdate(targetId, owner, now, leaseMs),
					ReturnValues: "ALL_OLD",
				}),
			);
			return {
				rev: Number(Attributes?.rev ?? 0),
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
		const request = this.requestUpdate(targetId);
		const claim = this.claimUpdate(targetId, owner, now, leaseMs);
		try {
			// The claim's SET without its `rev = if_not_exists(...)`: the ADD gives rev its value.
			const { Attributes } = await this.client.send(
				new UpdateCommand({
					...claim,
					UpdateExpression:
						"ADD rev :one SET gsi1pk = :dirty, gsi1sk = :id, leaseOwner = :owner, leaseUntil = :until",
					ExpressionAttributeValues: {
						...request.ExpressionAttributeValues,
						":owner": owner,
						":until": now.getTime() + leaseMs,
						":now": now.getTime(),
					},
					ReturnValues: "ALL_OLD",
				}),
			);
			return {
				rev: Number(Attributes?.rev ?? 0) + 1,
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
		const byTransaction = await this.transactEach(
			targetIds,
			(id) => this.claimUpdate(id, owner, now, leaseMs, true),
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
			[...targetIds].map((id) => this.key(id)),
			true,
		);
		for (const item of items) {
			// Claimed in a transaction only while free: never a lease taken over.
			if (item.leaseOwner === owner) {
				into.set(String(item.pk).slice("TARGET#".length), {
					rev: Number(item.rev ?? 0),
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
		const byTransaction = await this.transactEach(
			targetIds,
			(id) => {
				const claim = this.claimUpdate(id, owner, now, leaseMs, true);
				return {
					...claim,
					UpdateExpression:
						"ADD rev :one SET gsi1pk = :dirty, gsi1sk = :id, leaseOwner = :owner, leaseUntil = :until",
					ExpressionAttributeValues: {
						...this.requestUpdate(id).ExpressionAttributeValues,
						":owner": owner,
						":until": now.getTime() + leaseMs,
					},
				};
			},
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
					...this.releaseUpdate(targetId, owner, rev),
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
		const items = await batchGetAll(
			this.client,
			this.tableName,
			Items.map((item) => ({ pk: item.pk, sk: item.sk })),
			true,
		);
		return items.map((item) => ({
			changeId: String(item.changeId),
			targets: (item.targets as string[] | undefined) ?? [],
		}));
	}

	async releaseMany(
		claims: ReadonlyMap<string, number>,
		owner: string,
	): Promise<Map<string, ReleaseResult>> {
		const results = new Map<string, ReleaseResult>();
		const released = await this.transactEach(
			[...claims.keys()],
			(id) => this.releaseUpdate(id, owner, claims.get(id) ?? 0),
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
			Key: this.key(id),
			UpdateExpression: "REMOVE leaseOwner, leaseUntil",
			ConditionExpression: "leaseOwner = :owner",
			ExpressionAttributeValues: { ":owner": owner },
		});
		await this.transactEach(targetIds, yieldUpdate, async (id) => {
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
		return Items.map((item) => String(item.gsi1sk));
	}
}
