import { GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { type LocalStack, startEphemeralStack } from "../local/stack.ts";
import { makeBundle, makeManifest } from "../tests/helpers/bundles.ts";
import { row } from "./stats.ts";

async function inAllLatestFeeds(stack: LocalStack, itemId: string): Promise<boolean> {
	const texts = await Promise.all(
		["rss", "atom", "json"].map(async (format) =>
			(await fetch(`${stack.endpoints.edgeUrl}/feeds/en/latest.${format}`)).text(),
		),
	);
	return texts.every((text) => text.includes(itemId));
}

/**
 * Upload → public latency: from the end of the S3 PUT until the article is in all three
 * latest feeds as the edge serves them. Baseline: a PUT then GET of the same bytes on the
 * same S3 server, the floor under any pipeline that stores and serves an upload.
 */
export async function benchUploadToPublic(uploads: number): Promise<void> {
	const stack = await startEphemeralStack();
	try {
		const bucket = stack.endpoints.ingestBucket;
		const bundles = Array.from({ length: uploads }, (_, i) =>
			makeBundle({
				manifest: makeManifest({
					id: `bench-${i}`,
					firstCreated: `2030-01-01T00:00:${String(i).padStart(2, "0")}Z`,
				}),
			}),
		);
		// Warm-up: the first ingest pays for module loading and JIT.
		await stack.s3.send(
			new PutObjectCommand({
				Bucket: bucket,
				Key: "incoming/science-news/warmup.zip",
				Body: makeBundle(),
			}),
		);
		await stack.idle();

		const baseline: number[] = [];
		for (const [i, body] of bundles.entries()) {
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

		const latencies: number[] = [];
		for (const [i, body] of bundles.entries()) {
			await stack.s3.send(
				new PutObjectCommand({
					Bucket: bucket,
					Key: `incoming/science-news/bench/${i}.zip`,
					Body: body,
				}),
			);
			const putDone = performance.now();
			const itemId = `urn:syndicate:article:science-news:bench-${i}:en`;
			while (!(await inAllLatestFeeds(stack, itemId))) {
				if (performance.now() - putDone > 30_000)
					throw new Error(`bench-${i} not public after 30 s`);
				await new Promise((resolve) => setTimeout(resolve, 5));
			}
			latencies.push(performance.now() - putDone);
			await stack.idle();
		}

		console.log(row("baseline: S3 PUT + GET of the bundle", baseline));
		console.log(row("upload → in latest.{rss,atom,json}", latencies, baseline));
	} finally {
		await stack.stop();
	}
}
