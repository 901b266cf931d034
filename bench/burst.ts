import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { type LocalStack, startEphemeralStack } from "../local/stack.ts";
import { makeBundle, makeManifest } from "../tests/helpers/bundles.ts";
import { countCalls, recordFunctionCalls } from "./call-log.ts";
import { forEachLimited, formatMs } from "./stats.ts";

const run = promisify(execFile);
// As many PUTs at once as a partner's uploader would keep going.
const PUT_CONCURRENCY = 32;
const BURST_GOAL_MS = 30_000;
const BURST_GOAL_RATIO = 4;
const SYNC_GOAL_RATIO = 4;

const articleIdOf = (prefix: string, i: number) => `${prefix}-${String(i).padStart(5, "0")}`;

function bundlesFor(prefix: string, count: number): Uint8Array[] {
	return Array.from({ length: count }, (_, i) => {
		const at = new Date(Date.UTC(2032, 0, 1) + i * 1000).toISOString();
		return makeBundle({
			manifest: makeManifest({ id: articleIdOf(prefix, i), firstCreated: at, versionCreated: at }),
		});
	});
}

async function putAll(stack: LocalStack, keyOf: (i: number) => string, bodies: Uint8Array[]) {
	await forEachLimited(bodies.keys(), PUT_CONCURRENCY, async (i) => {
		await stack.s3.send(
			new PutObjectCommand({
				Bucket: stack.endpoints.ingestBucket,
				Key: keyOf(i),
				Body: bodies[i],
			}),
		);
	});
}

/** How many of the uploads' reports say `published`, and which did not. */
async function publishedReports(stack: LocalStack, keys: readonly string[]) {
	let published = 0;
	const other: string[] = [];
	await forEachLimited(keys, PUT_CONCURRENCY, async (key) => {
		try {
			const response = await stack.s3.send(
				new GetObjectCommand({
					Bucket: stack.endpoints.ingestBucket,
					Key: `${key.replace(/^incoming\//, "reports/")}.json`,
				}),
			);
			const report = JSON.parse((await response.Body?.transformToString()) ?? "{}");
			if (report.status === "published") published++;
			else other.push(`${key}: ${report.status}`);
		} catch {
			other.push(`${key}: no report`);
		}
	});
	return { published, other };
}

/** Pages of the uploads the edge does not serve (HEAD, 200 expected). */
async function missingPages(stack: LocalStack, articleIds: readonly string[]): Promise<number> {
	let missing = 0;
	await forEachLimited(articleIds, PUT_CONCURRENCY, async (id) => {
		const response = await fetch(`${stack.endpoints.edgeUrl}/en/articles/science-news/${id}`, {
			method: "HEAD",
		});
		if (response.status !== 200) missing++;
	});
	return missing;
}

/**
 * A burst of `count` uploads through the stack's own notifications and queue, timed from the
 * first PUT until every report is written and every article public; baseline: the same PUTs
 * into a prefix nothing ingests, in the same run.
 */
async function benchPutBurst(
	stack: LocalStack,
	count: number,
	calls: ReturnType<typeof recordFunctionCalls>,
): Promise<void> {
	const bodies = bundlesFor("burst", count);
	const baselineStart = performance.now();
	await putAll(stack, (i) => `bench-unwatched/burst-${i}.zip`, bodies);
	const baselineMs = performance.now() - baselineStart;

	const keys = bodies.map((_, i) => `incoming/science-news/burst/${i}.zip`);
	const mark = calls.mark();
	const start = performance.now();
	await putAll(stack, (i) => keys[i] ?? "", bodies);
	const putMs = performance.now() - start;
	await stack.idle();
	const doneMs = performance.now() - start;
	const spent = countCalls(calls.since(mark));
	const reports = await publishedReports(stack, keys);
	const ids = bodies.map((_, i) => articleIdOf("burst", i));
	const missing = await missingPages(stack, ids);
	const lost = count - reports.published;
	console.log(
		`  baseline: ${count} PUTs (${PUT_CONCURRENCY} at once) into a prefix nothing ingests: ${formatMs(baselineMs)}`,
	);
	console.log(
		`  ${count} uploads: PUTs done at ${formatMs(putMs)}, every upload ingested and published at ${formatMs(doneMs)} (×${(doneMs / baselineMs).toFixed(1)} of baseline)`,
	);
	console.log(
		`  ${reports.published} reports published, ${lost} lost or not published${reports.other.length > 0 ? ` (e.g. ${reports.other[0]})` : ""}; ${count - missing} of ${count} pages served by the edge`,
	);
	console.log(
		`  SDK calls per article: ${(spent.dynamodb / count).toFixed(1)} DynamoDB, ${(spent.s3 / count).toFixed(1)} S3 (${spent.dynamodb} and ${spent.s3} in all)`,
	);
	const ratio = doneMs / baselineMs;
	console.log(
		`  goal: 0 lost and all public ≤ ${formatMs(BURST_GOAL_MS)}, ≤ ${BURST_GOAL_RATIO}× the baseline: ${lost === 0 && missing === 0 && doneMs <= BURST_GOAL_MS && ratio <= BURST_GOAL_RATIO ? "met" : "MISSED"}`,
	);
}

/**
 * `aws s3 sync` of `count` bundle files: into a prefix nothing ingests (baseline), then into
 * the partner's prefix, timed until every report is written. Needs the AWS CLI on PATH.
 */
async function benchSync(stack: LocalStack, count: number): Promise<void> {
	const found = await run("aws", ["--version"]).then(
		() => true,
		() => false,
	);
	if (!found) {
		console.log("  skipped: no `aws` on PATH (apt-get install awscli)");
		return;
	}
	const folder = await mkdtemp(join(tmpdir(), "bench-sync-"));
	try {
		const bodies = bundlesFor("sync", count);
		await Promise.all(bodies.map((body, i) => writeFile(join(folder, `${i}.zip`), body)));
		const env = {
			...process.env,
			AWS_ACCESS_KEY_ID: stack.endpoints.accessKeyId,
			AWS_SECRET_ACCESS_KEY: stack.endpoints.secretAccessKey,
			AWS_REGION: stack.endpoints.region,
			AWS_DEFAULT_REGION: stack.endpoints.region,
		};
		const sync = (prefix: string) =>
			run(
				"aws",
				[
					"--endpoint-url",
					stack.endpoints.s3Endpoint,
					"s3",
					"sync",
					"--only-show-errors",
					folder,
					`s3://${stack.endpoints.ingestBucket}/${prefix}`,
				],
				{ env },
			);
		const baselineStart = performance.now();
		await sync("bench-unwatched/sync/");
		const baselineMs = performance.now() - baselineStart;
		const start = performance.now();
		await sync("incoming/science-news/sync/");
		const syncMs = performance.now() - start;
		await stack.idle();
		const doneMs = performance.now() - start;
		const keys = bodies.map((_, i) => `incoming/science-news/sync/${i}.zip`);
		const reports = await publishedReports(stack, keys);
		const ratio = doneMs / baselineMs;
		console.log(
			`  baseline: aws s3 sync of ${count} bundles into a prefix nothing ingests: ${formatMs(baselineMs)}`,
		);
		console.log(
			`  the same sync into incoming/: sync done at ${formatMs(syncMs)}, every report written at ${formatMs(doneMs)} (${reports.published} published) ×${ratio.toFixed(1)} of baseline`,
		);
		const met = ratio <= SYNC_GOAL_RATIO && reports.published === count;
		console.log(`  goal ≤ ${SYNC_GOAL_RATIO}×, all published: ${met ? "met" : "MISSED"}`);
	} finally {
		await rm(folder, { recursive: true, force: true });
	}
}

/**
 * The burst and the `aws s3 sync` benchmarks on one fresh local stack (the handlers build
 * their clients once per process, for the first stack started).
 */
export async function benchBursts(burst: number, sync: number): Promise<void> {
	const calls = recordFunctionCalls();
	// As deployed: the publishers also write the compressed copies the AWS edge serves.
	process.env.COMPRESSED_VARIANTS = "true";
	// As in AWS: each function in containers of its own, ingest fed batches of the queue.
	const stack = await startEphemeralStack({ runtime: "lambda" });
	try {
		console.log(`  ${burst}-upload burst:`);
		await benchPutBurst(stack, burst, calls);
		console.log(`  aws s3 sync of ${sync} bundles:`);
		await benchSync(stack, sync);
	} finally {
		await stack.stop();
	}
}
