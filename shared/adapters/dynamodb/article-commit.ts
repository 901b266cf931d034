import { TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import type { TransactWriteCommandInput } from "@aws-sdk/lib-dynamodb";
import type { ArticleRef } from "../../domain/article.ts";
import type { ArticleCommit } from "../../ports/articles.ts";
import { articlePk, dueKey, partnerListingKey, toSummary } from "./article-items.ts";
import { agreementUnchanged } from "./dynamodb-agreement-store.ts";
import { pendingItem } from "./dynamodb-publish-ledger.ts";
import { newestUpdate, toUploadAttributes, uploadItemKey } from "./dynamodb-upload-store.ts";

export type TransactItem = NonNullable<TransactWriteCommandInput["TransactItems"]>[number];

// TransactWriteItems takes at most 100 items.
const TRANSACTION_ITEMS = 100;

export interface PlannedTransaction {
	items: TransactItem[];
	/** Index of the upload record's put, or -1. */
	uploadIndex: number;
	/** Index of the write making the upload the newest at its key, or -1. */
	newestIndex: number;
	/** Index of the article's put, or -1. */
	articleIndex: number;
	/** Index of the check that the agreement is still what the plan read, or -1. */
	agreementIndex: number;
	/** Languages the commit's feed rows are in. */
	languages: string[];
}

/**
 * Why DynamoDB refused the data for good, or `undefined` for faults a retry may cure
 * (throttling, conflicts, a server or network error). The marshaller throws plain errors
 * before anything is sent; the service answers ValidationException for items over 400 KB
 * and malformed attributes, or cancels a transaction with a ValidationError reason.
 */
export function whyUnstorable(error: unknown): string | undefined {
	if (!(error instanceof Error)) return undefined;
	const sent = "$metadata" in error;
	if (!sent && (error instanceof TypeError || error instanceof RangeError)) {
		return `the data cannot be written (${error.message})`;
	}
	if (!sent && /marshall|Unsupported type|convertClassInstanceToMap/i.test(error.message)) {
		return `the data cannot be written (${error.message})`;
	}
	if (error.name === "ValidationException") return `the store refused it (${error.message})`;
	if (error instanceof TransactionCanceledException) {
		const reason = error.CancellationReasons?.find((r) => r.Code === "ValidationError");
		if (reason) return `the store refused it (${reason.Message ?? "validation error"})`;
	}
	return undefined;
}

/**
 * The transaction items of one commit, and where its conditions are among them; with the
 * upload's mark as the newest at its key unless `markNewest` is false (a later one is),
 * and the check of the agreement the plan read unless `checkAgreement` is false (a batch
 * checks each agreement once for all its commits: a transaction may name an item once).
 * `feedItems`: the commit's feed rows, their archive copies and stale marks
 * (`feedTransactItems`, feed-writes.ts).
 */
export function planTransaction(
	tableName: string,
	commit: ArticleCommit,
	feedItems: TransactItem[],
	markNewest = true,
	checkAgreement = true,
): PlannedTransaction {
	const items: TransactItem[] = [];
	let uploadIndex = -1;
	let newestIndex = -1;
	let articleIndex = -1;
	let agreementIndex = -1;
	if (commit.upload) {
		if (markNewest) {
			// In the commit, not after it: one write less for every upload.
			newestIndex = items.length;
			items.push({ Update: newestUpdate(tableName, commit.upload) });
		}
		uploadIndex = items.length;
		items.push({
			Put: {
				TableName: tableName,
				Item: {
					...uploadItemKey(commit.upload.key, commit.upload.uploadId),
					...toUploadAttributes(commit.upload),
				},
				ConditionExpression: "attribute_not_exists(pk)",
			},
		});
	}
	const change = commit.article;
	if (change) {
		const { next, expectedRevision } = change;
		const pk = articlePk(next);
		const ref: ArticleRef = {
			partnerId: next.partnerId,
			articleId: next.articleId,
			language: next.language,
		};
		articleIndex = items.length;
		items.push({
			Put: {
				TableName: tableName,
				Item: {
					pk,
					sk: "CURRENT",
					revision: next.revision,
					article: next,
					gsi1pk: `AGREEMENT#${next.rights.agreement}`,
					gsi1sk: pk,
				},
				// Optimistic lock: the plan was made against expectedRevision.
				ConditionExpression:
					expectedRevision === null ? "attribute_not_exists(pk)" : "revision = :expected",
				...(expectedRevision === null
					? {}
					: { ExpressionAttributeValues: { ":expected": expectedRevision } }),
			},
		});
		if (change.newVersion) {
			items.push({
				Put: {
					TableName: tableName,
					Item: { pk, sk: `VERSION#${String(next.version).padStart(9, "0")}`, article: next },
				},
			});
		}
		if (change.event) {
			items.push({
				Put: {
					TableName: tableName,
					Item: {
						pk,
						sk: `HISTORY#${change.event.at}#${String(next.revision).padStart(9, "0")}`,
						event: change.event,
					},
				},
			});
		}
		if (change.previousDueAt !== next.dueAt) {
			if (change.previousDueAt) {
				items.push({ Delete: { TableName: tableName, Key: dueKey(change.previousDueAt, ref) } });
			}
			if (next.dueAt) {
				items.push({
					Put: { TableName: tableName, Item: { ...dueKey(next.dueAt, ref), ref } },
				});
			}
		}
		items.push({
			Put: {
				TableName: tableName,
				Item: { ...partnerListingKey(ref), summary: toSummary(next) },
			},
		});
		items.push(...feedItems);
	}
	if (commit.pending) {
		items.push({ Put: { TableName: tableName, Item: pendingItem(commit.pending) } });
	}
	const under = change?.decidedUnder;
	if (under && checkAgreement) {
		agreementIndex = items.length;
		items.push({
			ConditionCheck: agreementUnchanged(tableName, under.agreementId, under.revision),
		});
	}
	const languages = [...new Set(change?.feedPuts.map((entry) => entry.item.language))];
	return { items, uploadIndex, newestIndex, articleIndex, agreementIndex, languages };
}

/**
 * The commits of a batch packed into transactions of at most 100 items, as indexes into
 * `planned`, with one check per agreement they were decided under (`underOf`): a commit that
 * read another revision of an agreement than one already in the group starts another, and
 * a commit too big to share one goes alone.
 */
export function packTransactions(
	planned: readonly PlannedTransaction[],
	underOf: (index: number) => { agreementId: string; revision: number | null } | undefined,
): number[][] {
	const groups: number[][] = [];
	let group: number[] = [];
	let size = 0;
	let checked = new Map<string, number | null>();
	for (const [index, p] of planned.entries()) {
		const under = underOf(index);
		const known = under && checked.has(under.agreementId);
		const clash = known && checked.get(under.agreementId) !== under.revision;
		const added = p.items.length + (under && !known ? 1 : 0);
		if ((clash || size + added > TRANSACTION_ITEMS) && group.length > 0) {
			groups.push(group);
			group = [];
			size = 0;
			checked = new Map();
		}
		group.push(index);
		size += p.items.length;
		if (under && !checked.has(under.agreementId)) {
			checked.set(under.agreementId, under.revision);
			size += 1;
		}
	}
	if (group.length > 0) groups.push(group);
	return groups;
}
