import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import {
	type DynamoDBDocumentClient,
	GetCommand,
	PutCommand,
	UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import type {
	DeadLetterDiscard,
	HealthStore,
	IngestFailure,
	PipelineHealth,
} from "../../ports/uploads.ts";
import { type Item, num, optStr, str, strs } from "./item-fields.ts";
import { queryAll } from "./query.ts";

const HEALTH_KEY = { pk: "HEALTH", sk: "HEALTH" };

// Long errors (an SDK dump) are cut: the note says why, the logs keep the rest.
const MAX_ERROR_LENGTH = 1000;

function failureKey(key: string, uploadId: string) {
	return { pk: `INGEST_FAILURE#${key}`, sk: `ID#${uploadId}` };
}

function toFailure(item: Item): IngestFailure {
	return {
		key: str(item, "key"),
		uploadId: str(item, "uploadId"),
		failures: num(item, "failures", 0),
		firstFailedAt: str(item, "firstFailedAt"),
		lastFailedAt: str(item, "lastFailedAt"),
		lastError: optStr(item, "lastError") ?? "",
	};
}

// Every discard in one partition, sorted by time: `dlq history` is one Query, newest first.
const DISCARDS = "DLQ_DISCARD";

function toDiscard(item: Item): DeadLetterDiscard {
	return {
		messageId: str(item, "messageId"),
		keys: strs(item, "keys"),
		reason: str(item, "reason"),
		by: str(item, "by"),
		at: str(item, "at"),
	};
}

/** The last sweep's or publish's note (`prefix`), if one was made. */
function toRun(item: Item, prefix: string): { at: string; targets: number } | undefined {
	const at = optStr(item, `${prefix}At`);
	return at === undefined ? undefined : { at, targets: num(item, `${prefix}Targets`, 0) };
}

/**
 * One `HEALTH` item for the last sweep and the last publish, one item per upload whose
 * ingest failed (in a partition of its own, apart from the upload records), and one per
 * discarded dead letter (all in one partition). Each note is one
 * UpdateItem; a note older than the one stored is dropped, so racing writers keep the newest.
 */
export class DynamoDbHealthStore implements HealthStore {
	constructor(
		private readonly client: DynamoDBDocumentClient,
		private readonly tableName: string,
	) {}

	private async recordRun(prefix: "lastSweep" | "lastPublish", at: Date, targets: number) {
		try {
			await this.client.send(
				new UpdateCommand({
					TableName: this.tableName,
					Key: HEALTH_KEY,
					UpdateExpression: "SET #at = :at, #targets = :targets",
					ConditionExpression: "attribute_not_exists(#at) OR #at <= :at",
					ExpressionAttributeNames: { "#at": `${prefix}At`, "#targets": `${prefix}Targets` },
					ExpressionAttributeValues: { ":at": at.toISOString(), ":targets": targets },
				}),
			);
		} catch (error) {
			if (!(error instanceof ConditionalCheckFailedException)) throw error;
		}
	}

	recordSweep(at: Date, targets: number): Promise<void> {
		return this.recordRun("lastSweep", at, targets);
	}

	recordPublish(at: Date, targets: number): Promise<void> {
		return this.recordRun("lastPublish", at, targets);
	}

	async recordIngestFailure(failure: {
		key: string;
		uploadId: string;
		error: string;
		at: Date;
	}): Promise<void> {
		const at = failure.at.toISOString();
		await this.client.send(
			new UpdateCommand({
				TableName: this.tableName,
				Key: failureKey(failure.key, failure.uploadId),
				UpdateExpression:
					"SET #key = :key, uploadId = :id, firstFailedAt = if_not_exists(firstFailedAt, :at), lastFailedAt = :at, lastError = :error ADD failures :one",
				ExpressionAttributeNames: { "#key": "key" },
				ExpressionAttributeValues: {
					":key": failure.key,
					":id": failure.uploadId,
					":at": at,
					":error": failure.error.slice(0, MAX_ERROR_LENGTH),
					":one": 1,
				},
			}),
		);
	}

	async readHealth(): Promise<PipelineHealth> {
		const { Item } = await this.client.send(
			new GetCommand({ TableName: this.tableName, Key: HEALTH_KEY, ConsistentRead: true }),
		);
		const lastSweep = Item && toRun(Item, "lastSweep");
		const lastPublish = Item && toRun(Item, "lastPublish");
		return { ...(lastSweep ? { lastSweep } : {}), ...(lastPublish ? { lastPublish } : {}) };
	}

	async getIngestFailure(key: string, uploadId: string): Promise<IngestFailure | undefined> {
		const { Item } = await this.client.send(
			new GetCommand({ TableName: this.tableName, Key: failureKey(key, uploadId) }),
		);
		return Item ? toFailure(Item) : undefined;
	}

	async recordDiscard(discard: DeadLetterDiscard): Promise<void> {
		await this.client.send(
			new PutCommand({
				TableName: this.tableName,
				Item: { pk: DISCARDS, sk: `AT#${discard.at}#${discard.messageId}`, ...discard },
			}),
		);
	}

	async listDiscards(limit: number): Promise<DeadLetterDiscard[]> {
		const discards: DeadLetterDiscard[] = [];
		if (limit < 1) return discards;
		for await (const item of queryAll(this.client, {
			TableName: this.tableName,
			KeyConditionExpression: "pk = :pk",
			ExpressionAttributeValues: { ":pk": DISCARDS },
			ScanIndexForward: false,
			Limit: limit,
		})) {
			discards.push(toDiscard(item));
			if (discards.length >= limit) break;
		}
		return discards;
	}
}
