import { randomUUID } from "node:crypto";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { DynamoDbAgreementStore } from "#shared/adapters/dynamodb/dynamodb-agreement-store.ts";
import { DynamoDbArticleStore } from "#shared/adapters/dynamodb/dynamodb-article-store.ts";
import { DynamoDbPublishLedger } from "#shared/adapters/dynamodb/dynamodb-publish-ledger.ts";
import { DynamoDbUploadStore } from "#shared/adapters/dynamodb/dynamodb-upload-store.ts";
import { S3ObjectStore } from "#shared/adapters/s3/s3-object-store.ts";
import { makeIngestUpload } from "#shared/use-cases/ingest-upload.ts";
import { makePublishChanges, makePublishTargets } from "#shared/use-cases/publish-targets.ts";
import { log } from "./log.ts";

function requireEnv(name: string): string {
	const value = process.env[name];
	if (!value) throw new Error(`environment variable ${name} is not set`);
	return value;
}

// Built once per container, at module scope, and shared by every invocation.
const tableName = requireEnv("TABLE_NAME");
const s3 = new S3Client({
	// Only the local S3 stand-in needs path-style addressing; AWS uses virtual hosts.
	forcePathStyle: process.env.S3_FORCE_PATH_STYLE === "true",
});
const dynamodb = DynamoDBDocumentClient.from(new DynamoDBClient({}), {
	marshallOptions: { removeUndefinedValues: true },
});

const uploads = new S3ObjectStore(s3, requireEnv("INGEST_BUCKET"));
const site = new S3ObjectStore(s3, requireEnv("SITE_BUCKET"));
const articles = new DynamoDbArticleStore(dynamodb, tableName);
const agreements = new DynamoDbAgreementStore(dynamodb, tableName);
const uploadRecords = new DynamoDbUploadStore(dynamodb, tableName);
const ledger = new DynamoDbPublishLedger(dynamodb, tableName);
const clock = () => new Date();

export const publishTargets = makePublishTargets({
	articles,
	ledger,
	content: uploads,
	site,
	siteUrl: requireEnv("SITE_URL"),
	clock,
	// One per invocation's container and process; a log stream can hold several containers.
	owner: `${process.env.AWS_LAMBDA_LOG_STREAM_NAME ?? "local"}/${randomUUID()}`,
	// Renewed every third of it while rendering: a dead publisher blocks a target 20 s at most.
	leaseMs: 20_000,
	onLeaseLost: (target) => log.error({ msg: "publish lease lost while rendering", target }),
});

export const { publishChange, sweep } = makePublishChanges({ ledger, publish: publishTargets });

export const ingestUpload = makeIngestUpload({
	uploads,
	articles,
	uploadRecords,
	agreements,
	publish: publishChange,
	clock,
});
