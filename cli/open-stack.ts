import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { S3Client } from "@aws-sdk/client-s3";
import type { SQSClient } from "@aws-sdk/client-sqs";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { cloudFrontClient, dynamoDbClient, s3Client } from "#shared/adapters/aws/clients.ts";
import { sqsClient } from "#shared/adapters/aws/ops-clients.ts";
import { CloudFrontSiteCache } from "#shared/adapters/cloudfront/cloudfront-site-cache.ts";
import { currentS3Version } from "#shared/adapters/s3/s3-current-version.ts";
import { SqsIngestQueues } from "#shared/adapters/sqs/sqs-ingest-queues.ts";
import { SqsUploadQueue } from "#shared/adapters/sqs/sqs-upload-queue.ts";
import type { IngestQueues, StoredUpload, UploadQueue } from "#shared/ports/uploads.ts";
import { type Deployment, useCaseOptions } from "../functions/lib/ports.ts";
import { stackPorts } from "../functions/lib/stack-ports.ts";
import { localDeployment, localQueuePorts } from "../local/local-ports.ts";
import type { Endpoints } from "../local/stack.ts";
import { CliError } from "./cli-error.ts";
import { type CliPorts, composeCli } from "./compose.ts";
import { type DeployedStack, describeStage } from "./stage.ts";

/** The options every command that reaches a stack accepts. */
export interface StackOptions {
	data: string;
	stage?: string;
	region?: string;
	table?: string;
	ingestBucket?: string;
	siteBucket?: string;
	siteUrl?: string;
	queueUrl?: string;
	deadLetterQueueUrl?: string;
	by?: string;
}

/** How to reach one stack: its ports, and its use cases composed as in Lambda when first used. */
export type CliContext = CliPorts &
	ReturnType<typeof composeCli> & {
		/** The local stack's endpoints, when the CLI talks to the local stack. */
		local?: { dataDir: string; endpoints: Endpoints };
		/** The deployed stack, when the CLI talks to AWS. */
		aws?: DeployedStack;
		/** What the CLI talks to, for messages: "the local stack" or "stage dev". */
		name: string;
		tableName: string;
		ingestBucket: string;
		dynamodb: DynamoDBDocumentClient;
		s3: S3Client;
		/** The ingest queue and its dead-letter queue, as ops inspect them. */
		queues(): IngestQueues;
		/** The ingest queue, to send S3 notifications to. */
		uploadQueue(): UploadQueue;
		/** The newest version stored at an upload key. */
		newestUpload(key: string): Promise<StoredUpload | undefined>;
		destroy(): void;
	};

async function readEndpoints(dataDir: string): Promise<Endpoints> {
	const file = join(dataDir, "endpoints.json");
	try {
		return JSON.parse(await readFile(file, "utf8")) as Endpoints;
	} catch {
		throw new CliError(
			`no local stack found (${file} is missing): run npm start, or name a deployed stack with --stage`,
		);
	}
}

/** The deployed stack the options name (`--stage`, or `--table` and friends), if any. */
async function deployedStack(options: StackOptions): Promise<DeployedStack | undefined> {
	if (options.stage && options.table) throw new CliError("give --stage or --table, not both");
	if (options.stage) {
		return describeStage(options.stage, options.region ? { region: options.region } : {});
	}
	if (!options.table) return undefined;
	const { table, ingestBucket, siteBucket, siteUrl } = options;
	if (!ingestBucket || !siteBucket || !siteUrl) {
		throw new CliError("with --table, also give --ingest-bucket, --site-bucket and --site-url");
	}
	return {
		tableName: table,
		ingestBucket,
		siteBucket,
		siteUrl,
		...(options.queueUrl ? { queueUrl: options.queueUrl } : {}),
		...(options.deadLetterQueueUrl ? { deadLetterQueueUrl: options.deadLetterQueueUrl } : {}),
	};
}

/** The stack's ports and the CLI's use cases on them. */
function composed(deployment: Deployment) {
	const ports = stackPorts(deployment);
	return { ...ports, ...composeCli(ports, useCaseOptions(deployment)) };
}

function openDeployed(stack: DeployedStack, region: string | undefined): CliContext {
	const config = region ? { region } : {};
	const s3 = s3Client("cli", config);
	const dynamodb = dynamoDbClient("cli", config);
	const cloudfront = stack.distributionId ? cloudFrontClient("cli", config) : undefined;
	let sqs: SQSClient | undefined;
	const services = composed({
		s3,
		dynamodb,
		tableName: stack.tableName,
		ingestBucket: stack.ingestBucket,
		siteBucket: stack.siteBucket,
		siteUrl: stack.siteUrl,
		...(stack.logsBucket ? { logsBucket: stack.logsBucket } : {}),
		// The deployed edge serves feeds from their compressed copies: a takedown from the CLI
		// must rewrite those too, as the functions do.
		compressedVariants: true,
		owner: `cli/${randomUUID()}`,
		// Feeds the CLI publishes link the hub the functions' feeds link, and it hears of them.
		...(stack.hubUrl ? { hubUrl: stack.hubUrl } : {}),
		// A takedown from the CLI must reach readers now, not when the CDN's copy expires.
		...(cloudfront && stack.distributionId
			? { cache: new CloudFrontSiteCache(cloudfront, stack.distributionId) }
			: {}),
	});
	return {
		...services,
		aws: stack,
		name: stack.stage ? `stage ${stack.stage}` : `table ${stack.tableName}`,
		tableName: stack.tableName,
		ingestBucket: stack.ingestBucket,
		s3,
		dynamodb,
		queues() {
			if (!stack.queueUrl || !stack.deadLetterQueueUrl) {
				throw new CliError(
					"with --table, also give --queue-url and --dead-letter-queue-url (or use --stage)",
				);
			}
			sqs ??= sqsClient("cli", config);
			return new SqsIngestQueues(sqs, stack.queueUrl, stack.deadLetterQueueUrl);
		},
		uploadQueue() {
			if (!stack.queueUrl) {
				throw new CliError("with --table, also give --queue-url (or use --stage)");
			}
			sqs ??= sqsClient("cli", config);
			return new SqsUploadQueue(sqs, stack.queueUrl);
		},
		newestUpload: (key) => currentS3Version(s3, stack.ingestBucket, key),
		destroy: () => {
			s3.destroy();
			dynamodb.destroy();
			cloudfront?.destroy();
			sqs?.destroy();
		},
	};
}

/**
 * Opens the stack the options name: `--stage` (its stack outputs) or `--table` and friends
 * for AWS, else the local stack through `.data/endpoints.json`.
 */
export async function openStackNow(options: StackOptions): Promise<CliContext> {
	const deployed = await deployedStack(options);
	if (deployed) return openDeployed(deployed, options.region);

	const dataDir = resolve(options.data);
	const endpoints = await readEndpoints(dataDir);
	const credentials = {
		accessKeyId: endpoints.accessKeyId,
		secretAccessKey: endpoints.secretAccessKey,
	};
	const s3 = s3Client("cli", {
		endpoint: endpoints.s3Endpoint,
		region: endpoints.region,
		credentials,
		forcePathStyle: true,
		requestChecksumCalculation: "WHEN_REQUIRED",
		responseChecksumValidation: "WHEN_REQUIRED",
	});
	const dynamodb = dynamoDbClient("cli", {
		endpoint: endpoints.dynamodbEndpoint,
		region: endpoints.region,
		credentials,
	});
	const services = composed(localDeployment(endpoints, { s3, dynamodb }, `cli/${randomUUID()}`));
	return {
		...services,
		...localQueuePorts(endpoints.dataDir ?? dataDir),
		local: { dataDir, endpoints },
		name: "the local stack",
		tableName: endpoints.table,
		ingestBucket: endpoints.ingestBucket,
		s3,
		dynamodb,
		destroy: () => {
			s3.destroy();
			dynamodb.destroy();
		},
	};
}
