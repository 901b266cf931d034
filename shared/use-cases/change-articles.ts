import type { StoredAgreement } from "../domain/agreement.ts";
import type { Article, ArticleRef } from "../domain/article.ts";
import {
	type ArticleChange,
	ArticleChangeError,
	type ArticlePlan,
	planArticleChange,
} from "../domain/plan-article-change.ts";
import { policyTargetIds } from "../domain/targets.ts";
import { untilWon } from "../lib/retry-races.ts";
import type { PendingChange } from "../ports/articles.ts";
import {
	type ChangeArticlesDeps,
	type ChangeSummary,
	commitOf,
	makeApplyAll,
} from "./change-batches.ts";

// The use case's types, from this module as its callers (the CLI, the schedule) import them.

/** Which article an ops withdraw or restore is about, who acts and why. */
export interface OpsChangeInput {
	partnerId: string;
	articleId: string;
	/** One language only; every language of the article when absent. */
	language?: string;
	by: string;
	reason: string;
}

const MAX_ATTEMPTS = 5;

/**
 * Every trigger but an upload: agreements granted, amended or revoked, windows and embargoes
 * reaching their instant, and ops takedowns. Each gathers the articles it touches, lets
 * {@link planArticleChange} decide, commits under the article's optimistic lock, and then
 * publishes exactly the targets that changed, once per batch.
 */
export function makeChangeArticles(deps: ChangeArticlesDeps) {
	const { articles, agreements, clock } = deps;

	/**
	 * Applies one change to one article; the pending change to publish, if anything changed.
	 * `agreementOf` lets a batch read each agreement once: a decision is committed only while
	 * the agreement is still at the revision read, and made again on a fresh read otherwise.
	 * `onPlanned` sees each plan before it is committed.
	 */
	async function applyChange(
		ref: ArticleRef,
		change: ArticleChange,
		agreementOf: (id: string) => Promise<StoredAgreement | undefined> = (id) =>
			agreements.getAgreement(id),
		onPlanned?: (current: Article, plan: ArticlePlan) => void,
	): Promise<PendingChange | undefined> {
		let readAgreement = agreementOf;
		return untilWon<PendingChange | undefined>(
			MAX_ATTEMPTS,
			async () => {
				const current = await articles.getArticle(ref);
				if (!current) {
					throw new ArticleChangeError(
						`no article ${ref.partnerId}/${ref.articleId} in language ${ref.language}`,
					);
				}
				const agreement = await readAgreement(current.rights.agreement);
				const plan = planArticleChange({ current, change, agreement, now: clock() });
				if (!plan.changed) return { won: true, value: undefined };
				onPlanned?.(current, plan);
				const commit = commitOf(current, plan, agreement);
				const result = await articles.commitArticleChange(commit);
				if (result === "committed") return { won: true, value: commit.pending };
				// Another change to the article, or to its agreement, committed first: decide again
				// on what it left, the agreement read afresh (a batch's shared read is the old one).
				if (result === "agreement-changed") readAgreement = (id) => agreements.getAgreement(id);
				return { won: false };
			},
			() =>
				new Error(
					`${ref.partnerId}/${ref.articleId} (${ref.language}) changed ${MAX_ATTEMPTS} times while deciding`,
				),
		);
	}

	const applyAll = makeApplyAll(deps, applyChange);

	/**
	 * Re-decides every article that names the agreement, after it was granted, amended or
	 * revoked, and publishes the agreement's ODRL policy with them: the command that changed it
	 * returns once the site states the change, and the schedule finishing a change that a dead
	 * command left publishes it too.
	 */
	function reevaluateAgreement(
		agreementId: string,
		by: string,
		reason: string,
	): Promise<ChangeSummary> {
		return applyAll(
			articles.listByAgreement(agreementId),
			{ kind: "reevaluate", by, reason },
			undefined,
			true,
			policyTargetIds(agreementId),
		);
	}

	/** The schedule's part: every article whose window or embargo instant has come. */
	async function releaseDue(limit = 100): Promise<ChangeSummary> {
		const now = clock();
		const due = await articles.listDue(now, limit);
		return applyAll(
			due,
			{
				kind: "reevaluate",
				by: "schedule",
				reason: `a window or embargo instant passed (checked at ${now.toISOString()})`,
			},
			// The instant the due index holds: the latency includes the wait for the schedule.
			(current) => current.dueAt,
		);
	}

	/** The languages of an article an ops command names (one, or all it has). */
	async function languagesOf(
		partnerId: string,
		articleId: string,
		language?: string,
	): Promise<ArticleRef[]> {
		const refs: ArticleRef[] = [];
		for await (const summary of articles.listByPartner(partnerId, articleId)) {
			if (language === undefined || summary.language === language) {
				refs.push({ partnerId, articleId, language: summary.language });
			}
		}
		if (refs.length === 0) {
			throw new ArticleChangeError(
				`no article ${partnerId}/${articleId}${language ? ` in language ${language}` : ""}`,
			);
		}
		return refs;
	}

	/** An ops decision on one article, in every language or one. */
	function opsChange(kind: "withdraw" | "restore") {
		return async (input: OpsChangeInput): Promise<ChangeSummary> => {
			const refs = await languagesOf(input.partnerId, input.articleId, input.language);
			return applyAll(refs, { kind, by: input.by, reason: input.reason });
		};
	}

	return {
		applyChange,
		reevaluateAgreement,
		releaseDue,
		/** An ops takedown (a complaint, a legal order): down in every feed and page until restored. */
		withdraw: opsChange("withdraw"),
		/** Lifts an ops takedown; the article is public again if its permission stands. */
		restore: opsChange("restore"),
	};
}
