import { type ArticleContent, planArticleChange } from "#shared/domain/plan-article-change.ts";
import { startEphemeralStack } from "../local/stack.ts";
import { makeArticle } from "../tests/helpers/articles.ts";
import { firstUploadCommit, freshTable, type Services } from "./fresh-table.ts";
import { forEachLimited, formatMs, percentile, row } from "./stats.ts";

const SEED_CONCURRENCY = 64;
const GOAL_RATIO = 1.2;
const AGREEMENT = "sn-jst-2023";
const EMBARGO_FROM = Date.UTC(2099, 0, 1);

/**
 * Stores `size` articles embargoed until 2099 as an upload would leave them (current state,
 * version, history, due index and partner listing), straight through `commitArticleChange`:
 * the pipeline would take hours for 100,000. Stops early once `budgetMs` has passed.
 */
async function seedEmbargoed(services: Services, size: number, budgetMs: number) {
	const agreement = await services.agreements.getAgreement(AGREEMENT);
	if (!agreement) throw new Error(`no agreement ${AGREEMENT} to seed under`);
	const start = performance.now();
	let stored = 0;
	function* articleIndexes() {
		for (let i = 0; i < size && performance.now() - start < budgetMs; i++) yield i;
	}
	await forEachLimited(articleIndexes(), SEED_CONCURRENCY, async (i) => {
		const articleId = `due-${String(i).padStart(6, "0")}`;
		// An upload's plan drops the stored decisions makeArticle comes with.
		const content: ArticleContent = makeArticle({
			articleId,
			headline: `Embargoed ${articleId}`,
			embargoUntil: new Date(EMBARGO_FROM + i * 1000).toISOString(),
			bodyKey: `content/${articleId}/body.html`,
			bundleKey: `incoming/science-news/${articleId}.zip`,
			archiveKey: `archive/science-news/${articleId}.zip`,
		});
		const now = services.clock();
		const plan = planArticleChange({
			current: undefined,
			change: { kind: "upload", next: content, by: "bench", reason: "seed" },
			agreement,
			now,
		});
		if (plan.next.status !== "embargoed" || !plan.next.dueAt?.startsWith("2099-")) {
			throw new Error(`${articleId} would be ${plan.next.status}, due ${plan.next.dueAt}`);
		}
		const result = await services.articles.commitArticleChange(firstUploadCommit(plan));
		if (result !== "committed") throw new Error(`${articleId}: ${result}`);
		stored++;
	});
	return { stored, ms: performance.now() - start };
}

async function timeReleaseDue(services: Services): Promise<number> {
	const start = performance.now();
	const released = await services.releaseDue();
	const ms = performance.now() - start;
	if (released.articles !== 0) throw new Error(`${released.articles} articles were due`);
	return ms;
}

/**
 * The schedule's cost when nothing is due: `releaseDue()` against a table of `small` and
 * one of `large` articles, all embargoed far ahead. Both tables live in one fresh stack and
 * their runs alternate, so drift in the machine weighs on both alike.
 */
export async function benchIdleSchedule(options: {
	small: number;
	large: number;
	runs: number;
	warmup: number;
	seedBudgetMs: number;
}): Promise<void> {
	const stack = await startEphemeralStack();
	try {
		const { services: small } = await freshTable(stack, `bench-due-${options.small}`);
		const { services: large } = await freshTable(stack, `bench-due-${options.large}`);
		const seededSmall = await seedEmbargoed(small, options.small, options.seedBudgetMs);
		const seededLarge = await seedEmbargoed(large, options.large, options.seedBudgetMs);
		for (const [seeded, size] of [
			[seededSmall, options.small],
			[seededLarge, options.large],
		] as const) {
			const rate = (seeded.stored / seeded.ms) * 1000;
			const cut =
				seeded.stored < size
					? `: the ${formatMs(options.seedBudgetMs)} budget ran out, so ${seeded.stored} is used instead of ${size}`
					: "";
			console.log(
				`  seeded ${seeded.stored} embargoed articles (due 2099) in ${formatMs(seeded.ms)}, ${rate.toFixed(0)}/s at concurrency ${SEED_CONCURRENCY}${cut}`,
			);
		}
		// The seeded rows are on the due index: due, they would be found.
		const later = new Date(Date.UTC(2100, 0, 1));
		for (const services of [small, large]) {
			if ((await services.articles.listDue(later, 10)).length !== 10) {
				throw new Error("the seeded articles are not on the due index");
			}
		}

		for (let i = 0; i < options.warmup; i++) {
			await timeReleaseDue(small);
			await timeReleaseDue(large);
		}
		const samples = { small: [] as number[], large: [] as number[] };
		for (let i = 0; i < options.runs; i++) {
			// Alternating which goes first, so neither always runs right after the other.
			if (i % 2 === 0) {
				samples.small.push(await timeReleaseDue(small));
				samples.large.push(await timeReleaseDue(large));
			} else {
				samples.large.push(await timeReleaseDue(large));
				samples.small.push(await timeReleaseDue(small));
			}
		}
		const ratio = percentile(samples.large, 50) / percentile(samples.small, 50);
		console.log(row(`releaseDue(), ${seededSmall.stored} stored (baseline)`, samples.small));
		console.log(row(`releaseDue(), ${seededLarge.stored} stored`, samples.large, samples.small));
		console.log(
			`  goal: ratio ≤ ${GOAL_RATIO} (p50): ${ratio <= GOAL_RATIO ? "met" : "MISSED"} (×${ratio.toFixed(2)}; ${options.runs} runs each after ${options.warmup} warm-up, alternating)`,
		);
	} finally {
		await stack.stop();
	}
}
