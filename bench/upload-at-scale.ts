import { CreateBucketCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { DynamoDbArticleStore } from "#shared/adapters/dynamodb/dynamodb-article-store.ts";
import { type ArticleContent, planArticleChange } from "#shared/domain/plan-article-change.ts";
import { feedKey } from "#shared/domain/targets.ts";
import type { ArticleCommit, ArticleStore } from "#shared/ports/articles.ts";
import { type LocalStack, startEphemeralStack } from "../local/stack.ts";
import { makeArticle } from "../tests/helpers/articles.ts";
import { bulkLoadingClient } from "./bulk-load-client.ts";
import { firstUploadCommit, freshTable, ingestPublished, type Services } from "./fresh-table.ts";
import { forEachLimited, formatMs, percentile, range, row } from "./stats.ts";
import {
	benchUpload,
	type PublicWatcher,
	timeUploadToPublic,
	watchPublic,
} from "./upload-to-public.ts";

// A bucket the stack's notifications ignore: the stack's queue feeds its ingest handler, which
// is bound to the stack's own table, so the benchmark ingests into the seeded tables itself.
const BUCKET = "bench-scale-ingest";
const AGREEMENT = "sn-jst-2023";
// Commits per commitArticleChanges call: ten articles of ten items each, 100 items.
const SEED_BATCH = 10;
// DynamoDB Local takes some 3,700 items/s here however they come; past this, only waits grow.
const SEED_CONCURRENCY = 32;
const GOAL_RATIO = 1.2;
// Seeded articles are older than every upload, so each upload is the newest in its feeds.
const SEEDED_FROM = Date.UTC(2020, 0, 1);
const UPLOADED_FROM = Date.UTC(2030, 0, 1);
// About 20 ms per archive page here: a catch-up of 2,000 pages takes far over an upload's 30 s.
const CATCH_UP_DEADLINE_MS = 600_000;
const FEEDS = ["latest", "partners/science-news", "subjects/energy"] as const;

interface Table {
	label: string;
	services: Services;
	stored: number;
	/** Uploads so far: each one's id and time follow from it. */
	uploads: number;
}

/**
 * Stores `size` published English articles of `science-news` on subject `energy`, the
 * latest, partner and subject feeds the measured uploads go to, as an upload would leave
 * them (current state, version, history, partner listing, feed rows with their ordinals and
 * archive copies), through `articles`' batched `commitArticleChanges`: the pipeline would take
 * hours for 100,000. Their pages and feeds are not rendered. Stops once `budgetMs` has passed.
 */
async function seedPublished(
	services: Services,
	articles: ArticleStore,
	size: number,
	budgetMs: number,
) {
	const agreement = await services.agreements.getAgreement(AGREEMENT);
	if (!agreement) throw new Error(`no agreement ${AGREEMENT} to seed under`);
	const start = performance.now();
	let stored = 0;
	function* batches() {
		for (let i = 0; i < size && performance.now() - start < budgetMs; i += SEED_BATCH) {
			yield range(Math.min(SEED_BATCH, size - i)).map((k) => i + k);
		}
	}
	await forEachLimited(batches(), SEED_CONCURRENCY, async (indexes) => {
		const commits = indexes.map((i): ArticleCommit => {
			const articleId = `seed-${String(i).padStart(6, "0")}`;
			const created = new Date(SEEDED_FROM + i * 1000).toISOString();
			// An upload's plan drops the stored decisions makeArticle comes with.
			const content: ArticleContent = makeArticle({
				articleId,
				headline: `Seeded ${articleId}`,
				firstCreated: created,
				versionCreated: created,
				subjects: ["energy"],
				bodyKey: `content/${articleId}/body.html`,
				bundleKey: `incoming/science-news/${articleId}.zip`,
				archiveKey: `archive/science-news/${articleId}.zip`,
			});
			const plan = planArticleChange({
				current: undefined,
				change: { kind: "upload", next: content, by: "bench", reason: "seed" },
				agreement,
				now: services.clock(),
			});
			if (plan.next.status !== "published" || plan.feedPuts.length !== 3) {
				throw new Error(
					`${articleId} would be ${plan.next.status} in ${plan.feedPuts.length} feeds`,
				);
			}
			return firstUploadCommit(plan);
		});
		const results = await articles.commitArticleChanges(commits);
		const refused = results.find((result) => result !== "committed");
		if (refused) throw new Error(`a seeded article was not committed: ${refused}`);
		stored += indexes.length;
	});
	const ms = performance.now() - start;
	// Every commit took its ordinals: each feed counted every article.
	for (const feed of FEEDS) {
		const { count } = await services.feeds.getFeedState(feedKey("en", feed));
		if (count !== stored) throw new Error(`feed ${feed} counts ${count} of ${stored} seeded`);
	}
	return { stored, ms };
}

/** The next upload into `table`, timed from the end of its PUT until the edge shows it. */
function uploadInto(
	stack: LocalStack,
	watcher: PublicWatcher,
	table: Table,
	deadlineMs?: number,
): Promise<number> {
	const n = table.uploads++;
	const id = `scale-${table.label}-${n}`;
	const upload = benchUpload(id, new Date(UPLOADED_FROM + n * 1000).toISOString());
	const { body } = upload;
	const key = `incoming/science-news/scale/${id}.zip`;
	return timeUploadToPublic(
		watcher,
		upload,
		() => stack.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body })),
		{
			...(deadlineMs ? { deadlineMs } : {}),
			deliver: ({ ETag }) => ingestPublished(table.services, { key, body, eTag: ETag }),
		},
	);
}

/**
 * Upload → public latency against a table of `small` and one of `large` stored articles,
 * all published in the feeds the uploads go to: an upload must cost the same whatever the
 * table holds. Both tables are in one fresh stack and publish to its site bucket, served by
 * its edge; their uploads alternate (each render writes whole documents, so the edge shows
 * the table that published last, and every upload changes the latest feeds it is timed by).
 */
export async function benchUploadAtScale(options: {
	small: number;
	large: number;
	uploads: number;
	warmup: number;
	seedBudgetMs: number;
}): Promise<void> {
	const stack = await startEphemeralStack();
	const watcher = watchPublic(stack);
	try {
		await stack.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
		const tables: Table[] = [];
		for (const [label, size] of [
			["small", options.small],
			["large", options.large],
		] as const) {
			const { tableName, services } = await freshTable(stack, `bench-scale-${size}`, BUCKET);
			const bulk = new DynamoDbArticleStore(bulkLoadingClient(stack.dynamodb), tableName);
			const seeded = await seedPublished(services, bulk, size, options.seedBudgetMs);
			const rate = (seeded.stored / seeded.ms) * 1000;
			const cut =
				seeded.stored < size
					? `: the ${formatMs(options.seedBudgetMs)} budget ran out, so ${seeded.stored} is used instead of ${size}`
					: "";
			console.log(
				`  seeded ${seeded.stored} published articles (en latest, partner and subject feeds) in ${formatMs(seeded.ms)}, ${rate.toFixed(0)}/s: the article store's items sent as BatchWriteItem, ${SEED_BATCH} articles a call, ${SEED_CONCURRENCY} calls at once${cut}`,
			);
			tables.push({ label, services, stored: seeded.stored, uploads: 0 });
		}
		const [small, large] = tables as [Table, Table];

		// The first upload after seeding renders every archive page of its three feeds, which
		// ingests that built the table would have rendered as they went: not an upload's cost.
		for (const table of tables) {
			const start = performance.now();
			const ms = await uploadInto(stack, watcher, table, CATCH_UP_DEADLINE_MS);
			const ingested = performance.now() - start;
			const { renderedPages } = await table.services.feeds.getFeedState(feedKey("en", "latest"));
			console.log(
				`  first upload into ${table.stored} stored (setup, not measured): public after ${formatMs(ms)}, PUT + ingest ${formatMs(ingested)} (rendering ${renderedPages} archive pages of each feed)`,
			);
		}
		for (let i = 0; i < options.warmup; i++) {
			await uploadInto(stack, watcher, small);
			await uploadInto(stack, watcher, large);
		}
		const samples = { small: [] as number[], large: [] as number[] };
		for (let i = 0; i < options.uploads; i++) {
			// Alternating which goes first, so neither always runs right after the other.
			if (i % 2 === 0) {
				samples.small.push(await uploadInto(stack, watcher, small));
				samples.large.push(await uploadInto(stack, watcher, large));
			} else {
				samples.large.push(await uploadInto(stack, watcher, large));
				samples.small.push(await uploadInto(stack, watcher, small));
			}
		}
		const ratio = percentile(samples.large, 50) / percentile(samples.small, 50);
		console.log(row(`upload → public, ${small.stored} stored (baseline)`, samples.small));
		console.log(row(`upload → public, ${large.stored} stored`, samples.large, samples.small));
		console.log(
			`  goal: ratio ≤ ${GOAL_RATIO} (p50): ${ratio <= GOAL_RATIO ? "met" : "MISSED"} (×${ratio.toFixed(2)}; ${options.uploads} uploads each, one at a time, after ${options.warmup} warm-up, alternating; PUT to a bucket of its own, then ingestUpload() on the seeded table called directly, not by the stack's queue, which feeds only the stack's table; timed until the edge serves its page and every feed it enters)`,
		);
	} finally {
		await watcher.stop();
		await stack.stop();
	}
}
