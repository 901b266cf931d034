import { Worker } from "node:worker_threads";
import { CreateBucketCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { articlePath, imagePath } from "#shared/domain/article.ts";
import type { ChangeSummary } from "#shared/use-cases/change-batches.ts";
import { makeManageAgreements } from "#shared/use-cases/manage-agreements.ts";
import {
	type LocalStack,
	localDynamoDbClient,
	localS3Client,
	startEphemeralStack,
} from "../local/stack.ts";
import { makeBundle, makeManifest } from "../tests/helpers/bundles.ts";
import { makeServices } from "../tests/helpers/services.ts";
import { ingestPublished, type Services } from "./fresh-table.ts";
import type { RevokeReply, RevokeRequest, RevokeWorkerData } from "./revoke-worker.ts";
import { forEachLimited, formatMs, percentile, range } from "./stats.ts";

// A bucket the stack's notifications ignore: the benchmark drives ingest itself.
const BUCKET = "bench-takedown-ingest";
const PARTNER = "science-news";
const INGEST_CONCURRENCY = 16;
// One lane per watched path (the listings and the sample): each is asked again as soon as it
// answers, so the watch's resolution is one request, not a round of all of them.
const WATCH_LANES = 128;
const GOAL_MS = 2000;
const WATCH_DEADLINE_MS = 120_000;
const CONTEXT = { by: "bench", reason: "takedown benchmark" };
const DOCUMENTS = ["/feeds/en/latest.rss", "/feeds/en/latest.atom", "/feeds/en/latest.json"];
// The language's front page and the home page list feed items too.
const LISTINGS = [...DOCUMENTS, "/en/", "/"];

interface EdgeCheck {
	path: string;
	/** HEAD where the status alone tells: a pass over thousands of pages reads no bodies. */
	method: "GET" | "HEAD";
	/** Whether the edge serves the path as wanted (without the articles, or with them). */
	holds: (status: number, body: string) => boolean;
}

type Manage = ReturnType<typeof makeManageAgreements<ChangeSummary>>;

/** What must stop showing articles whose ids start with `prefix`: every listing, page (410) and photo (404). */
function takedownChecks(prefix: string, articleIds: readonly string[]): EdgeCheck[] {
	const listings = LISTINGS.map((path) => ({
		path,
		method: "GET" as const,
		holds: (status: number, body: string) => status === 200 && !body.includes(prefix),
	}));
	const pages = articleIds.flatMap((articleId) => {
		const ref = { partnerId: PARTNER, articleId, language: "en" };
		// A taken-down page answers 410 Gone with its notice; its photo is deleted.
		return [
			{ path: articlePath(ref), gone: 410 },
			{ path: imagePath(ref, { file: "images/photo.png" }), gone: 404 },
		].map(({ path, gone }) => ({
			path,
			method: "HEAD" as const,
			holds: (status: number) => status === gone,
		}));
	});
	return [...listings, ...pages];
}

/** The same paths, checked the other way: every page and photo served, every listing naming one. */
function publishedChecks(prefix: string, articleIds: readonly string[]): EdgeCheck[] {
	return takedownChecks(prefix, articleIds).map((check, index) => ({
		path: check.path,
		method: check.method,
		holds:
			index < LISTINGS.length
				? (status: number, body: string) => status === 200 && body.includes(prefix)
				: (status: number) => status === 200,
	}));
}

/**
 * Polls the edge until every check holds: lanes take the next path not yet confirmed, and a
 * path still wrong goes to the back of the queue, so no lane waits for a slow request of
 * another. Returns when the last one was confirmed (`ms`) and when any was last seen not
 * holding (`lastWrong`), in ms after `start`: the takedown completed between the two, and
 * `recheck` (the longest time between two checks of one path) is the watch's resolution.
 */
async function watchEdge(stack: LocalStack, checks: readonly EdgeCheck[], start: number) {
	const queue = checks.map((check) => ({ check, sent: 0 }));
	let inFlight = 0;
	let last = 0;
	let lastWrong = 0;
	let requests = 0;
	let slowest = 0;
	let recheck = 0;
	const lane = async () => {
		while (queue.length > 0 || inFlight > 0) {
			const next = queue.shift();
			if (!next) {
				// Another lane's request may still send its path back.
				await new Promise((resolve) => setTimeout(resolve, 2));
				continue;
			}
			if (performance.now() - start > WATCH_DEADLINE_MS) {
				throw new Error(
					`${queue.length + inFlight + 1} paths still wrong after ${WATCH_DEADLINE_MS} ms, e.g. ${next.check.path}`,
				);
			}
			inFlight++;
			const sent = performance.now();
			if (next.sent > 0) recheck = Math.max(recheck, sent - next.sent);
			try {
				const response = await fetch(`${stack.endpoints.edgeUrl}${next.check.path}`, {
					method: next.check.method,
				});
				const body = await response.text();
				requests++;
				slowest = Math.max(slowest, performance.now() - sent);
				if (next.check.holds(response.status, body)) {
					last = Math.max(last, performance.now() - start);
				} else {
					lastWrong = Math.max(lastWrong, sent - start);
					queue.push({ check: next.check, sent });
				}
			} finally {
				inFlight--;
			}
		}
	};
	await Promise.all(range(Math.min(WATCH_LANES, checks.length)).map(lane));
	return { ms: last, lastWrong, requests, slowest, recheck };
}

async function ingestArticles(
	stack: LocalStack,
	services: Services,
	agreementId: string,
	articleIds: readonly string[],
	firstCreated: (index: number) => string,
): Promise<void> {
	await forEachLimited(range(articleIds.length), INGEST_CONCURRENCY, async (index) => {
		const id = articleIds[index] ?? "";
		const created = firstCreated(index);
		const body = makeBundle({
			manifest: makeManifest({
				id,
				headline: `Takedown benchmark ${id}`,
				firstCreated: created,
				versionCreated: created,
				rights: {
					holder: "The Science News Ltd.",
					translator: "JST",
					agreement: agreementId,
					notice: "Unauthorized reproduction is prohibited.",
				},
			}),
			files: { "article.html": `<p>Body of ${id}.</p>` },
		});
		const key = `incoming/${PARTNER}/takedown/${id}.zip`;
		const { ETag } = await stack.s3.send(
			new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }),
		);
		await ingestPublished(services, { key, body, eTag: ETag });
	});
}

async function grant(manage: Manage, agreementId: string): Promise<void> {
	await manage.grantAgreement(
		{
			agreementId,
			partnerId: PARTNER,
			holder: "The Science News Ltd.",
			translator: "JST",
			languages: ["en"],
			scope: ["text", "images"],
			from: "2020-01-01T00:00:00Z",
		},
		CONTEXT,
	);
}

// Pages and photos timed by a random sample: a pass over all of them takes longer than the
// takedown itself (the edge runs in this process), so all of them are checked once the call
// has returned, and the sample times when they went.
const SAMPLE = 100;

/** `count` of `items`, chosen at random, always with the listings (which come first). */
function sampleChecks(checks: readonly EdgeCheck[], count: number): EdgeCheck[] {
	const rest = checks.slice(LISTINGS.length);
	for (let i = rest.length - 1; i > 0; i--) {
		const j = Math.floor(Math.random() * (i + 1));
		[rest[i], rest[j]] = [rest[j] as EdgeCheck, rest[i] as EdgeCheck];
	}
	return [...checks.slice(0, LISTINGS.length), ...rest.slice(0, count)];
}

/**
 * Revokes the agreement as `agreements revoke` does, watching the edge from the same instant:
 * the listings and a sample of the pages and photos until they show none of the articles,
 * then, once the call has returned, every path. Returns the call's time and the watch's.
 */
async function revokeAndWatch(
	stack: LocalStack,
	revoke: (request: RevokeRequest) => Promise<RevokeReply>,
	agreementId: string,
	checks: readonly EdgeCheck[],
) {
	const watched = checks.length > LISTINGS.length + SAMPLE ? sampleChecks(checks, SAMPLE) : checks;
	const start = performance.now();
	const revoking = revoke({ agreementId, ...CONTEXT }).then((reply) => {
		if (reply.changed !== reply.articles) {
			throw new Error(
				`revoking ${agreementId} changed ${reply.changed} of ${reply.articles} articles`,
			);
		}
		return reply;
	});
	const [reply, watching] = await Promise.all([revoking, watchEdge(stack, watched, start)]);
	// Timed from the call's own start in its thread (a message's hop later than `start`).
	const late = reply.startedAt - (performance.timeOrigin + start);
	const seen = { ...watching, ms: watching.ms - late, lastWrong: watching.lastWrong - late };
	const revokeMs = reply.endedAt - reply.startedAt;
	const all = await watchEdge(stack, checks, start);
	// Every path held on its first check after the call, or the takedown was not complete.
	if (all.requests !== checks.length) {
		throw new Error(`${all.requests - checks.length} paths still showed an article after the call`);
	}
	return { revokeMs, goneMs: seen.ms, ...seen, checked: watched.length, profile: reply.profile };
}

/**
 * The thread revokes run in, like `agreements revoke` in a process of its own: `revoke`
 * answers with the call's own timing and SDK profile.
 */
function startRevokeWorker(data: RevokeWorkerData) {
	const worker = new Worker(new URL("./revoke-worker.ts", import.meta.url), {
		workerData: data,
		// The worker loads TypeScript as this process does.
		execArgv: ["--import", "tsx"],
	});
	let failed: ((error: unknown) => void) | undefined;
	worker.on("error", (error) => failed?.(error));
	return {
		revoke(request: RevokeRequest): Promise<RevokeReply> {
			return new Promise((resolve, reject) => {
				failed = reject;
				worker.once("message", resolve);
				worker.postMessage(request);
			});
		},
		async stop(): Promise<void> {
			worker.postMessage("stop");
			await worker.terminate();
		},
	};
}

/**
 * Takedown at scale: `count` published articles under one agreement, the agreement revoked
 * through manage-agreements (the `agreements revoke` path) in a thread of its own, timed
 * from the call's start until the edge serves none
 * of them in any feed, listing, page or photo. Baseline: the same for one article, `singles`
 * times on the same stack, just before.
 */
export async function benchTakedown(count: number, singles: number): Promise<void> {
	const stack = await startEphemeralStack();
	const s3 = localS3Client(stack.endpoints.s3Endpoint);
	const dynamodb = localDynamoDbClient(stack.endpoints.dynamodbEndpoint);
	const worker = startRevokeWorker({ endpoints: stack.endpoints, ingestBucket: BUCKET });
	try {
		await stack.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
		const services = makeServices(stack, { ingestBucket: BUCKET, clients: { s3, dynamodb } });
		const manage = makeManageAgreements({
			agreements: services.agreements,
			changes: services.agreementChanges,
			reevaluate: services.reevaluateAgreement,
			clock: services.clock,
		});

		const bulkAgreement = "bench-takedown-bulk";
		const bulkIds = range(count).map((i) => `tk-bulk-${String(i).padStart(5, "0")}`);
		await grant(manage, bulkAgreement);
		const ingestStart = performance.now();
		await ingestArticles(stack, services, bulkAgreement, bulkIds, (i) =>
			new Date(Date.UTC(2030, 0, 1) + i * 1000).toISOString(),
		);
		const ingestMs = performance.now() - ingestStart;
		await watchEdge(stack, publishedChecks("tk-bulk-", bulkIds), performance.now());
		console.log(
			`  setup: ${count} articles ingested (concurrency ${INGEST_CONCURRENCY}) in ${formatMs(ingestMs)}; all pages, photos and listings verified at the edge`,
		);

		// Baseline: one article, newest in every listing, taken down the same way.
		const single = { revoke: [] as number[], gone: [] as number[], slowest: [] as number[] };
		for (const k of range(singles)) {
			const agreementId = `bench-takedown-one-${k}`;
			const ids = [`tk-one-${k}`];
			await grant(manage, agreementId);
			await ingestArticles(stack, services, agreementId, ids, () =>
				new Date(Date.UTC(2031, 0, 1) + k * 1000).toISOString(),
			);
			await watchEdge(stack, publishedChecks(ids[0] ?? "", ids), performance.now());
			const run = await revokeAndWatch(
				stack,
				worker.revoke,
				agreementId,
				takedownChecks(ids[0] ?? "", ids),
			);
			single.revoke.push(run.revokeMs);
			single.gone.push(run.goneMs);
			single.slowest.push(run.slowest);
		}

		const bulk = await revokeAndWatch(
			stack,
			worker.revoke,
			bulkAgreement,
			takedownChecks("tk-bulk-", bulkIds),
		);

		const baselineRevoke = percentile(single.revoke, 50);
		const baselineGone = percentile(single.gone, 50);
		const paths = LISTINGS.length + 2 * count;
		console.log(
			`  baseline: 1 article, p50 of ${singles}     revoke call ${formatMs(baselineRevoke).padStart(9)}   all gone at the edge ${formatMs(baselineGone).padStart(9)}`,
		);
		console.log(
			`  ${count} articles, 1 agreement       revoke call ${formatMs(bulk.revokeMs).padStart(9)}   all gone at the edge ${formatMs(bulk.goneMs).padStart(9)}   ×${(bulk.revokeMs / baselineRevoke).toFixed(1)} call, ×${(bulk.goneMs / baselineGone).toFixed(1)} gone of baseline`,
		);
		console.log(
			`  baseline runs: all gone at ${single.gone.map((ms) => ms.toFixed(0)).join(", ")} ms; slowest edge request ${single.slowest.map((ms) => ms.toFixed(0)).join(", ")} ms`,
		);
		console.log(
			`  watched ${bulk.checked} paths (${LISTINGS.length} listings and a random ${bulk.checked - LISTINGS.length} of the ${2 * count} pages and photos) until gone: the last seen showing an article at ${formatMs(bulk.lastWrong)}, all confirmed at ${formatMs(bulk.goneMs)} (each path checked again within ${formatMs(bulk.recheck)}); then all ${paths} paths checked once the call returned: none showed an article`,
		);
		console.log(
			`  goal: all gone ≤ ${formatMs(GOAL_MS)}: ${bulk.goneMs <= GOAL_MS ? "met" : "MISSED"} (${bulk.requests} edge requests while watching, slowest ${bulk.slowest.toFixed(0)} ms)`,
		);
		console.log(`  where the ${count}-article revoke call's time went (SDK calls it made):`);
		for (const line of bulk.profile) console.log(line);
	} finally {
		await worker.stop();
		s3.destroy();
		dynamodb.destroy();
		await stack.stop();
	}
}
