import { Worker } from "node:worker_threads";
import { GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { type LocalStack, startEphemeralStack } from "../local/stack.ts";
import { makeBundle, makeManifest } from "../tests/helpers/bundles.ts";
import { countCalls, recordFunctionCalls } from "./call-log.ts";
import type { WatchAnswer, WatchRequest } from "./public-poller.ts";
import { percentile, row } from "./stats.ts";

/** One benchmark upload: its bundle, and where its article must show once it is public. */
export interface BenchUpload {
	body: Uint8Array;
	/** The item id its feeds list it by. */
	itemId: string;
	/** Its page, served once it is published. */
	pagePath: string;
	/** Every feed the new article enters, in all three formats. */
	feedPaths: string[];
}

const SUBJECT = "energy";

/** A new `science-news` article `id` in English on one subject, and where it shows. */
export function benchUpload(id: string, firstCreated: string): BenchUpload {
	const feeds = ["latest", "partners/science-news", `subjects/${SUBJECT}`];
	return {
		body: makeBundle({ manifest: makeManifest({ id, firstCreated, subjects: [SUBJECT] }) }),
		itemId: `urn:syndicate:article:science-news:${id}:en`,
		pagePath: `/en/articles/science-news/${id}`,
		feedPaths: feeds.flatMap((feed) =>
			["rss", "atom", "json"].map((format) => `/feeds/en/${feed}.${format}`),
		),
	};
}

/**
 * Watches the edge from a thread of its own, as a reader in another process would: polling
 * ten paths every 5 ms from the thread that runs the pipeline (and the edge) slowed the
 * pipeline it timed from 159 to 264 ms an upload (p50), measured.
 */
export interface PublicWatcher {
	/** Resolves with the instant (epoch ms) the edge showed all of `upload`. */
	whenPublic(upload: BenchUpload, deadline: number): Promise<number>;
	stop(): Promise<void>;
}

export function watchPublic(stack: LocalStack): PublicWatcher {
	const worker = new Worker(new URL("./public-poller.ts", import.meta.url), {
		workerData: { edgeUrl: stack.endpoints.edgeUrl },
	});
	const waiting = new Map<number, { resolve: (at: number) => void; reject: (e: Error) => void }>();
	let next = 0;
	worker.on("message", (answer: WatchAnswer) => {
		const entry = waiting.get(answer.id);
		waiting.delete(answer.id);
		if ("error" in answer) entry?.reject(new Error(answer.error));
		else entry?.resolve(answer.at);
	});
	worker.on("error", (error) => {
		for (const entry of waiting.values()) entry.reject(error);
		waiting.clear();
	});
	return {
		whenPublic: (upload, deadline) =>
			new Promise((resolve, reject) => {
				const id = next++;
				waiting.set(id, { resolve, reject });
				const { itemId, pagePath, feedPaths } = upload;
				worker.postMessage({ id, itemId, pagePath, feedPaths, deadline } satisfies WatchRequest);
			}),
		stop: async () => {
			await worker.terminate();
		},
	};
}

const epochNow = () => performance.timeOrigin + performance.now();

/**
 * Upload → public latency of one upload: from the end of `put` (the S3 PUT) until the edge
 * serves its page and the article in every feed it enters, at most `deadlineMs` (30 s by
 * default).
 * `deliver`, when given, is started as the PUT ends with what it returned: the ingest a
 * benchmark drives itself where the stack's notification does not reach. Resolves once the
 * article is public and `deliver` is done.
 */
export async function timeUploadToPublic<Put>(
	watcher: PublicWatcher,
	upload: BenchUpload,
	put: () => Promise<Put>,
	options: { deliver?: (put: Put) => Promise<unknown>; deadlineMs?: number } = {},
): Promise<number> {
	const deadlineMs = options.deadlineMs ?? 30_000;
	const done = await put();
	const putDone = epochNow();
	const delivering = options.deliver?.(done);
	const visible = watcher
		.whenPublic(upload, putDone + deadlineMs)
		.then((at) => at - putDone)
		.catch((error: Error) => {
			throw new Error(`${upload.itemId} not public after ${deadlineMs} ms: ${error.message}`);
		});
	// A failed delivery ends the wait at once rather than at the deadline.
	const [ms] = await Promise.all([visible, delivering]);
	return ms;
}

const DYNAMODB_GOAL = 15;
const S3_GOAL = 20;

/**
 * The SDK calls one isolated article costs the functions, from its upload until its page and
 * every feed are public, compressed copies included: the median article, its breakdown, the
 * most any article cost, and the goals.
 */
function reportCallsPerArticle(perArticle: ReturnType<typeof countCalls>[]): void {
	const byDynamodb = [...perArticle].sort((a, b) => a.dynamodb - b.dynamodb);
	const median = byDynamodb[Math.floor(byDynamodb.length / 2)];
	if (!median) return;
	const dynamodb = perArticle.map((calls) => calls.dynamodb);
	const s3 = perArticle.map((calls) => calls.s3);
	console.log(
		`  SDK calls per isolated article: DynamoDB p50 ${percentile(dynamodb, 50)}, max ${Math.max(...dynamodb)}; S3 p50 ${percentile(s3, 50)}, max ${Math.max(...s3)}`,
	);
	console.log(`  the median article's calls: ${median.breakdown}`);
	const met = percentile(dynamodb, 50) <= DYNAMODB_GOAL && percentile(s3, 50) <= S3_GOAL;
	console.log(
		`  goal ≤ ${DYNAMODB_GOAL} DynamoDB and ≤ ${S3_GOAL} S3 calls per isolated article: ${met ? "met" : "MISSED"}`,
	);
}

const P50_GOAL_MS = 150;
const P99_GOAL_MS = 500;

/**
 * Upload → public latency: from the end of the S3 PUT until the article's page and every
 * feed it enters are public at the edge, `uploads` one at a time after `warmup` more (a
 * running pipeline is warm: a fresh process's first uploads time module loading and both
 * JITs, which the cold-start benchmark measures). Baseline: a PUT then GET of the same bytes
 * on the same S3 server, the floor under any pipeline that stores and serves an upload.
 */
export async function benchUploadToPublic(uploads: number, warmup: number): Promise<void> {
	const calls = recordFunctionCalls();
	// As deployed: the publishers also write the compressed copies the AWS edge serves.
	process.env.COMPRESSED_VARIANTS = "true";
	// As in AWS: each function in containers of its own, ingest fed batches of the queue.
	const stack = await startEphemeralStack({ runtime: "lambda" });
	try {
		const bucket = stack.endpoints.ingestBucket;
		const bundles = Array.from({ length: warmup + uploads }, (_, i) =>
			benchUpload(`bench-${i}`, new Date(Date.UTC(2030, 0, 1) + i * 1000).toISOString()),
		);
		const baseline: number[] = [];
		for (const [i, { body }] of bundles.slice(warmup).entries()) {
			const start = performance.now();
			await stack.s3.send(
				new PutObjectCommand({
					Bucket: stack.endpoints.siteBucket,
					Key: `bench/baseline-${i}.zip`,
					Body: body,
				}),
			);
			const got = await stack.s3.send(
				new GetObjectCommand({
					Bucket: stack.endpoints.siteBucket,
					Key: `bench/baseline-${i}.zip`,
				}),
			);
			await got.Body?.transformToByteArray();
			baseline.push(performance.now() - start);
		}

		const watcher = watchPublic(stack);
		const latencies: number[] = [];
		const perArticle: ReturnType<typeof countCalls>[] = [];
		for (const [i, upload] of bundles.entries()) {
			const mark = calls.mark();
			const ms = await timeUploadToPublic(watcher, upload, () =>
				stack.s3.send(
					new PutObjectCommand({
						Bucket: bucket,
						Key: `incoming/science-news/bench/${i}.zip`,
						Body: upload.body,
					}),
				),
			);
			await stack.idle();
			if (i >= warmup) {
				latencies.push(ms);
				perArticle.push(countCalls(calls.since(mark)));
			}
		}
		await watcher.stop();

		const p50 = percentile(latencies, 50);
		const p99 = percentile(latencies, 99);
		console.log(row("baseline: S3 PUT + GET of the bundle", baseline));
		console.log(row("upload → in its page and every feed", latencies, baseline));
		console.log(
			`  p99 ${p99.toFixed(1)} ms of ${uploads} after ${warmup} to warm up; goal p50 ≤ ${P50_GOAL_MS} ms, p99 ≤ ${P99_GOAL_MS} ms: ${p50 <= P50_GOAL_MS && p99 <= P99_GOAL_MS ? "met" : "MISSED"}`,
		);
		reportCallsPerArticle(perArticle);
	} finally {
		await stack.stop();
	}
}
