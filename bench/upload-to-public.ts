import { GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { type LocalStack, startEphemeralStack } from "../local/stack.ts";
import { makeBundle, makeManifest } from "../tests/helpers/bundles.ts";
import { row } from "./stats.ts";

/**
 * Polls the three latest feeds as a feed reader does, with `If-None-Match`: a feed is
 * downloaded only when it changed, so the poll every few milliseconds does not load the
 * one thread that also runs the pipeline it times.
 */
function latestFeedsReader(stack: LocalStack): (itemId: string) => Promise<boolean> {
	const seen = new Map<string, { etag: string; text: string }>();
	const read = async (url: string) => {
		const known = seen.get(url);
		const response = await fetch(url, known ? { headers: { "if-none-match": known.etag } } : {});
		if (response.status === 304 && known) return known.text;
		const text = await response.text();
		const etag = response.headers.get("etag");
		if (response.ok && etag) seen.set(url, { etag, text });
		return text;
	};
	return async (itemId) => {
		const texts = await Promise.all(
			["rss", "atom", "json"].map((format) =>
				read(`${stack.endpoints.edgeUrl}/feeds/en/latest.${format}`),
			),
		);
		return texts.every((text) => text.includes(itemId));
	};
}

/** A bundle of `science-news` article `id` in English, and the item id its feeds list it by. */
export function benchUpload(id: string, firstCreated: string) {
	return {
		body: makeBundle({ manifest: makeManifest({ id, firstCreated }) }),
		itemId: `urn:syndicate:article:science-news:${id}:en`,
	};
}

/**
 * Upload → public latency of one upload: from the end of `put` (the S3 PUT) until the edge
 * serves `itemId` in all three latest feeds, at most `deadlineMs` (30 s by default).
 * `deliver`, when given, is started as the PUT ends with what it returned: the ingest a
 * benchmark drives itself where the stack's notification does not reach. Resolves once the
 * article is public and `deliver` is done.
 */
export async function timeUploadToPublic<Put>(
	stack: LocalStack,
	itemId: string,
	put: () => Promise<Put>,
	options: { deliver?: (put: Put) => Promise<unknown>; deadlineMs?: number } = {},
): Promise<number> {
	const deadlineMs = options.deadlineMs ?? 30_000;
	const done = await put();
	const putDone = performance.now();
	const delivering = options.deliver?.(done);
	const inAllLatestFeeds = latestFeedsReader(stack);
	const visible = (async () => {
		while (!(await inAllLatestFeeds(itemId))) {
			if (performance.now() - putDone > deadlineMs)
				throw new Error(`${itemId} not public after ${deadlineMs} ms`);
			await new Promise((resolve) => setTimeout(resolve, 5));
		}
		return performance.now() - putDone;
	})();
	// A failed delivery ends the wait at once rather than at the deadline.
	const [ms] = await Promise.all([visible, delivering]);
	return ms;
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
			benchUpload(`bench-${i}`, `2030-01-01T00:00:${String(i).padStart(2, "0")}Z`),
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
		for (const [i, { body }] of bundles.entries()) {
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
		for (const [i, { body, itemId }] of bundles.entries()) {
			latencies.push(
				await timeUploadToPublic(stack, itemId, () =>
					stack.s3.send(
						new PutObjectCommand({
							Bucket: bucket,
							Key: `incoming/science-news/bench/${i}.zip`,
							Body: body,
						}),
					),
				),
			);
			await stack.idle();
		}

		console.log(row("baseline: S3 PUT + GET of the bundle", baseline));
		console.log(row("upload → in latest.{rss,atom,json}", latencies, baseline));
	} finally {
		await stack.stop();
	}
}
