import { TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import {
	type DynamoDBDocumentClient,
	TransactWriteCommand,
	type TransactWriteCommandInput,
	type UpdateCommandInput,
} from "@aws-sdk/lib-dynamodb";
import { chunksOf } from "../../lib/chunks.ts";

type TransactItem = NonNullable<TransactWriteCommandInput["TransactItems"]>[number];

/** An update of one target's item, as an UpdateItem or in a transaction. */
export type Update = Omit<
	UpdateCommandInput,
	"ReturnValues" | "ReturnValuesOnConditionCheckFailure"
> & {
	UpdateExpression: string;
};

// TransactWriteItems takes at most 100 actions.
const TRANSACTION_SIZE = 100;
const TRANSACTION_ROUNDS = 4;

/** GSI1 lists the targets requested since they were last published under this. */
export const DIRTY = "DIRTY";

export function targetKey(targetId: string) {
	return { pk: `TARGET#${targetId}`, sk: "TARGET" };
}

export function requestUpdate(tableName: string, targetId: string): Update {
	return {
		TableName: tableName,
		Key: targetKey(targetId),
		UpdateExpression: "ADD rev :one SET gsi1pk = :dirty, gsi1sk = :id",
		ExpressionAttributeValues: { ":one": 1, ":dirty": DIRTY, ":id": targetId },
	};
}

/**
 * Takes the lease if nobody holds it, or (unless `freeOnly`) if its holder's ran out. A
 * batch claims free leases only, so that one taken over (interrupted) is told so, alone.
 */
export function claimUpdate(
	tableName: string,
	targetId: string,
	owner: string,
	now: Date,
	leaseMs: number,
	freeOnly = false,
): Update {
	return {
		TableName: tableName,
		Key: targetKey(targetId),
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

/** A request and a claim ({@link claimUpdate}) in one update: the target bumped and taken. */
export function requestAndClaimUpdate(
	tableName: string,
	targetId: string,
	owner: string,
	now: Date,
	leaseMs: number,
	freeOnly = false,
): Update {
	return {
		...claimUpdate(tableName, targetId, owner, now, leaseMs, freeOnly),
		// The claim's SET without its `rev = if_not_exists(...)`: the ADD gives rev its value.
		UpdateExpression:
			"ADD rev :one SET gsi1pk = :dirty, gsi1sk = :id, leaseOwner = :owner, leaseUntil = :until",
		ExpressionAttributeValues: {
			...requestUpdate(tableName, targetId).ExpressionAttributeValues,
			":owner": owner,
			":until": now.getTime() + leaseMs,
			...(freeOnly ? {} : { ":now": now.getTime() }),
		},
	};
}

export function releaseUpdate(
	tableName: string,
	targetId: string,
	owner: string,
	rev: number,
): Update {
	return {
		TableName: tableName,
		Key: targetKey(targetId),
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
export async function transactEach(
	client: DynamoDBDocumentClient,
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
					await client.send(
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
