import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { type DynamoDBDocumentClient, QueryCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { Report } from "../../domain/report.ts";
import type { UploadRecord, UploadStore } from "../../ports/uploads.ts";
import { itemReadsOf } from "./item-reads.ts";

/** The item of one processed upload: in the upload's own partition, one sort key per version. */
export function uploadItemKey(key: string, uploadId: string) {
	return { pk: `UPLOAD#${key}`, sk: `ID#${uploadId}` };
}

// One item per key names the newest upload there: the one whose report the partner reads.
function newestItemKey(key: string) {
	return { pk: `UPLOAD#${key}`, sk: "NEWEST" };
}

/**
 * The write that makes `record` the newest upload at its key, failing its condition when a
 * later one already is: alone in {@link DynamoDbUploadStore.markNewest}, or in the commit
 * that records the upload (dynamodb-article-store.ts).
 */
export function newestUpdate(tableName: string, record: UploadRecord) {
	return {
		TableName: tableName,
		Key: newestItemKey(record.key),
		UpdateExpression:
			"SET #key = :key, uploadId = :id, #order = :order, report = :report, targets = :targets",
		// Only a later upload (S3 sequencer order) takes the key over; the same one may mark
		// itself again, so a redelivered event converges to the same answer.
		ConditionExpression:
			"attribute_not_exists(pk) OR #order < :order OR (#order = :order AND uploadId = :id)",
		ExpressionAttributeNames: { "#key": "key", "#order": "order" },
		ExpressionAttributeValues: {
			":key": record.key,
			":id": record.uploadId,
			":order": record.order,
			":report": record.report,
			":targets": record.targets,
		},
	};
}

/** The attributes an upload record is stored with, beside its keys. */
export function toUploadAttributes(record: UploadRecord) {
	return {
		key: record.key,
		uploadId: record.uploadId,
		order: record.order,
		report: record.report,
		targets: record.targets,
	};
}

function toUploadRecord(item: Record<string, unknown>): UploadRecord {
	return {
		key: String(item.key),
		uploadId: String(item.uploadId),
		order: String(item.order),
		report: item.report as Report,
		targets: (item.targets as string[] | undefined) ?? [],
	};
}

/** Upload records in DynamoDB: each upload's own record, and which one is newest per key. */
export class DynamoDbUploadStore implements UploadStore {
	constructor(
		private readonly client: DynamoDBDocumentClient,
		private readonly tableName: string,
	) {}

	async getUpload(key: string, uploadId: string): Promise<UploadRecord | undefined> {
		const item = await itemReadsOf(this.client, this.tableName).get(uploadItemKey(key, uploadId));
		return item ? toUploadRecord(item) : undefined;
	}

	async listUploads(key: string): Promise<UploadRecord[]> {
		const records: UploadRecord[] = [];
		let start: Record<string, unknown> | undefined;
		do {
			const page = await this.client.send(
				new QueryCommand({
					TableName: this.tableName,
					KeyConditionExpression: "pk = :pk AND begins_with(sk, :id)",
					ExpressionAttributeValues: { ":pk": `UPLOAD#${key}`, ":id": "ID#" },
					ConsistentRead: true,
					ExclusiveStartKey: start,
				}),
			);
			records.push(...(page.Items ?? []).map(toUploadRecord));
			start = page.LastEvaluatedKey;
		} while (start);
		return records.sort(
			(a, b) =>
				a.order.localeCompare(b.order) || a.report.receivedAt.localeCompare(b.report.receivedAt),
		);
	}

	async markNewest(record: UploadRecord): Promise<UploadRecord> {
		try {
			await this.client.send(new UpdateCommand(newestUpdate(this.tableName, record)));
			return record;
		} catch (error) {
			if (!(error instanceof ConditionalCheckFailedException)) throw error;
			const newest = await this.getNewest(record.key);
			if (!newest) throw new Error(`newest upload at ${record.key} vanished`);
			return newest;
		}
	}

	async getNewest(key: string): Promise<UploadRecord | undefined> {
		const item = await itemReadsOf(this.client, this.tableName).get(newestItemKey(key));
		return item ? toUploadRecord(item) : undefined;
	}
}
