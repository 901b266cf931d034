import { type Agreement, decidePermission, type PermissionRecord } from "./agreement.ts";
import { type Article, type ArticleRef, decideStatus } from "./article.ts";
import { type FeedKill, killReasonOf } from "./feeds/kill-notices.ts";
import { type FeedName, FRONT_PAGE_KINDS, RANKED_FEEDS } from "./feeds/kinds.ts";
import {
	type FeedEntry,
	feedEntriesFor,
	type Target,
	targetId,
	targetOfFeedKey,
} from "./targets.ts";

/**
 * Anything that can change what an article shows: a new version uploaded, the agreement or
 * the clock moved on (re-evaluate), or an ops takedown and its reversal. `by` and `reason`
 * go into the article's history.
 */
export type ArticleChange =
	| { kind: "upload"; next: ArticleContent; by: string; reason: string }
	| { kind: "reevaluate"; by: string; reason: string }
	| { kind: "withdraw"; by: string; reason: string }
	| { kind: "restore"; by: string; reason: string };

/** What an upload brings: everything about a version but the decisions taken on it. */
export type ArticleContent = Omit<
	Article,
	"status" | "permission" | "revision" | "dueAt" | "takedown" | "photosChangedAt"
>;

/** One line of an article's history: what was decided, when, by whom and why. */
export interface ArticleEvent {
	at: string;
	action: ArticleChange["kind"];
	by: string;
	reason: string;
	version: number;
	status: Article["status"];
	permission: PermissionRecord;
}

/** A feed row's position, enough to delete it. */
export type FeedPosition = Pick<FeedEntry, "feedKey" | "sortKey">;

/**
 * A feed row to delete; `kill` when its item leaves the feed (it is not put back under
 * another sort key): the store keeps it as the feed's kill notice until the item returns.
 */
export interface FeedRemoval extends FeedPosition {
	kill?: FeedKill;
}

/** What a change does to one article: the next state and exactly what it touches. */
export interface ArticlePlan {
	next: Article;
	/** `false` when nothing changed: there is nothing to commit or publish. */
	changed: boolean;
	/** Appended to the history when the status, the permission or the version changed. */
	event?: ArticleEvent;
	/** Rows that are new or whose item changed. */
	feedPuts: FeedEntry[];
	feedDeletes: FeedRemoval[];
	/** What must be rendered again: derived from the rows that changed and the page. */
	targets: Target[];
}

/** Why a change cannot apply to what is stored. */
export class ArticleChangeError extends Error {
	constructor(message: string) {
		super(message);
		this.name = "ArticleChangeError";
	}
}

const DECISIONS = [
	"status",
	"permission",
	"revision",
	"dueAt",
	"takedown",
	"photosChangedAt",
] as const;

// The instants at which the decision for this article can change without anyone acting.
function nextDueAt(
	article: Pick<Article, "embargoUntil">,
	agreement: Agreement | undefined,
	now: Date,
): string | undefined {
	const candidates = [article.embargoUntil];
	if (agreement && agreement.status === "active") {
		candidates.push(agreement.validFrom, agreement.validUntil ?? undefined);
	}
	const future = candidates
		.filter((instant): instant is string => instant !== undefined)
		.map((instant) => Date.parse(instant))
		.filter((ms) => ms > now.getTime());
	return future.length > 0 ? new Date(Math.min(...future)).toISOString() : undefined;
}

function samePermission(a: PermissionRecord, b: PermissionRecord): boolean {
	return (
		a.decision === b.decision &&
		a.agreementId === b.agreementId &&
		a.reason === b.reason &&
		a.attribution === b.attribution &&
		a.attributionLang === b.attributionLang &&
		a.holder === b.holder &&
		a.imagesAllowed === b.imagesAllowed &&
		a.fullTextAllowed === b.fullTextAllowed &&
		a.sha256 === b.sha256
	);
}

// The feeds the front and home pages list beside each other.
const FRONT_PAGE_FEEDS: ReadonlySet<FeedName> = new Set(FRONT_PAGE_KINDS.map(({ kind }) => kind));

const rowId = (row: FeedPosition) => `${row.feedKey}\n${row.sortKey}`;

function isPublic(article: Article | undefined): boolean {
	return article?.status === "published";
}

function photosShown(article: Article | undefined): boolean {
	return article?.permission.imagesAllowed === true && article.images.length > 0;
}

/**
 * The one decision path of permissions.md and the embargo rule: given the stored article
 * (none for a first upload), any change, the agreement the article names and the time,
 * returns the next state and exactly the rows and targets that change. Pure, so every
 * trigger (upload, grant, amend, revoke, expiry, embargo, withdraw, restore) decides alike.
 */
export function planArticleChange(input: {
	current: Article | undefined;
	change: ArticleChange;
	agreement: Agreement | undefined;
	now: Date;
}): ArticlePlan {
	const { current, change, agreement, now } = input;
	const at = now.toISOString();
	let base: ArticleContent & Pick<Article, "takedown">;
	if (change.kind === "upload") {
		// A stored article may be passed as the content: its old decisions must not leak in.
		const content: Partial<Article> = { ...change.next };
		for (const decision of DECISIONS) delete content[decision];
		base = {
			...(content as ArticleContent),
			...(current?.takedown ? { takedown: current.takedown } : {}),
		};
	} else {
		if (!current) throw new ArticleChangeError("no such article");
		base = { ...current };
		if (change.kind === "withdraw") base.takedown = { at, by: change.by, reason: change.reason };
		if (change.kind === "restore") delete base.takedown;
	}

	const decided = decidePermission({
		partnerId: base.partnerId,
		language: base.language,
		rights: base.rights,
		agreement,
		sha256: base.sha256,
		now,
	});
	// An unchanged decision keeps its record, so re-checks do not rewrite the evidence.
	const permission =
		change.kind !== "upload" && current && samePermission(current.permission, decided)
			? current.permission
			: decided;
	const status = decideStatus({
		pubStatus: base.pubStatus,
		takenDown: base.takedown !== undefined,
		permission,
		embargoUntil: base.embargoUntil,
		now,
	});
	const dueAt = nextDueAt(base, agreement, now);
	const next: Article = {
		...base,
		permission,
		status,
		revision: (current?.revision ?? 0) + 1,
		...(dueAt ? { dueAt } : {}),
	};
	if (!dueAt) delete next.dueAt;
	if (isPublic(current) && isPublic(next) && photosShown(current) !== photosShown(next)) {
		next.photosChangedAt = at;
	}

	const before = current ? feedEntriesFor(current) : [];
	const after = feedEntriesFor(next);
	const beforeById = new Map(before.map((row) => [rowId(row), row]));
	const afterIds = new Set(after.map(rowId));
	const feedPuts = after.filter(
		(row) => JSON.stringify(beforeById.get(rowId(row))?.item) !== JSON.stringify(row.item),
	);
	// An item put back into a feed under another sort key (its date moved) has not left it.
	const stays = new Set(after.map((row) => `${row.feedKey}\n${row.item.id}`));
	const feedDeletes = before
		.filter((row) => !afterIds.has(rowId(row)))
		.map(({ feedKey, sortKey, item }): FeedRemoval => {
			if (stays.has(`${feedKey}\n${item.id}`)) return { feedKey, sortKey };
			return { feedKey, sortKey, kill: { id: item.id, when: at, reason: killReasonOf(next) } };
		});

	const newVersion = change.kind === "upload";
	const decisionChanged =
		!current ||
		current.status !== status ||
		!samePermission(current.permission, permission) ||
		current.takedown?.at !== next.takedown?.at;
	const changed = newVersion || decisionChanged || current?.dueAt !== next.dueAt;

	// Targets follow from the rows that changed: each feed they belong to; the front page
	// and the home page where they show that feed (Latest News and Recent Updates).
	const targets: Target[] = [];
	const feeds = new Map<string, Extract<Target, { kind: "feed" }>>();
	for (const row of [...feedPuts, ...feedDeletes]) {
		const target = targetOfFeedKey(row.feedKey);
		feeds.set(targetId(target), target);
	}
	// Most Viewed has no rows (the view counts rank it) but lists a ranked article by the item
	// its rows hold, read as it renders: when they change, it must drop the article taken down,
	// list it again once public (restored, granted again) and show its new version or photo.
	// Its ranking does not change with them, so nothing else renders it again. A first upload
	// has had no page to view, so no ranking lists it yet.
	if (current && feedPuts.length + feedDeletes.length > 0) {
		for (const feed of RANKED_FEEDS) {
			const target = { kind: "feed", language: next.language, feed } as const;
			feeds.set(targetId(target), target);
		}
	}
	targets.push(...feeds.values());
	const shownLanguages = new Set(
		[...feeds.values()]
			.filter((target) => FRONT_PAGE_FEEDS.has(target.feed))
			.map((target) => target.language),
	);
	for (const language of shownLanguages) targets.push({ kind: "front", language });
	if (shownLanguages.size > 0) targets.push({ kind: "home" });
	const pageShown = isPublic(current) || isPublic(next);
	if (pageShown && (newVersion || decisionChanged)) {
		const ref: ArticleRef = {
			partnerId: next.partnerId,
			articleId: next.articleId,
			language: next.language,
		};
		targets.push({ kind: "page", ...ref });
	}
	// A version that comes or goes changes what its translations link, and the sitemap.
	if (isPublic(current) !== isPublic(next)) {
		targets.push(
			{
				kind: "translations",
				partnerId: next.partnerId,
				articleId: next.articleId,
				language: next.language,
			},
			{ kind: "sitemap" },
		);
	}

	return {
		next,
		changed,
		...(newVersion || decisionChanged
			? {
					event: {
						at,
						action: change.kind,
						by: change.by,
						reason: change.reason,
						version: next.version,
						status,
						permission,
					},
				}
			: {}),
		feedPuts,
		feedDeletes,
		targets,
	};
}
