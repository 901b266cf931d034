import type { StoredAgreement } from "../domain/agreement.ts";
import type { Article, ArticleRef } from "../domain/article.ts";
import { RANKED_FEEDS } from "../domain/feeds/kinds.ts";
import {
	type ArticleChange,
	type ArticlePlan,
	planArticleChange,
} from "../domain/plan-article-change.ts";
import { feedEntriesFor, targetId, targetOfFeedKey } from "../domain/targets.ts";
import { streamChunksOf } from "../lib/chunks.ts";
import { forEachLimited } from "../lib/for-each-limited.ts";
import type { AgreementStore } from "../ports/agreements.ts";
import type { ArticleCommit, ArticleStore, PendingChange } from "../ports/articles.ts";

// A change applied to many articles at once (an agreement's, the schedule's, an ops command's):
// read, planned and committed in batches, its takedowns published early and timed.

export interface ChangeArticlesDeps {
	articles: ArticleStore;
	agreements: AgreementStore;
	/**
	 * Publishes the targets of committed changes once, with `also`, then forgets the pending
	 * changes.
	 */
	publish: (changes: PendingChange[], also?: readonly string[]) => Promise<void>;
	/**
	 * Publishes the takedown of targets now, nothing committed or settled: a takedown an
	 * agreement caused shows before its articles are decided again, since every render
	 * applies the agreement as stored (publish-targets.ts). Without it, it shows once committed.
	 */
	takeDownNow?: (ids: string[], known: Article[]) => Promise<void>;
	clock: () => Date;
}

/** An article a change took off the site (public before it, not after), and how long that took. */
export interface Takedown extends ArticleRef {
	/**
	 * When its permission ended: for the schedule, the due instant it acted on (the agreement's
	 * `validUntil`); for a command, when its re-evaluation began, right after the agreement was
	 * stored.
	 */
	since: string;
	/** When the change was published: pages deleted, feeds rendered, the CDN told. */
	publishedAt: string;
	/** From `since` to `publishedAt`. */
	latencyMs: number;
}

/** What a batch of changes did. */
export interface ChangeSummary {
	/** Articles looked at. */
	articles: number;
	/** Articles whose state changed. */
	changed: number;
	/** Targets published. */
	targets: number;
	/** The articles it took down, each with its takedown latency. */
	takenDown: Takedown[];
}

// Articles per batch (DynamoDB's BatchGetItem takes 100 keys), and batches at once.
const BATCH = 100;
const BATCHES_AT_ONCE = 4;
// Articles planned before their takedown is published and they are committed: enough for a
// whole agreement's takedown to show at once, few enough to keep in memory.
const CHUNK = 2000;

const refKey = (ref: ArticleRef) => `${ref.partnerId}/${ref.articleId}/${ref.language}`;

// Articles decided at once: DynamoDB takes many small transactions in parallel.
const CONCURRENCY = 32;

/** The takedowns noted among the changes a batch committed, as published at `publishedAt`. */
function timedTakedowns(
	committed: readonly PendingChange[],
	noted: ReadonlyMap<string, Omit<Takedown, "publishedAt" | "latencyMs">>,
	publishedAt: Date,
	/** Changes whose takedown was published before their commit, and when. */
	early: ReadonlyMap<string, Date>,
): Takedown[] {
	return committed.flatMap((change) => {
		const down = noted.get(change.changeId);
		if (!down) return [];
		const at = early.get(change.changeId) ?? publishedAt;
		const latencyMs = at.getTime() - Date.parse(down.since);
		return [{ ...down, publishedAt: at.toISOString(), latencyMs }];
	});
}

/**
 * The targets that list a public article: each feed it is in, its language's Most Viewed
 * and front page, and the home page. None for an article that is not public.
 */
function listingsOf(article: Article): string[] {
	const rows = feedEntriesFor(article);
	if (rows.length === 0) return [];
	const { language } = article;
	return [
		...rows.map((row) => targetId(targetOfFeedKey(row.feedKey))),
		...RANKED_FEEDS.map((feed) => targetId({ kind: "feed", language, feed })),
		targetId({ kind: "front", language }),
		targetId({ kind: "home" }),
	];
}

/** The pending change a committed plan leaves for the publisher: one per article revision. */
function pendingOf(plan: ArticlePlan): PendingChange | undefined {
	const targets = plan.targets.map(targetId);
	if (targets.length === 0) return undefined;
	const { partnerId, articleId, language, revision } = plan.next;
	return { changeId: `article:${partnerId}/${articleId}/${language}#${revision}`, targets };
}

/**
 * What committing `plan`, made against `current` and the agreement it names as read,
 * writes: applied only while neither moved on.
 */
export function commitOf(
	current: Article,
	plan: ArticlePlan,
	agreement: StoredAgreement | undefined,
): ArticleCommit {
	const pending = pendingOf(plan);
	return {
		article: {
			next: plan.next,
			expectedRevision: current.revision,
			newVersion: false,
			...(plan.event ? { event: plan.event } : {}),
			...(current.dueAt ? { previousDueAt: current.dueAt } : {}),
			feedPuts: plan.feedPuts,
			feedDeletes: plan.feedDeletes,
			decidedUnder: {
				agreementId: current.rights.agreement,
				revision: agreement?.revision ?? null,
			},
		},
		...(pending ? { pending } : {}),
	};
}

/** Whether a plan takes something off the site: the article, its photos or its full text. */
function takesDown(current: Article, plan: ArticlePlan): boolean {
	if (current.status !== "published") return false;
	if (plan.next.status !== "published") return true;
	const before = current.permission;
	const after = plan.next.permission;
	return (
		(before.imagesAllowed && !after.imagesAllowed) ||
		(before.fullTextAllowed === true && after.fullTextAllowed !== true)
	);
}

/** Applies one change to one article, on its own: what a batch falls back on (change-articles.ts). */
export type ApplyChange = (
	ref: ArticleRef,
	change: ArticleChange,
	agreementOf: (id: string) => Promise<StoredAgreement | undefined>,
	onPlanned: (current: Article, plan: ArticlePlan) => void,
) => Promise<PendingChange | undefined>;

/** The change applied to every article of `refs`, published once at the end. */
export function makeApplyAll(deps: ChangeArticlesDeps, applyChange: ApplyChange) {
	const { articles, agreements, clock } = deps;

	/**
	 * `sinceOf` says when an article it takes down should have gone (the schedule's due instant);
	 * when it says nothing, the instant the batch began. With `refreshListings`, every feed
	 * and front page that listed one of the articles is published again at the end, changed
	 * or not: renders apply the agreement as it stands, so after an agreement change each
	 * listing must be rendered once more from the last state, even where a concurrent change
	 * left every article's own decision as it was (a revoke overtaken by a grant).
	 * `alsoPublish` are published at the end with them, whatever the articles did.
	 */
	return async function applyAll(
		refs: AsyncIterable<ArticleRef> | Iterable<ArticleRef>,
		change: ArticleChange,
		sinceOf: (current: Article) => string | undefined = () => undefined,
		refreshListings = false,
		alsoPublish: readonly string[] = [],
	): Promise<ChangeSummary> {
		// Takedowns are noted as planned, by change id: only those `pending` holds were committed.
		const began = clock().toISOString();
		const takedowns = new Map<string, Omit<Takedown, "publishedAt" | "latencyMs">>();
		const noteTakedown = (current: Article, plan: ArticlePlan) => {
			const changeId = pendingOf(plan)?.changeId;
			if (!changeId || current.status !== "published" || plan.next.status === "published") return;
			const { partnerId, articleId, language } = current;
			takedowns.set(changeId, { partnerId, articleId, language, since: sinceOf(current) ?? began });
		};
		const pending: PendingChange[] = [];
		const publishedEarly = new Map<string, Date>();
		const read = new Map<string, Promise<StoredAgreement | undefined>>();
		// Targets published besides the committed changes': pages an early takedown left dirty
		// (rendered again from whatever was committed), the listings to refresh, and `alsoPublish`.
		const also = new Set<string>(alsoPublish);
		const agreementOf = (id: string) => {
			const known = read.get(id) ?? agreements.getAgreement(id);
			read.set(id, known);
			return known;
		};
		let count = 0;
		for await (const chunk of streamChunksOf(refs, CHUNK)) {
			count += chunk.length;
			// A hundred articles at a time: one batch read, one decision each.
			const planned: {
				ref: ArticleRef;
				current: Article;
				commit: ArticleCommit;
				takedown: string[];
			}[][] = [];
			const alone: ArticleRef[] = [];
			// Each batch's takedown starts as soon as it is planned, while the next are read:
			// renders apply the agreement as stored, so a feed published for the first batch
			// already leaves out every article the change took down, and is not published again.
			const startedEarly = new Set<string>();
			const earlyRuns: Promise<boolean>[] = [];
			const takeDownEarly = (decided: (typeof planned)[number]) => {
				const early = decided.filter((p) => p.takedown.length > 0);
				const ids = [...new Set(early.flatMap((p) => p.takedown))].filter(
					(id) => !startedEarly.has(id),
				);
				if (ids.length === 0 || !deps.takeDownNow) return;
				for (const id of ids) {
					startedEarly.add(id);
					also.add(id);
				}
				// Settled at once: a failure waiting for the end of planning would be unhandled.
				earlyRuns.push(
					deps
						.takeDownNow(
							ids,
							early.map((p) => p.current),
						)
						.then(
							() => true,
							() => false,
						),
				);
			};
			await forEachLimited(streamChunksOf(chunk, BATCH), BATCHES_AT_ONCE, async (batch) => {
				const stored = new Map(
					(await articles.getArticles(batch)).map((article) => [refKey(article), article]),
				);
				const decided: (typeof planned)[number] = [];
				for (const ref of batch) {
					const current = stored.get(refKey(ref));
					if (!current) {
						alone.push(ref);
						continue;
					}
					if (refreshListings) for (const id of listingsOf(current)) also.add(id);
					const agreement = await agreementOf(current.rights.agreement);
					const plan = planArticleChange({ current, change, agreement, now: clock() });
					noteTakedown(current, plan);
					if (!plan.changed) continue;
					// Re-deciding changes only what the agreement allows, which renders already apply.
					const downFirst = change.kind === "reevaluate" && takesDown(current, plan);
					decided.push({
						ref,
						current,
						commit: commitOf(current, plan, agreement),
						takedown: downFirst ? plan.targets.map(targetId) : [],
					});
				}
				planned.push(decided);
				takeDownEarly(decided);
			});
			// Early, not instead: should any of it fail, the commits below still leave pending
			// changes whose publish makes the same takedown (and reports any error). Timed when
			// all of it is out, since a feed one batch published holds the others' takedown too.
			const published = await Promise.all(earlyRuns);
			if (published.length > 0 && published.every(Boolean)) {
				const at = clock();
				for (const { commit, takedown } of planned.flat()) {
					// Timed from here: the rest of the call only records it.
					if (takedown.length > 0 && commit.pending)
						publishedEarly.set(commit.pending.changeId, at);
				}
			}
			// Their commits packed into few transactions; an article another change beat is
			// decided again on its own.
			await forEachLimited(planned, BATCHES_AT_ONCE, async (decided) => {
				const results = await articles.commitArticleChanges(decided.map((p) => p.commit));
				for (const [index, { ref, commit }] of decided.entries()) {
					const result = results[index];
					// Its agreement moved on since the batch read it: later reads see the new one.
					const under = commit.article?.decidedUnder;
					if (result === "agreement-changed" && under) read.delete(under.agreementId);
					if (result !== "committed") alone.push(ref);
					else if (commit.pending) pending.push(commit.pending);
				}
			});
			await forEachLimited(alone, CONCURRENCY, async (ref) => {
				const done = await applyChange(ref, change, agreementOf, noteTakedown);
				if (done) pending.push(done);
			});
		}
		await deps.publish(pending, [...also]);
		return {
			articles: count,
			changed: pending.length,
			targets: new Set(pending.flatMap((p) => p.targets)).size,
			takenDown: timedTakedowns(pending, takedowns, clock(), publishedEarly),
		};
	};
}
