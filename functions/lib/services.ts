import { randomUUID } from "node:crypto";
import { CloudFrontClient } from "@aws-sdk/client-cloudfront";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { CloudFrontSiteCache } from "#shared/adapters/cloudfront/cloudfront-site-cache.ts";
import { log } from "./log.ts";
import { wireServices } from "./wire.ts";

function requireEnv(name: string): string {
	const value = process.env[name];
	if (!value) throw new Error(`environment variable ${name} is not set`);
	return value;
}

// Set in AWS only: the local edge keeps no cache to invalidate.
const distributionId = process.env.DISTRIBUTION_ID;

// Built once per container, at module scope, and shared by every invocation.
const services = wireServices({
	s3: new S3Client({
		// Only the local S3 stand-in needs path-style addressing; AWS uses virtual hosts.
		forcePathStyle: process.env.S3_FORCE_PATH_STYLE === "true",
	}),
	dynamodb: DynamoDBDocumentClient.from(new DynamoDBClient({}), {
		marshallOptions: { removeUndefinedValues: true },
	}),
	tableName: requireEnv("TABLE_NAME"),
	ingestBucket: requireEnv("INGEST_BUCKET"),
	siteBucket: requireEnv("SITE_BUCKET"),
	siteUrl: requireEnv("SITE_URL"),
	// One per container and process; a log stream can hold several containers.
	owner: `${process.env.AWS_LAMBDA_LOG_STREAM_NAME ?? "local"}/${randomUUID()}`,
	onLeaseLost: (target) => log.error({ msg: "publish lease lost while rendering", target }),
	...(distributionId
		? { cache: new CloudFrontSiteCache(new CloudFrontClient({}), distributionId) }
		: {}),
});

export const { publishTargets, scheduledSweep, ingestUpload } = services;
