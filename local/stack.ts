import type { EventEmitter } from "node:events";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import {
	CreateTableCommand,
	DynamoDBClient,
	ResourceInUseException,
	waitUntilTableExists,
} from "@aws-sdk/client-dynamodb";
import { CreateBucketCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { S3Event, SQSBatchResponse, SQSEvent } from "aws-lambda";
import S3rver from "s3rver";
import { DynamoDbAgreementStore } from "#shared/adapters/dynamodb/dynamodb-agreement-store.ts";
import { tableDefinition } from "#shared/adapters/dynamodb/table.ts";
import type { Agreement, Partner } from "#shared/domain/agreement.ts";
import { startDynamoDbLocal } from "./dynamodb-local.ts";
import { startEdgeServer } from "./edge-server.ts";
import { LocalQueue } from "./event-queue.ts";
import { packBundle } from "./pack-bundle.ts";
import { claimPort } from "./ports.ts";
import { encodeS3EventKey } from "./s3-key.ts";

/** What `.data/endpoints.json` holds: how scripts and the CLI find a running stack. */
export interface Endpoints {
	edgeUrl: string;
	s3Endpoint: string;
	dynamodbEndpoint: string;
	region: string;
	accessKeyId: string;
	secretAccessKey: string;
	ingestBucket: string;
	siteBucket: string;
	logsBucket: string;
	table: string;
}

export interface StackOptions {
	/** Where DynamoDB and S3 keep their data, and where endpoints.json is written. */
	dataDir: string;
	/** Wipe `dataDir` first. */
	fresh?: boolean;
	/** Keep DynamoDB on disk; tests and benchmarks keep it in memory. */
	persist?: boolean;
	ports?: { s3?: number; dynamodb?: number; edge?: number };
	/** Seconds between publish sweeps, the local stand-in for the schedule. */
	sweepSeconds?: number;
	/** Called when a server dies on its own, after everything else is stopped. */
	onCrash?: (error: Error) => void;
}

export interface LocalStack {
	endpoints: Endpoints;
	/** True when this start created the table, i.e. the data is new. */
	created: boolean;
	s3: S3Client;
	dynamodb: DynamoDBDocumentClient;
	queue: LocalQueue;
	/** Resolves when every upload so far is ingested and published. */
	idle(): Promise<void>;
	stop(): Promise<void>;
}

export const defaultPorts = { s3: 4569, dynamodb: 8000, edge: 8080 };

// s3rver accepts only these credentials; DynamoDB Local (with -sharedDb) accepts any.
const CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };
const REGION = "us-east-1";
const NAMES = {
	ingestBucket: "syndicate-ingest",
	siteBucket: "syndicate-site",
	logsBucket: "syndicate-logs",
	table: "syndicate",
};
const INGEST_QUEUE_ARN = `arn:aws:sqs:${REGION}:000000000000:syndicate-ingest`;

/** The SDK settings that work against s3rver (TOOLCHAIN.md): path style, checksums only when required. */
export function localS3Client(endpoint: string): S3Client {
	return new S3Client({
		endpoint,
		region: REGION,
		credentials: CREDENTIALS,
		forcePathStyle: true,
		requestChecksumCalculation: "WHEN_REQUIRED",
		responseChecksumValidation: "WHEN_REQUIRED",
	});
}

export function localDynamoDbClient(endpoint: string): DynamoDBDocumentClient {
	return DynamoDBDocumentClient.from(
		new DynamoDBClient({ endpoint, region: REGION, credentials: CREDENTIALS }),
		{
			marshallOptions: { removeUndefinedValues: true },
		},
	);
}

async function ensureTable(client: DynamoDBDocumentClient, table: string): Promise<boolean> {
	try {
		await client.send(new CreateTableCommand(tableDefinition(table)));
	} catch (error) {
		if (error instanceof ResourceInUseException) return false;
		throw error;
	}
	await waitUntilTableExists({ client, maxWaitTime: 30 }, { TableName: table });
	return true;
}

async function ensureBucket(client: S3Client, bucket: string): Promise<void> {
	try {
		await client.send(new CreateBucketCommand({ Bucket: bucket }));
	} catch (error) {
		const name = (error as { name?: string }).name;
		if (name !== "BucketAlreadyOwnedByYou" && name !== "BucketAlreadyExists") throw error;
	}
}

/** Seeds partners and agreements from `examples/`, leaving any that exist alone. */
export async function seedExamples(
	dynamodb: DynamoDBDocumentClient,
	table: string,
	examplesDir: string,
): Promise<void> {
	const store = new DynamoDbAgreementStore(dynamodb, table);
	const partners = JSON.parse(
		await readFile(join(examplesDir, "partners.json"), "utf8"),
	) as Partner[];
	const agreements = JSON.parse(
		await readFile(join(examplesDir, "agreements.json"), "utf8"),
	) as Agreement[];
	for (const partner of partners) {
		if (!(await store.getPartner(partner.partnerId))) await store.putPartner(partner);
	}
	for (const agreement of agreements) {
		if (await store.getAgreement(agreement.agreementId)) continue;
		await store.putAgreement(agreement, {
			by: "local-seed",
			why: "demo agreement from examples/",
			at: new Date(),
		});
	}
}

/** Uploads bundle folders as zips under `incoming/{partnerId}/`, as a partner would. */
export async function uploadBundles(
	s3: S3Client,
	bucket: string,
	partnerId: string,
	folders: readonly string[],
): Promise<void> {
	for (const folder of folders) {
		const key = `incoming/${partnerId}/${folder.split("/").pop()}.zip`;
		await s3.send(
			new PutObjectCommand({
				Bucket: bucket,
				Key: key,
				Body: await packBundle(folder),
				ContentType: "application/zip",
			}),
		);
	}
}

/**
 * Starts the whole pipeline on this machine: DynamoDB Local, s3rver, the ingest handler fed
 * by S3 events through a local queue, the publish sweep, and the edge server.
 */
export async function startLocalStack(options: StackOptions): Promise<LocalStack> {
	const dataDir = resolve(options.dataDir);
	if (options.fresh) await rm(dataDir, { recursive: true, force: true });
	await mkdir(join(dataDir, "s3"), { recursive: true });
	await mkdir(join(dataDir, "dynamodb"), { recursive: true });
	const wanted = { ...defaultPorts, ...options.ports };
	const ports = {
		dynamodb: await claimPort(wanted.dynamodb, "DynamoDB Local", "SYNDICATE_DYNAMODB_PORT"),
		s3: await claimPort(wanted.s3, "S3 (s3rver)", "SYNDICATE_S3_PORT"),
		edge: await claimPort(wanted.edge, "edge server", "SYNDICATE_EDGE_PORT"),
	};

	const stops: (() => Promise<void>)[] = [];
	let stopping = false;
	const stop = async () => {
		stopping = true;
		for (const fn of stops.splice(0).reverse()) {
			await fn().catch((error: unknown) => console.error("while stopping:", error));
		}
	};
	try {
		const ddbLocal = await startDynamoDbLocal({
			port: ports.dynamodb,
			...(options.persist ? { dbPath: join(dataDir, "dynamodb") } : {}),
		});
		stops.push(ddbLocal.stop);
		ddbLocal.process.once("exit", (code, signal) => {
			if (stopping) return;
			void stop().then(() =>
				options.onCrash?.(new Error(`DynamoDB Local exited (code ${code}, signal ${signal})`)),
			);
		});

		const s3rver = new S3rver({
			address: "127.0.0.1",
			port: ports.s3,
			directory: join(dataDir, "s3"),
			silent: true,
		});
		await s3rver.run();
		stops.push(() => s3rver.close());

		const endpoints: Endpoints = {
			edgeUrl: `http://127.0.0.1:${ports.edge}`,
			s3Endpoint: `http://127.0.0.1:${ports.s3}`,
			dynamodbEndpoint: ddbLocal.endpoint,
			region: REGION,
			...CREDENTIALS,
			...NAMES,
		};
		const s3 = localS3Client(endpoints.s3Endpoint);
		const dynamodb = localDynamoDbClient(endpoints.dynamodbEndpoint);
		stops.push(async () => {
			s3.destroy();
			dynamodb.destroy();
		});
		for (const bucket of [NAMES.ingestBucket, NAMES.siteBucket, NAMES.logsBucket])
			await ensureBucket(s3, bucket);
		const created = await ensureTable(dynamodb, NAMES.table);
		await seedExamples(dynamodb, NAMES.table, resolve(import.meta.dirname, "../examples"));

		// The handlers read the same variables as in Lambda; the SDK reads the endpoint ones.
		Object.assign(process.env, {
			TABLE_NAME: NAMES.table,
			INGEST_BUCKET: NAMES.ingestBucket,
			SITE_BUCKET: NAMES.siteBucket,
			SITE_URL: endpoints.edgeUrl,
			AWS_REGION: REGION,
			AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
			AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
			AWS_ENDPOINT_URL_S3: endpoints.s3Endpoint,
			AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodbEndpoint,
			S3_FORCE_PATH_STYLE: "true",
			AWS_REQUEST_CHECKSUM_CALCULATION: "WHEN_REQUIRED",
			AWS_RESPONSE_CHECKSUM_VALIDATION: "WHEN_REQUIRED",
		});
		const ingest = (await import("../functions/ingest/handler.ts")).handler as unknown as (
			event: SQSEvent,
		) => Promise<SQSBatchResponse>;
		const publish = (await import("../functions/publish/handler.ts")).handler as unknown as (
			event: object,
		) => Promise<{ published: number }>;

		const queue = new LocalQueue(ingest, {
			maxReceiveCount: 3,
			retryDelayMs: 200,
			queueArn: INGEST_QUEUE_ARN,
		});
		stops.push(() => queue.drain());
		// s3rver is a Koa app, an EventEmitter; its types leave the 'event' event out.
		(s3rver as unknown as EventEmitter).on("event", (notification: S3Event) => {
			for (const record of notification.Records) {
				const { bucket, object } = record.s3;
				if (bucket.name !== NAMES.ingestBucket || !object.key.startsWith("incoming/")) continue;
				if (!record.eventName.startsWith("ObjectCreated:")) continue;
				// s3rver hands out raw keys; S3 sends them form-encoded, so encode as S3 does.
				const encoded = {
					...record,
					s3: { ...record.s3, object: { ...object, key: encodeS3EventKey(object.key) } },
				};
				queue.send(JSON.stringify({ Records: [encoded] }));
			}
		});

		const sweepMs = (options.sweepSeconds ?? 60) * 1000;
		const sweep = setInterval(() => {
			publish({}).catch((error: unknown) => console.error("publish sweep failed:", error));
		}, sweepMs);
		stops.push(async () => clearInterval(sweep));

		const edge = await startEdgeServer({ port: ports.edge, s3, bucket: NAMES.siteBucket });
		stops.push(edge.stop);

		await writeFile(join(dataDir, "endpoints.json"), `${JSON.stringify(endpoints, null, 2)}\n`);
		return { endpoints, created, s3, dynamodb, queue, idle: () => queue.drain(), stop };
	} catch (error) {
		await stop();
		throw error;
	}
}

/**
 * A throwaway stack for tests and benchmarks: free ports, a temporary folder, DynamoDB in
 * memory, no sweep. `stop()` also removes the folder.
 */
export async function startEphemeralStack(): Promise<LocalStack> {
	const dataDir = await mkdtemp(join(tmpdir(), "syndicate-"));
	try {
		const stack = await startLocalStack({
			dataDir,
			ports: { s3: 0, dynamodb: 0, edge: 0 },
			sweepSeconds: 3600,
		});
		return {
			...stack,
			async stop() {
				await stack.stop();
				await rm(dataDir, { recursive: true, force: true });
			},
		};
	} catch (error) {
		await rm(dataDir, { recursive: true, force: true });
		throw error;
	}
}
