import { CreateBucketCommand } from "@aws-sdk/client-s3";
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { UploadEvent } from "#shared/use-cases/ingest-upload.ts";
import { encodeS3EventKey } from "../../local/s3-key.ts";
import { type LocalStack, startEphemeralStack } from "../../local/stack.ts";
import { makeBundle, makeManifest } from "../helpers/bundles.ts";
import { type CapturedOutput, captureOutput } from "../helpers/captured-output.ts";
import { putUpload } from "../helpers/uploads.ts";

// Uploads here are the handler's alone: the local stack ingests only its own bucket.
const BUCKET = "ingest-handler-test";

type Handler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

let stack: LocalStack;

beforeAll(async () => {
	stack = await startEphemeralStack();
	await stack.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
}, 60_000);
afterAll(async () => {
	await stack?.stop();
});

/** The real handler module, loaded afresh with the stack's variables and `env` on top. */
async function loadHandler(env: Record<string, string>): Promise<Handler> {
	vi.resetModules();
	Object.assign(process.env, { INGEST_BUCKET: BUCKET, STAGE: "test", ...env });
	delete process.env.POWERTOOLS_METRICS_NAMESPACE;
	delete process.env.POWERTOOLS_METRICS_DISABLED;
	const module = await import("../../functions/ingest/handler.ts");
	return module.handler as unknown as Handler;
}

function sqsRecord(messageId: string, upload: UploadEvent): SQSRecord {
	const notification = {
		Records: [
			{
				eventName: "ObjectCreated:Put",
				eventTime: upload.eventTime,
				s3: {
					bucket: { name: BUCKET },
					object: {
						key: encodeS3EventKey(upload.key),
						size: upload.size,
						eTag: upload.eTag,
						sequencer: upload.sequencer,
					},
				},
			},
		],
	};
	return {
		messageId,
		receiptHandle: `handle-${messageId}`,
		body: JSON.stringify(notification),
		attributes: {
			ApproximateReceiveCount: "1",
			SentTimestamp: String(Date.now()),
			SenderId: "s3",
			ApproximateFirstReceiveTimestamp: String(Date.now()),
		},
		messageAttributes: {},
		md5OfBody: "",
		eventSource: "aws:sqs",
		eventSourceARN: "arn:aws:sqs:us-east-1:000000000000:ingest",
		awsRegion: "us-east-1",
	};
}

const context = {
	functionName: "syndicate-test-ingest",
	awsRequestId: "request-1",
	invokedFunctionArn: "arn:aws:lambda:us-east-1:000000000000:function:syndicate-test-ingest",
	memoryLimitInMB: "1024",
	functionVersion: "$LATEST",
	getRemainingTimeInMillis: () => 60_000,
} as unknown as Context;

async function goodUpload(id: string): Promise<UploadEvent> {
	const key = `incoming/science-news/handler test/${id}.zip`;
	return putUpload(stack, BUCKET, key, makeBundle({ manifest: makeManifest({ id }) }));
}

const poisonUpload: UploadEvent = {
	key: "incoming/science-news/never-uploaded.zip",
	size: 100,
	eTag: "0123456789abcdef",
	sequencer: "00FF",
	eventTime: new Date().toISOString(),
};

describe("the ingest handler, on the local stack's servers", () => {
	let output: CapturedOutput;
	let response: SQSBatchResponse;
	let good: UploadEvent;

	beforeAll(async () => {
		const handler = await loadHandler({});
		good = await goodUpload("handler-good");
		output = captureOutput();
		try {
			response = await handler(
				{ Records: [sqsRecord("poison-1", poisonUpload), sqsRecord("good-1", good)] },
				context,
			);
		} finally {
			output.restore();
		}
	}, 60_000);

	it("reports only the poison message as a batch item failure", () => {
		expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: "poison-1" }] });
	});

	it("logs the good upload as JSON with its key, partner, article and message id", () => {
		const ingested = output.lines().find((line) => line.message === "ingested");
		expect(ingested).toMatchObject({
			level: "INFO",
			service: "ingest",
			correlation_id: "good-1",
			uploadKey: good.key,
			partnerId: "science-news",
			articleId: "handler-good",
			status: "published",
			function_name: "syndicate-test-ingest",
			function_request_id: "request-1",
		});
	});

	it("logs the poison message's failure with its stack and cause, under its own message id", () => {
		const failed = output.lines().find((line) => line.level === "ERROR");
		expect(failed).toMatchObject({
			correlation_id: "poison-1",
			uploadKey: poisonUpload.key,
			error: {
				name: "IngestMessageError",
				code: "INGEST_FAILED",
				message: expect.stringContaining("poison-1"),
				stack: expect.stringContaining("IngestMessageError"),
				cause: {
					name: "Error",
					message: expect.stringContaining("is gone from the bucket"),
					stack: expect.any(String),
				},
			},
		});
		// The good message's keys did not leak into the poison's lines, nor the other way.
		expect(output.lines().filter((line) => line.correlation_id === "poison-1")).not.toContainEqual(
			expect.objectContaining({ articleId: "handler-good" }),
		);
	});

	it("writes the outcome, durations and latency as one EMF document", () => {
		const [emf, ...more] = output.metrics().filter((doc) => !("FeedItems" in doc));
		expect(more).toEqual([]);
		const [directive] = emf?._aws.CloudWatchMetrics ?? [];
		expect(directive?.Namespace).toBe("Syndicate");
		expect(directive?.Dimensions).toEqual([["service", "Stage"]]);
		expect(directive?.Metrics.map((metric) => metric.Name).sort()).toEqual([
			"IngestDuration",
			"UploadToPublicLatency",
			"UploadsPublished",
		]);
		expect(emf).toMatchObject({ service: "ingest", Stage: "test", UploadsPublished: 1 });
		// Only the good message finished an ingest: one duration, one latency.
		expect(emf?.IngestDuration).toEqual(expect.any(Number));
		expect(emf?.UploadToPublicLatency).toBeGreaterThanOrEqual(0);
	});
	it("writes FeedItems once per feed its publish rendered: the kind a dimension, the feed a property", () => {
		const feeds = output.metrics().filter((doc) => "FeedItems" in doc);
		for (const doc of feeds) {
			expect(doc._aws.CloudWatchMetrics).toEqual([
				{
					Namespace: "Syndicate",
					// No partner, subject or language dimension: each value would be a metric billed.
					Dimensions: [["service", "Stage", "FeedKind"]],
					Metrics: [{ Name: "FeedItems", Unit: "Count" }],
				},
			]);
		}
		const byFeed = new Map(feeds.map((doc) => [doc.feed, doc]));
		expect(byFeed.size).toBe(feeds.length);
		expect(byFeed.get("en/latest")).toMatchObject({
			service: "ingest",
			Stage: "test",
			FeedKind: "latest",
			language: "en",
			FeedItems: 1,
		});
		expect(byFeed.get("en/partners/science-news")).toMatchObject({
			FeedKind: "partners",
			language: "en",
			FeedItems: 1,
		});
		expect([...byFeed.keys()].filter((key) => String(key).startsWith("en/subjects/"))).not.toEqual(
			[],
		);
	});
});

describe("the ingest handler's outcomes and sampling", () => {
	it("counts a rejected upload and logs debug lines when sampled", async () => {
		const handler = await loadHandler({ POWERTOOLS_LOGGER_SAMPLE_RATE: "1" });
		const bad = await putUpload(
			stack,
			BUCKET,
			"incoming/science-news/handler test/bad.zip",
			makeBundle({ manifest: makeManifest({ id: "handler-bad", version: "two" }) }),
		);
		const output = captureOutput();
		try {
			expect(await handler({ Records: [sqsRecord("bad-1", bad)] }, context)).toEqual({
				batchItemFailures: [],
			});
		} finally {
			output.restore();
		}
		expect(output.lines()).toContainEqual(
			expect.objectContaining({ level: "DEBUG", correlation_id: "bad-1", uploads: 1 }),
		);
		expect(output.lines()).toContainEqual(
			expect.objectContaining({
				message: "ingested",
				status: "rejected",
				errors: ["MANIFEST_INVALID"],
				sampling_rate: 1,
			}),
		);
		expect(output.metrics()[0]).toMatchObject({ UploadsRejected: 1 });
	});

	it("logs no debug lines unless sampled", async () => {
		const handler = await loadHandler({ POWERTOOLS_LOGGER_SAMPLE_RATE: "0" });
		const output = captureOutput();
		try {
			await handler({ Records: [sqsRecord("test-event", poisonUpload)] }, context);
		} catch {
			// Every message failed: the batch as a whole is thrown, for Lambda to retry.
		} finally {
			output.restore();
		}
		expect(output.lines().filter((line) => line.level === "DEBUG")).toEqual([]);
	});
});
