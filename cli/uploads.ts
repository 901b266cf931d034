import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { SQSClient } from "@aws-sdk/client-sqs";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { Command, InvalidArgumentError } from "commander";
import { DynamoDbUploadStore } from "#shared/adapters/dynamodb/dynamodb-upload-store.ts";
import { S3UploadInventory } from "#shared/adapters/s3/s3-upload-inventory.ts";
import { SqsUploadQueue } from "#shared/adapters/sqs/sqs-upload-queue.ts";
import {
	makeReconcileUploads,
	type ReconcileDeps,
	type ReconcileResult,
} from "#shared/use-cases/reconcile-uploads.ts";
import { dataPaths } from "../local/data-dir.ts";
import { FolderUploadQueue } from "../local/folder-upload-queue.ts";
import { LocalUploadInventory } from "../local/local-upload-inventory.ts";
import type { Endpoints } from "../local/stack.ts";
import { LocalVersionStore } from "../local/version-store.ts";

interface ReconcileOptions {
	data: string;
	bucket?: string;
	table?: string;
	queueUrl?: string;
	json?: boolean;
}

/** The use case's dependencies against AWS: the bucket's versions, the table, the queue. */
async function awsDeps(options: ReconcileOptions): Promise<{ deps: ReconcileDeps; close(): void }> {
	const { bucket, table, queueUrl } = options;
	if (!bucket || !table || !queueUrl)
		throw new InvalidArgumentError("against AWS, give all of --bucket, --table and --queue-url");
	const s3 = new S3Client({});
	const dynamodb = DynamoDBDocumentClient.from(new DynamoDBClient({}));
	const sqs = new SQSClient({});
	return {
		deps: {
			inventory: new S3UploadInventory(s3, bucket),
			uploads: new DynamoDbUploadStore(dynamodb, table),
			queue: new SqsUploadQueue(sqs, queueUrl),
			bucket,
			region: await s3.config.region(),
		},
		close() {
			s3.destroy();
			dynamodb.destroy();
			sqs.destroy();
		},
	};
}

/**
 * Against the local stack its endpoints.json names: its upload versions, DynamoDB Local,
 * and its queue folder (the running stack delivers what lands there; a stopped one, on
 * its next start).
 */
async function localDeps(
	options: ReconcileOptions,
): Promise<{ deps: ReconcileDeps; close(): void }> {
	const file = dataPaths(resolve(options.data)).endpoints;
	let endpoints: Endpoints;
	try {
		endpoints = JSON.parse(await readFile(file, "utf8")) as Endpoints;
	} catch {
		throw new Error(
			`no local stack found (${file}): start one with npm start, or pass --bucket, --table and --queue-url for AWS`,
		);
	}
	const paths = dataPaths(endpoints.dataDir ?? resolve(options.data));
	const dynamodb = DynamoDBDocumentClient.from(
		new DynamoDBClient({
			endpoint: endpoints.dynamodbEndpoint,
			region: endpoints.region,
			credentials: {
				accessKeyId: endpoints.accessKeyId,
				secretAccessKey: endpoints.secretAccessKey,
			},
		}),
	);
	return {
		deps: {
			inventory: new LocalUploadInventory(new LocalVersionStore(paths.versions)),
			uploads: new DynamoDbUploadStore(dynamodb, endpoints.table),
			queue: new FolderUploadQueue(paths.queue),
			bucket: endpoints.ingestBucket,
			region: endpoints.region,
		},
		close: () => dynamodb.destroy(),
	};
}

function summary(result: ReconcileResult): string {
	return `${result.found} upload(s) under incoming/: ${result.recorded} processed, ${result.queued} queued for ingest, ${result.ignored} ignored (not under incoming/{partnerId}/).`;
}

/** `uploads reconcile`: queue every stored upload that has no upload record. */
export function uploadsCommand(): Command {
	const uploads = new Command("uploads").description("the uploads in the ingest bucket");
	uploads
		.command("reconcile")
		.description(
			"queue for ingest every upload under incoming/ that has no upload record (its notification was lost); the local stack by default, AWS with --bucket, --table and --queue-url",
		)
		.option("--data <dir>", "the local stack's data folder", ".data")
		.option("--bucket <name>", "AWS: the ingest bucket (versioned)")
		.option("--table <name>", "AWS: the DynamoDB table")
		.option("--queue-url <url>", "AWS: the ingest queue's URL")
		.option("--json", "print the counts as JSON")
		.action(async (options: ReconcileOptions) => {
			const aws = Boolean(options.bucket || options.table || options.queueUrl);
			const { deps, close } = aws ? await awsDeps(options) : await localDeps(options);
			try {
				const result = await makeReconcileUploads(deps)();
				console.log(options.json ? JSON.stringify(result) : summary(result));
			} finally {
				close();
			}
		});
	return uploads;
}
