import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SQSBatchResponse, SQSEvent } from "aws-lambda";
import { build } from "esbuild";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { functionBuildOptions } from "../../infra/bundling.ts";
import { LocalQueue } from "../../local/event-queue.ts";
import { type FunctionShape, functionShapes } from "../../local/function-shapes.ts";
import { buildFunctions, defaultBuildDir, type FunctionBuild } from "../../local/lambda-build.ts";
import { localEnvironment } from "../../local/lambda-functions.ts";
import {
	LambdaFunction,
	type LambdaFunctionOptions,
	scheduledEvent,
} from "../../local/lambda-runtime.ts";
import { enqueueMessage } from "../../local/queue-folder.ts";
import type { Order } from "./lambda-fixture.ts";

interface Answer extends SQSBatchResponse {
	containerId: string;
	pid: number;
	invocations: number;
	mostActive: number;
	ids: string[];
	context: {
		functionName: string;
		awsRequestId: string;
		logStreamName: string;
		remainingMs: number;
	};
	env: Record<string, string | undefined>;
}

let dir: string;
let built: FunctionBuild;
let fixture: string;
let shapes: FunctionShape[];
const functions: LambdaFunction[] = [];
const queues: LocalQueue[] = [];

beforeAll(async () => {
	dir = await mkdtemp(join(tmpdir(), "lambda-runtime-"));
	// The shim as the stack builds it; the fixture with the deployed functions' options.
	[built, { functions: shapes }] = await Promise.all([
		buildFunctions(),
		functionShapes(defaultBuildDir),
	]);
	fixture = join(dir, "fixture", "index.mjs");
	await build({
		...functionBuildOptions(join(import.meta.dirname, "lambda-fixture.ts"), fixture),
		metafile: false,
	});
}, 120_000);
afterEach(async () => {
	for (const queue of queues.splice(0)) await queue.stop(0);
	for (const fn of functions.splice(0)) await fn.stop();
});
afterAll(() => rm(dir, { recursive: true, force: true }));

function makeFunction(options: Partial<LambdaFunctionOptions> = {}): LambdaFunction {
	const fn = new LambdaFunction({
		functionName: "Syndicate-test-Fixture",
		bundle: fixture,
		handler: "index.handler",
		shim: built.shim,
		timeoutSeconds: 10,
		memorySize: 256,
		runtime: "nodejs24.x",
		region: "us-east-1",
		environment: { TABLE_NAME: "fixture-table" },
		maxContainers: 2,
		...options,
	});
	functions.push(fn);
	return fn;
}

let sequence = 0;
function sqsEvent(...orders: Order[]): SQSEvent {
	return {
		Records: orders.map((order) => ({
			messageId: `m-${++sequence}`,
			receiptHandle: "r",
			body: JSON.stringify(order),
			attributes: {
				ApproximateReceiveCount: "1",
				SentTimestamp: "0",
				SenderId: "test",
				ApproximateFirstReceiveTimestamp: "0",
			},
			messageAttributes: {},
			md5OfBody: "",
			eventSource: "aws:sqs",
			eventSourceARN: "arn:aws:sqs:us-east-1:000000000000:test",
			awsRegion: "us-east-1",
		})),
	};
}

/** A queue that feeds this function as the event source mapping does; what each invocation answered. */
function feed(fn: LambdaFunction, options: { batchSize: number; maxReceiveCount?: number }) {
	const answers: Answer[] = [];
	const received = new Map<string, number>();
	const queue = new LocalQueue(
		async (event) => {
			for (const record of event.Records) {
				const { id } = JSON.parse(record.body) as Order;
				received.set(id, (received.get(id) ?? 0) + 1);
			}
			const answer = (await fn.invoke(event)) as Answer;
			answers.push(answer);
			return answer;
		},
		{
			folder: join(dir, `queue-${sequence}`),
			deadLetterFolder: join(dir, `dlq-${sequence++}`),
			maxReceiveCount: options.maxReceiveCount ?? 3,
			retryDelayMs: 10,
			visibilityTimeoutMs: 50,
			queueArn: "arn:aws:sqs:us-east-1:000000000000:test",
			pollMs: 20,
			batchSize: options.batchSize,
			concurrency: fn.options.maxContainers,
		},
	);
	queues.push(queue);
	const send = (...orders: Order[]) =>
		Promise.all(orders.map((order) => enqueueMessage(queue.folderOf, JSON.stringify(order))));
	return { queue, answers, received, send };
}

describe("the functions' shapes, from the synthesized template", () => {
	it("reads ingest's event source mapping and queue, and the schedules' rates", () => {
		const byId = new Map(shapes.map((shape) => [shape.id, shape]));
		expect(byId.get("Ingest")).toMatchObject({
			handler: "index.handler",
			timeoutSeconds: 60,
			queue: {
				batchSize: 5,
				maxConcurrency: 20,
				reportBatchItemFailures: true,
				visibilityTimeoutSeconds: 360,
				maxReceiveCount: 5,
			},
		});
		expect(byId.get("Publish")?.schedule).toMatchObject({ rateSeconds: 60 });
		expect(byId.get("Views")?.schedule).toMatchObject({ rateSeconds: 900 });
	});

	it("maps the template's references to the local names, and passes nothing else of this process", () => {
		const ingest = shapes.find((shape) => shape.id === "Ingest");
		if (!ingest) throw new Error("no Ingest");
		const environment = localEnvironment(ingest, {
			buckets: { Ingest: "i", Site: "s", Logs: "l" },
			table: "t",
			siteUrl: "http://127.0.0.1:1",
			region: "us-east-1",
			sdk: { AWS_ENDPOINT_URL_S3: "http://127.0.0.1:2" },
		});
		expect(environment).toMatchObject({
			STAGE: "dev",
			INGEST_BUCKET: "i",
			SITE_BUCKET: "s",
			LOGS_BUCKET: "l",
			TABLE_NAME: "t",
			SITE_URL: "http://127.0.0.1:1",
			POWERTOOLS_SERVICE_NAME: "syndicate-ingest",
			AWS_ENDPOINT_URL_S3: "http://127.0.0.1:2",
		});
		expect(environment).not.toHaveProperty("DISTRIBUTION_ID");
		expect(environment).not.toHaveProperty("HOME");
	});
});

describe("the schedules' events", () => {
	it("are shaped as EventBridge sends a rule's target", () => {
		const event = scheduledEvent("us-east-1", "publish-schedule");
		expect(event).toEqual({
			version: "0",
			id: expect.stringMatching(/^[0-9a-f-]{36}$/),
			"detail-type": "Scheduled Event",
			source: "aws.events",
			account: "000000000000",
			time: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/),
			region: "us-east-1",
			resources: ["arn:aws:events:us-east-1:000000000000:rule/publish-schedule"],
			detail: {},
		});
	});
});

describe("the local Lambda runtime", () => {
	it("keeps module state per container: two containers, each with its own id, process and count", async () => {
		const fn = makeFunction({ maxContainers: 2 });
		const answers = (await Promise.all(
			Array.from({ length: 6 }, (_, i) => fn.invoke(sqsEvent({ id: `a${i}`, sleepMs: 100 }))),
		)) as Answer[];
		const containers = new Map<string, number[]>();
		for (const answer of answers)
			containers.set(answer.containerId, [
				...(containers.get(answer.containerId) ?? []),
				answer.invocations,
			]);
		expect(containers.size).toBe(2);
		expect(new Set(answers.map((a) => a.pid)).size).toBe(2);
		expect(new Set(answers.map((a) => a.pid))).not.toContain(process.pid);
		// Each container counts its own invocations (1, 2, … in each), not 1..6 in one.
		const counts = [...containers.values()].map((c) => c.sort((a, b) => a - b));
		for (const c of counts) expect(c).toEqual(Array.from({ length: c.length }, (_, i) => i + 1));
		expect(counts.flat()).toHaveLength(6);
		expect(fn.stats).toMatchObject({ coldStarts: 2, replaced: 0, invocations: 6, mostAtOnce: 2 });
	});

	it("runs one invocation at a time per container, with a Lambda context and the function's environment only", async () => {
		const fn = makeFunction({ maxContainers: 1, timeoutSeconds: 5 });
		const answers = (await Promise.all(
			Array.from({ length: 5 }, (_, i) => fn.invoke(sqsEvent({ id: `b${i}`, sleepMs: 30 }))),
		)) as Answer[];
		expect(answers.map((a) => a.mostActive)).toEqual([1, 1, 1, 1, 1]);
		expect(answers.map((a) => a.invocations).sort()).toEqual([1, 2, 3, 4, 5]);
		const [first] = answers;
		expect(first?.context.functionName).toBe("Syndicate-test-Fixture");
		expect(first?.context.remainingMs).toBeGreaterThan(0);
		expect(first?.context.remainingMs).toBeLessThanOrEqual(5000);
		expect(new Set(answers.map((a) => a.context.awsRequestId)).size).toBe(5);
		expect(first?.env).toEqual({
			AWS_LAMBDA_FUNCTION_NAME: "Syndicate-test-Fixture",
			AWS_LAMBDA_LOG_STREAM_NAME: first?.context.logStreamName,
			TABLE_NAME: "fixture-table",
			HOME: undefined,
		});
		expect(first?.context.logStreamName).toMatch(/^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32}$/);
	});

	it("delivers batches of at most batchSize, with no more invocations at once than the cap", async () => {
		const fn = makeFunction({ maxContainers: 3 });
		const { queue, answers, received, send } = feed(fn, { batchSize: 5 });
		const ids = Array.from({ length: 23 }, (_, i) => `c${i}`);
		await send(...ids.map((id) => ({ id, sleepMs: 20 })));
		await queue.start();
		await queue.drain();
		expect(answers.every((a) => a.ids.length >= 1 && a.ids.length <= 5)).toBe(true);
		expect(answers.some((a) => a.ids.length === 5)).toBe(true);
		expect(answers.flatMap((a) => a.ids).sort()).toEqual([...ids].sort());
		expect([...received.values()].every((n) => n === 1)).toBe(true);
		expect(fn.stats.mostAtOnce).toBeLessThanOrEqual(3);
		expect(fn.stats.coldStarts).toBeLessThanOrEqual(3);
		expect(queue.deadLetters).toEqual([]);
	});

	it("retries only the failed message of a batch, and dead-letters it after maxReceiveCount receives", async () => {
		const fn = makeFunction({ maxContainers: 1 });
		const { queue, answers, received, send } = feed(fn, { batchSize: 5, maxReceiveCount: 3 });
		await send({ id: "ok-1" }, { id: "bad", fail: true }, { id: "ok-2" });
		await queue.start();
		await queue.drain();
		expect(answers[0]?.ids).toEqual(["ok-1", "bad", "ok-2"]);
		expect(Object.fromEntries(received)).toEqual({ "ok-1": 1, bad: 3, "ok-2": 1 });
		expect(answers.slice(1).map((a) => a.ids)).toEqual([["bad"], ["bad"]]);
		expect(queue.deadLetters).toEqual([
			expect.objectContaining({ receiveCount: 3, body: expect.stringContaining('"bad"') }),
		]);
	});

	it("replaces a container that crashes; its batch comes back after the visibility timeout", async () => {
		const fn = makeFunction({ maxContainers: 1 });
		const { queue, answers, received, send } = feed(fn, { batchSize: 5 });
		await send({ id: "crasher", crashOnReceive: [1] }, { id: "bystander" });
		await queue.start();
		await queue.drain();
		// The whole batch failed with its container, and came back: both received twice.
		expect(Object.fromEntries(received)).toEqual({ crasher: 2, bystander: 2 });
		// Only the second receives answered (not necessarily in one batch again, as in SQS).
		expect(answers.flatMap((a) => a.ids).sort()).toEqual(["bystander", "crasher"]);
		expect(fn.stats).toMatchObject({ coldStarts: 2, replaced: 1 });
		expect(queue.deadLetters).toEqual([]);
	});

	it("kills and replaces a container that runs past the function's timeout", async () => {
		const fn = makeFunction({ maxContainers: 1, timeoutSeconds: 0.5 });
		const first = (await fn.invoke(sqsEvent({ id: "warm" }))) as Answer;
		const started = Date.now();
		await expect(fn.invoke(sqsEvent({ id: "hangs", hangOnReceive: [1] }))).rejects.toThrow(
			/Task timed out after 0.50 seconds/,
		);
		expect(Date.now() - started).toBeLessThan(3000);
		const next = (await fn.invoke(sqsEvent({ id: "after" }))) as Answer;
		expect(next.containerId).not.toBe(first.containerId);
		expect(next.invocations).toBe(1);
		expect(fn.stats).toMatchObject({ coldStarts: 2, replaced: 1 });
	});
});
