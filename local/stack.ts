import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import {
	CreateTableCommand,
	ResourceInUseException,
	waitUntilTableExists,
} from "@aws-sdk/client-dynamodb";
import { CreateBucketCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { SQSBatchResponse, SQSEvent } from "aws-lambda";
import S3rver from "s3rver";
import { dynamoDbClient, s3Client } from "#shared/adapters/aws/clients.ts";
import type { Caller } from "#shared/adapters/aws/record-calls.ts";
import { DynamoDbAgreementChanges } from "#shared/adapters/dynamodb/dynamodb-agreement-changes.ts";
import { DynamoDbAgreementStore } from "#shared/adapters/dynamodb/dynamodb-agreement-store.ts";
import { DynamoDbPublishLedger } from "#shared/adapters/dynamodb/dynamodb-publish-ledger.ts";
import { DynamoDbUploadStore } from "#shared/adapters/dynamodb/dynamodb-upload-store.ts";
import { tableDefinition } from "#shared/adapters/dynamodb/table.ts";
import type { Agreement, Partner } from "#shared/domain/agreement.ts";
import { notifiedObjectsOf } from "#shared/domain/notified-objects.ts";
import { policyTargetIds } from "#shared/domain/targets.ts";
import { makeReconcileUploads, type ReconcileResult } from "#shared/use-cases/reconcile-uploads.ts";
import { dataPaths } from "./data-dir.ts";
import {
	type DynamoDbLocal,
	startDynamoDbLocal,
	stopOrphanDynamoDbLocal,
} from "./dynamodb-local.ts";
import { type EdgeServer, startEdgeServer } from "./edge-server.ts";
import { LocalQueue, type LocalQueueOptions } from "./event-queue.ts";
import { type FunctionShape, functionShapes } from "./function-shapes.ts";
import { type HealthProbe, makeHealthProbe } from "./health.ts";
import { buildFunctions, defaultBuildDir } from "./lambda-build.ts";
import { DEFAULT_LAMBDA_CONCURRENCY, localFunctions, shapeOf } from "./lambda-functions.ts";
import { type LambdaFunction, scheduledEvent } from "./lambda-runtime.ts";
import { LocalUploadInventory } from "./local-upload-inventory.ts";
import { announceMultiDeletes } from "./multi-delete-events.ts";
import { packBundle } from "./pack-bundle.ts";
import { isRunning, pidRecordOf, readPidFile, removePidFile, writePidFile } from "./pid-file.ts";
import { claimPort } from "./ports.ts";
import { listMessages } from "./queue-folder.ts";
import { deleteWithoutBlocking } from "./s3rver-deletes.ts";
import { behaveLikeS3 } from "./s3rver-keys.ts";
import { LocalVersionStore } from "./version-store.ts";
import { type VersionedUploads, versionUploads } from "./versioned-uploads.ts";

type SqsHandler = (event: SQSEvent) => Promise<SQSBatchResponse>;

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
	/** The stack's data folder: its queue, dead letters and upload versions are under it. */
	dataDir: string;
	/** The WebSub hub the stack's feeds link, so the CLI's publishes link it too. */
	hubUrl?: string;
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
	/** Seconds between view aggregations (access logs to Most Viewed), the stand-in for its schedule. */
	viewsSeconds?: number;
	/**
	 * Called when a server dies on its own for good, after everything else is stopped.
	 * (DynamoDB Local kept on disk is started again, up to three times a minute.)
	 */
	onCrash?: (error: Error) => void;
	/** How long `stop()` lets the queue drain before leaving the rest on disk. */
	drainDeadlineMs?: number;
	/** Aborting it while the stack starts stops what has started; the start then rejects. */
	signal?: AbortSignal;
	/**
	 * How the functions run. `lambda` (the default): as in AWS, each bundled as deployed and run
	 * in containers (processes) of its own, shaped by the synthesized template: ingest gets SQS
	 * batches as its event source mapping delivers them, publish and views scheduled events.
	 * `in-process`: the handlers imported into this process, one message per invocation, up
	 * to 64 at once (the faster choice of most tests).
	 */
	runtime?: "lambda" | "in-process";
	/** Lambda runtime: the most containers per function (default 4, never above the template's). */
	lambdaConcurrency?: number;
	/**
	 * Lambda runtime: how long a failed message waits before its next receive, instead of the
	 * queue's VisibilityTimeout in the template (360 s).
	 */
	visibilityTimeoutSeconds?: number;
	/** Lambda runtime: where the functions are built and the template's shapes cached. */
	buildDir?: string;
	/** Lambda runtime: debug lines (cold starts with their init ms, replaced containers). */
	debug?: (line: string) => void;
	/** A WebSub hub (checked by the caller): every feed links it, every publish tells it. */
	hubUrl?: string;
}

/** What a start found and did before it resolved. */
export interface Recovery {
	/** Messages the last run left queued, delivered first. */
	backlog: number;
	reconciled: ReconcileResult;
	/** Targets the start's publish sweep published. */
	published: number;
	/** From the start of `startLocalStack` until it was ready. */
	ms: number;
}

export interface LocalStack {
	endpoints: Endpoints;
	/** True when this start created the table, i.e. the data is new. */
	created: boolean;
	s3: S3Client;
	dynamodb: DynamoDBDocumentClient;
	queue: LocalQueue;
	recovery: Recovery;
	runtime: "lambda" | "in-process";
	/** Lambda runtime: each function by its construct id (`Ingest`, `Publish`, `Views`). */
	functions: Map<string, LambdaFunction>;
	/** Lambda runtime: the functions' shapes as the template declares them. */
	shapes: FunctionShape[];
	/** Resolves when every upload so far is ingested and published. */
	idle(): Promise<void>;
	/** Runs the schedule once now, as its timer does; how many targets it published. */
	sweep(): Promise<number>;
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
export function localS3Client(endpoint: string, caller: Caller = "local"): S3Client {
	return s3Client(caller, {
		endpoint,
		region: REGION,
		credentials: CREDENTIALS,
		forcePathStyle: true,
		requestChecksumCalculation: "WHEN_REQUIRED",
		responseChecksumValidation: "WHEN_REQUIRED",
	});
}

export function localDynamoDbClient(
	endpoint: string,
	caller: Caller = "local",
): DynamoDBDocumentClient {
	return dynamoDbClient(caller, { endpoint, region: REGION, credentials: CREDENTIALS });
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
		const revision = await store.putAgreement(agreement, {
			at: new Date(),
			action: "grant",
			by: "local-seed",
			reason: "demo agreement from examples/",
		});
		// Seeded before any article exists: there is nothing for the schedule to decide again.
		await new DynamoDbAgreementChanges(dynamodb, table).settleChange(
			agreement.agreementId,
			revision,
		);
		// Its ODRL policy, as a grant publishes it: the start's sweep renders what is requested.
		const ledger = new DynamoDbPublishLedger(dynamodb, table);
		for (const id of policyTargetIds(agreement.agreementId)) await ledger.request(id);
	}
}

/**
 * The example bundles (examples/bundles) `npm start` uploads as science-news into a new stack:
 * two published translations and one pending on an agreement not granted yet (README).
 */
export const FIRST_BUNDLES = ["hitachi-china-en", "hitachi-china-zh", "pending-unknown-agreement"];

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

/** The uploads' size from their S3 notification: about what their ingest holds in memory. */
export function uploadBytesOf(body: string): number {
	return notifiedObjectsOf(body).reduce((sum, { size }) => sum + Math.max(size ?? 0, 0), 0);
}

/** Another `npm start` runs on the same data folder. */
export class StackRunningError extends Error {
	constructor(
		readonly pid: number,
		readonly dataDir: string,
	) {
		super(`Another local stack (pid ${pid}) is running on ${dataDir}. Stop it first (Ctrl-C).`);
		this.name = "StackRunningError";
	}
}

function closeS3rver(s3rver: S3rver): Promise<void> {
	const server = (s3rver as unknown as { httpServer?: Server }).httpServer;
	if (!server?.listening) return Promise.resolve();
	const closed = new Promise<void>((resolve) => server.close(() => resolve()));
	// Keep-alive sockets would hold close() open for seconds.
	server.closeAllConnections();
	return closed;
}

/**
 * Starts the whole pipeline on this machine: DynamoDB Local, s3rver with versioned uploads,
 * the ingest handler fed by S3 notifications through a queue kept on disk, the publish
 * sweep, and the edge server. Before it resolves it recovers what the last run left: it
 * delivers the queued messages, queues every upload that has no record yet (reconcile) and
 * sweeps the publish targets once.
 */
export async function startLocalStack(options: StackOptions): Promise<LocalStack> {
	const started = Date.now();
	const dataDir = resolve(options.dataDir);
	const paths = dataPaths(dataDir);
	const running = await readPidFile(paths.stackPid);
	if (running && running.pid !== process.pid && isRunning(running))
		throw new StackRunningError(running.pid, dataDir);
	// A killed `npm start` leaves its Java running, port and all: stop it, but only it.
	const orphan = await stopOrphanDynamoDbLocal(paths.dynamodbPid);
	if (orphan !== undefined)
		console.error(
			`Stopped DynamoDB Local (pid ${orphan}), left running by a start that was killed.`,
		);
	if (options.fresh) await rm(dataDir, { recursive: true, force: true });
	const runtime = options.runtime ?? "lambda";
	// Built and read from the template while the servers start.
	const buildDir = options.buildDir ?? defaultBuildDir;
	const lambdaReady =
		runtime === "lambda"
			? Promise.all([functionShapes(buildDir), buildFunctions(buildDir)])
			: undefined;
	lambdaReady?.catch(() => undefined);
	await mkdir(paths.s3, { recursive: true });
	await mkdir(paths.dynamodb, { recursive: true });
	await rm(paths.endpoints, { force: true });
	const wanted = { ...defaultPorts, ...options.ports };
	const ports = {
		dynamodb: await claimPort(wanted.dynamodb, "DynamoDB Local", "SYNDICATE_DYNAMODB_PORT"),
		s3: await claimPort(wanted.s3, "S3 (s3rver)", "SYNDICATE_S3_PORT"),
		edge: await claimPort(wanted.edge, "edge server", "SYNDICATE_EDGE_PORT"),
	};
	await writePidFile(paths.stackPid, pidRecordOf(process.pid));
	const dynamodbOptions = {
		port: ports.dynamodb,
		pidFile: paths.dynamodbPid,
		...(options.persist ? { dbPath: paths.dynamodb } : {}),
	};

	let ddbLocal: DynamoDbLocal | undefined;
	let s3rver: S3rver | undefined;
	let uploadsGate: VersionedUploads | undefined;
	let queue: LocalQueue | undefined;
	let health: HealthProbe | undefined;
	let clients: { s3: S3Client; dynamodb: DynamoDBDocumentClient } | undefined;
	let sweepTimer: NodeJS.Timeout | undefined;
	let viewsTimer: NodeJS.Timeout | undefined;
	let aggregating: Promise<unknown> | undefined;
	let edge: EdgeServer | undefined;
	let functions = new Map<string, LambdaFunction>();
	let stopRequested = false;
	let stopped: Promise<void> = Promise.resolve();
	const stopping = () => stopRequested;
	const step = (what: string, fn: () => Promise<unknown>) =>
		fn().catch((error: unknown) => console.error(`while stopping ${what}:`, error));

	/**
	 * Uploads are refused first; the queue drains for at most `drainDeadlineMs` and whatever
	 * is left stays on disk for the next start; then the servers stop. Each part is stopped
	 * once; a part started after a stop (an abort mid-start) is stopped by the next call.
	 */
	async function shutdown(): Promise<void> {
		uploadsGate?.stopAccepting();
		const queued = queue;
		queue = undefined;
		if (queued) await step("the queue", () => queued.stop(options.drainDeadlineMs ?? 5000));
		clearInterval(sweepTimer);
		clearInterval(viewsTimer);
		// A run cut off mid-way would only log errors; its work is safe to finish or repeat.
		if (aggregating) await step("the view aggregation", () => aggregating ?? Promise.resolve());
		if (sweeping) await step("the publish sweep", () => sweeping ?? Promise.resolve());
		const containers = [...functions.values()];
		functions = new Map();
		await step("the functions' containers", () => Promise.all(containers.map((f) => f.stop())));
		const edgeServer = edge;
		edge = undefined;
		if (edgeServer) await step("the edge server", edgeServer.stop);
		const s3Server = s3rver;
		s3rver = undefined;
		if (s3Server) await step("s3rver", () => closeS3rver(s3Server));
		health?.close();
		health = undefined;
		clients?.s3.destroy();
		clients?.dynamodb.destroy();
		clients = undefined;
		const dynamodbLocal = ddbLocal;
		ddbLocal = undefined;
		if (dynamodbLocal) await step("DynamoDB Local", dynamodbLocal.stop);
		await removePidFile(paths.stackPid, process.pid);
	}
	const stop = (): Promise<void> => {
		stopRequested = true;
		stopped = stopped.then(shutdown);
		return stopped;
	};
	/** Ends a start that was stopped meanwhile (Ctrl-C while starting). */
	const checkNotStopped = () => {
		if (stopping()) throw new Error("the stack was stopped while it started");
	};

	let sweeping: Promise<number> | undefined;
	let publish: ((event: object) => Promise<{ published: number }>) | undefined;
	/** One publish sweep at a time, as the schedule would run it. */
	const sweep = (): Promise<number> => {
		const run = publish;
		if (!run) return Promise.resolve(0);
		sweeping ??= run(scheduledEvent(REGION, "publish-schedule"))
			.then(
				({ published }) => published,
				(error: unknown) => {
					console.error("publish sweep failed:", error);
					return 0;
				},
			)
			.finally(() => {
				sweeping = undefined;
			});
		return sweeping;
	};

	const restarts: number[] = [];
	/**
	 * DynamoDB Local died on its own: start it again on the same port and data, while the
	 * queue holds its messages. In memory there is nothing to come back to, and more than
	 * three deaths a minute is no accident: then everything stops (`onCrash`).
	 */
	const supervise = (local: DynamoDbLocal) => {
		local.process.once("exit", (code, signal) => {
			if (stopping()) return;
			const why = `DynamoDB Local exited (code ${code}, signal ${signal})`;
			const now = Date.now();
			restarts.push(now);
			while (restarts.length > 0 && now - (restarts[0] ?? now) > 60_000) restarts.shift();
			if (!options.persist || restarts.length > 3) {
				void stop().then(() => options.onCrash?.(new Error(why)));
				return;
			}
			console.error(`${why}; starting it again. Uploads wait in the queue meanwhile.`);
			startDynamoDbLocal(dynamodbOptions).then(
				async (restarted) => {
					ddbLocal = restarted;
					supervise(restarted);
					if (stopping()) return restarted.stop();
					console.error(
						`DynamoDB Local is back after ${((Date.now() - now) / 1000).toFixed(1)} s.`,
					);
					queue?.probeNow();
					// A publish the crash cut off left its change pending: publish it now, not in a minute.
					await sweep();
				},
				(error: unknown) => {
					void stop().then(() =>
						options.onCrash?.(new Error(`${why}; it did not start again`, { cause: error })),
					);
				},
			);
		});
	};

	const abortStart = () => void stop();
	options.signal?.addEventListener("abort", abortStart, { once: true });
	try {
		if (options.signal?.aborted) throw new Error("the start was aborted");
		ddbLocal = await startDynamoDbLocal(dynamodbOptions);
		supervise(ddbLocal);
		checkNotStopped();

		const endpoints: Endpoints = {
			edgeUrl: `http://127.0.0.1:${ports.edge}`,
			s3Endpoint: `http://127.0.0.1:${ports.s3}`,
			dynamodbEndpoint: ddbLocal.endpoint,
			region: REGION,
			...CREDENTIALS,
			...NAMES,
			dataDir,
			...(options.hubUrl ? { hubUrl: options.hubUrl } : {}),
		};
		const versions = new LocalVersionStore(paths.versions);
		const [shapes, build] = lambdaReady ? await lambdaReady : [undefined, undefined];
		if (shapes && build)
			options.debug?.(
				`function shapes ${shapes.cached ? "from the cache" : `synthesized in ${shapes.synthMs} ms`}; bundles ${build.built ? "built" : "unchanged"} (${build.ms} ms)`,
			);
		checkNotStopped();
		const ingestQueue = shapes && shapeOf(shapes.functions, "Ingest").queue;
		if (shapes && !ingestQueue)
			throw new Error("the template's Ingest function has no SQS event source");
		const lambdaConcurrency = options.lambdaConcurrency ?? DEFAULT_LAMBDA_CONCURRENCY;
		const queueShape: Pick<
			LocalQueueOptions,
			| "concurrency"
			| "batchSize"
			| "maxReceiveCount"
			| "visibilityTimeoutMs"
			| "reportBatchItemFailures"
			| "sizeOf"
			| "maxBytesInFlight"
		> = ingestQueue
			? {
					// As the event source mapping delivers: batches of BatchSize, at most
					// MaximumConcurrency at once (capped locally), failed messages back after the
					// visibility timeout, dead-lettered after the redrive policy's maxReceiveCount.
					concurrency: Math.max(1, Math.min(ingestQueue.maxConcurrency, lambdaConcurrency)),
					batchSize: ingestQueue.batchSize,
					maxReceiveCount: ingestQueue.maxReceiveCount,
					visibilityTimeoutMs:
						(options.visibilityTimeoutSeconds ?? ingestQueue.visibilityTimeoutSeconds) * 1000,
					reportBatchItemFailures: ingestQueue.reportBatchItemFailures,
				}
			: {
					maxReceiveCount: 3,
					// Lambda takes up to 100 at once here (batches of 5, 20 concurrent invocations). More
					// at once share more of each publish: a 300-upload burst measured 28 s at 8, 21 s at
					// 32; a 1,000-upload burst 33-41 s at 32, 27-34 s at 64. A laptop's memory is the
					// bound for large bundles: while those in flight add up to 256 MiB, the next waits.
					concurrency: 64,
					sizeOf: uploadBytesOf,
					maxBytesInFlight: 256 * 1024 * 1024,
				};
		// The ingest handler is imported below, once the variables it reads are set; messages
		// queued before then wait on disk like any other.
		let ingest: SqsHandler = async () => {
			throw new Error("the ingest handler is not loaded yet");
		};
		const localQueue = new LocalQueue((event) => ingest(event), {
			folder: paths.queue,
			deadLetterFolder: paths.deadLetters,
			retryDelayMs: 200,
			queueArn: INGEST_QUEUE_ARN,
			...queueShape,
			probe: () => health?.check() ?? Promise.resolve(undefined),
		});
		queue = localQueue;

		s3rver = new S3rver({
			address: "127.0.0.1",
			// Asked for any free port, s3rver binds port 0 itself: a port found free a moment
			// before can be taken meanwhile, and s3rver's listen error is uncatchable (it has no
			// 'error' listener), so it would crash the process instead of failing the start.
			port: wanted.s3 === 0 ? 0 : ports.s3,
			directory: paths.s3,
			silent: true,
		});
		// First: what wraps the store after it sees literal keys and paged listings.
		behaveLikeS3(s3rver);
		uploadsGate = await versionUploads(s3rver, {
			bucket: NAMES.ingestBucket,
			prefix: "incoming/",
			region: REGION,
			versions,
			notify: (body) => localQueue.send(body),
		});
		announceMultiDeletes(s3rver);
		deleteWithoutBlocking(s3rver);
		const listening = (await s3rver.run()) as AddressInfo;
		endpoints.s3Endpoint = `http://127.0.0.1:${listening.port}`;
		checkNotStopped();

		const s3 = localS3Client(endpoints.s3Endpoint);
		const dynamodb = localDynamoDbClient(endpoints.dynamodbEndpoint);
		clients = { s3, dynamodb };
		health = makeHealthProbe({
			dynamodbEndpoint: endpoints.dynamodbEndpoint,
			s3Endpoint: endpoints.s3Endpoint,
			bucket: NAMES.ingestBucket,
			region: REGION,
			credentials: CREDENTIALS,
		});
		for (const bucket of [NAMES.ingestBucket, NAMES.siteBucket, NAMES.logsBucket])
			await ensureBucket(s3, bucket);
		const created = await ensureTable(dynamodb, NAMES.table);
		await seedExamples(dynamodb, NAMES.table, resolve(import.meta.dirname, "../examples"));
		checkNotStopped();

		// The SDK reads the endpoint variables: the functions' clients find the local servers.
		const sdkVariables = {
			AWS_REGION: REGION,
			AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
			AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
			AWS_ENDPOINT_URL_S3: endpoints.s3Endpoint,
			AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodbEndpoint,
			S3_FORCE_PATH_STYLE: "true",
			AWS_REQUEST_CHECKSUM_CALCULATION: "WHEN_REQUIRED",
			AWS_RESPONSE_CHECKSUM_VALIDATION: "WHEN_REQUIRED",
		};
		let aggregate: (event: object) => Promise<unknown>;
		if (shapes && build) {
			functions = localFunctions(
				shapes.functions,
				build,
				{
					buckets: { Ingest: NAMES.ingestBucket, Site: NAMES.siteBucket, Logs: NAMES.logsBucket },
					table: NAMES.table,
					siteUrl: endpoints.edgeUrl,
					region: REGION,
					sdk: sdkVariables,
					...(options.hubUrl ? { hubUrl: options.hubUrl } : {}),
				},
				{ maxContainers: lambdaConcurrency, ...(options.debug ? { debug: options.debug } : {}) },
			);
			const invoker = (id: string) => {
				const fn = functions.get(id);
				if (!fn) throw new Error(`no local function ${id}`);
				return (event: object) => fn.invoke(event);
			};
			ingest = invoker("Ingest") as SqsHandler;
			publish = invoker("Publish") as (event: object) => Promise<{ published: number }>;
			aggregate = invoker("Views");
		} else {
			// The handlers read the same variables as in Lambda.
			Object.assign(process.env, {
				TABLE_NAME: NAMES.table,
				INGEST_BUCKET: NAMES.ingestBucket,
				SITE_BUCKET: NAMES.siteBucket,
				LOGS_BUCKET: NAMES.logsBucket,
				SITE_URL: endpoints.edgeUrl,
				...sdkVariables,
				// CloudWatch reads metrics from the logs in AWS; locally they would only bury the logs.
				POWERTOOLS_METRICS_DISABLED: process.env.POWERTOOLS_METRICS_DISABLED ?? "true",
				...(options.hubUrl ? { HUB_URL: options.hubUrl } : {}),
			});
			ingest = (await import("../functions/ingest/handler.ts")).handler as unknown as SqsHandler;
			publish = (await import("../functions/publish/handler.ts")).handler as unknown as (
				event: object,
			) => Promise<{ published: number }>;
			aggregate = (await import("../functions/views/handler.ts")).handler as unknown as (
				event: object,
			) => Promise<unknown>;
		}

		edge = await startEdgeServer({
			port: ports.edge,
			s3,
			bucket: NAMES.siteBucket,
			logs: { bucket: NAMES.logsBucket },
			objectEvents: s3rver,
		});
		await writeFile(paths.endpoints, `${JSON.stringify(endpoints, null, 2)}\n`);

		// What the last run left: its queued messages, then any upload without a record (its
		// message was never written, or was dead-lettered), then targets a publish left dirty.
		const backlog = (await listMessages(paths.queue)).length;
		await localQueue.start();
		await localQueue.drain();
		const reconcileUploads = makeReconcileUploads({
			inventory: new LocalUploadInventory(versions),
			uploads: new DynamoDbUploadStore(dynamodb, NAMES.table),
			queue: localQueue,
			bucket: NAMES.ingestBucket,
			region: REGION,
		});
		const reconciled = await reconcileUploads();
		await localQueue.drain();
		const published = await sweep();
		const recovery: Recovery = { backlog, reconciled, published, ms: Date.now() - started };

		checkNotStopped();
		options.signal?.removeEventListener("abort", abortStart);
		const sweepMs = (options.sweepSeconds ?? 3) * 1000;
		sweepTimer = setInterval(() => void sweep(), sweepMs);
		// The view aggregator's schedule: one run at a time, as a rate-scheduled Lambda with a
		// reserved concurrency of one would run it (a second one would only find it all counted).
		viewsTimer = setInterval(
			() => {
				aggregating ??= aggregate(scheduledEvent(REGION, "views-schedule"))
					.catch((error: unknown) => console.error("view aggregation failed:", error))
					.finally(() => {
						aggregating = undefined;
					});
			},
			(options.viewsSeconds ?? 10) * 1000,
		);

		return {
			endpoints,
			created,
			s3,
			dynamodb,
			queue: localQueue,
			recovery,
			runtime,
			functions,
			shapes: shapes?.functions ?? [],
			idle: () => localQueue.drain(),
			sweep,
			stop,
		};
	} catch (error) {
		await stop();
		throw error;
	}
}

/** What a throwaway stack may be started with; the functions run in-process unless told. */
export type EphemeralStackOptions = Pick<
	StackOptions,
	"runtime" | "lambdaConcurrency" | "visibilityTimeoutSeconds" | "buildDir" | "debug" | "hubUrl"
>;

/**
 * A throwaway stack for tests and benchmarks: free ports, a temporary folder, DynamoDB in
 * memory, no sweep, the handlers in this process unless `runtime: "lambda"`. `stop()` also
 * removes the folder.
 */
export async function startEphemeralStack(
	options: EphemeralStackOptions = {},
): Promise<LocalStack> {
	// A free port is found, then bound a moment later: another process (a parallel test
	// file's servers) can take it in between. A fresh set of ports is the cure.
	for (let attempt = 1; ; attempt++) {
		try {
			return await startEphemeralStackOnce(options);
		} catch (error) {
			// Node says EADDRINUSE; DynamoDB Local's Java, on its stderr, "Address already in use".
			const taken = /EADDRINUSE|Address already in use/.test(String((error as Error)?.message));
			if (attempt >= 3 || !taken) throw error;
		}
	}
}

async function startEphemeralStackOnce(options: EphemeralStackOptions): Promise<LocalStack> {
	const dataDir = await mkdtemp(join(tmpdir(), "syndicate-"));
	try {
		const stack = await startLocalStack({
			dataDir,
			ports: { s3: 0, dynamodb: 0, edge: 0 },
			sweepSeconds: 3600,
			viewsSeconds: 3600,
			runtime: "in-process",
			...options,
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
