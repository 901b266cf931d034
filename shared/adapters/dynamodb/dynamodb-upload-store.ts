import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { type DynamoDBDocumentClient, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { Report, ReportStatus } from "../../domain/report.ts";
import type { UploadRecord, UploadStore } from "../../ports/uploads.ts";
import { type Item, type ShapeOf, shaped, str, strs, valuesOf } from "./item-fields.ts";
import { itemReadsOf } from "./item-reads.ts";
import { queryItems } from "./query.ts";

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

// The report is stored whole and handed back to the partner as it is: its attributes are
// checked one level down, and its issues, warnings and permission only for being lists and a map.
const REPORT: ShapeOf<Report> = {
	bundle: "string",
	sha256: "string or null",
	status: valuesOf<ReportStatus>({
		published: true,
		"pending-permission": true,
		embargoed: true,
		withdrawn: true,
		duplicate: true,
		rejected: true,
	}),
	articleId: "string?",
	version: "number?",
	language: "string?",
	errors: "list",
	warnings: "list?",
	permission: "map?",
	receivedAt: "string",
	processedAt: "string",
};

function toUploadRecord(item: Item): UploadRecord {
	return {
		key: str(item, "key"),
		uploadId: str(item, "uploadId"),
		order: str(item, "order"),
		report: shaped<Report>(item, "report", REPORT),
		targets: strs(item, "targets"),
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
		const items = await queryItems(this.client, {
			TableName: this.tableName,
			KeyConditionExpression: "pk = :pk AND begins_with(sk, :id)",
			ExpressionAttributeValues: { ":pk": `UPLOAD#${key}`, ":id": "ID#" },
			ConsistentRead: true,
		});
		const records = items.map(toUploadRecord);
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
