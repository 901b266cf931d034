import { randomUUID } from "node:crypto";
import type { Logger } from "@aws-lambda-powertools/logger";
import { cloudFrontClient, dynamoDbClient, s3Client } from "#shared/adapters/aws/clients.ts";
import type { Caller } from "#shared/adapters/aws/record-calls.ts";
import { CloudFrontSiteCache } from "#shared/adapters/cloudfront/cloudfront-site-cache.ts";
import { hubUrlProblem } from "#shared/lib/hub-url.ts";
import type { Deployment } from "./ports.ts";

function requireEnv(name: string): string {
	const value = process.env[name];
	if (!value) throw new Error(`environment variable ${name} is not set`);
	return value;
}

/**
 * The deployment a function runs in, from its environment: SDK clients, table and buckets,
 * and the WebSub hub (HUB_URL) when there is one.
 * Called once per container, at module scope, and shared by every invocation.
 */
export function lambdaDeployment(
	logger: Logger,
	caller: Exclude<Caller, "cli" | "local">,
): Deployment {
	// Set in AWS only: the local edge keeps no cache to invalidate.
	const distributionId = process.env.DISTRIBUTION_ID;
	const hubUrl = process.env.HUB_URL;
	const hubProblem = hubUrl ? hubUrlProblem(hubUrl) : undefined;
	if (hubProblem) throw new Error(`environment variable HUB_URL: ${hubProblem}`);
	return {
		s3: s3Client(caller, {
			// Only the local S3 stand-in needs path-style addressing; AWS uses virtual hosts.
			forcePathStyle: process.env.S3_FORCE_PATH_STYLE === "true",
		}),
		dynamodb: dynamoDbClient(caller),
		tableName: requireEnv("TABLE_NAME"),
		ingestBucket: requireEnv("INGEST_BUCKET"),
		siteBucket: requireEnv("SITE_BUCKET"),
		siteUrl: requireEnv("SITE_URL"),
		// The view aggregator's input; the other functions need not have it.
		...(process.env.LOGS_BUCKET ? { logsBucket: process.env.LOGS_BUCKET } : {}),
		// Set in AWS only: the local edge compresses every feed itself.
		...(process.env.COMPRESSED_VARIANTS === "true" ? { compressedVariants: true } : {}),
		// One per container and process; a log stream can hold several containers.
		owner: `${process.env.AWS_LAMBDA_LOG_STREAM_NAME ?? "local"}/${randomUUID()}`,
		onLeaseLost: (target) => logger.error("publish lease lost while rendering", { target }),
		...(distributionId
			? { cache: new CloudFrontSiteCache(cloudFrontClient(caller), distributionId) }
			: {}),
		...(hubUrl
			? {
					hubUrl,
					// The publish stands; subscribers poll meanwhile, and the next change tells the hub again.
					onHubError: (error) =>
						logger.warn("the WebSub hub was not told of changed feeds", { error }),
				}
			: {}),
	};
}
