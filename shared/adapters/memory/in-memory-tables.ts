import type {
	AgreementChange,
	Partner,
	StoredAgreement,
	UnsettledAgreementChange,
} from "../../domain/agreement.ts";
import type { Article, ArticleRef } from "../../domain/article.ts";
import type { FeedTombstone } from "../../domain/feeds/kill-notices.ts";
import type { ArticleEvent } from "../../domain/plan-article-change.ts";
import { UnstorableError } from "../../domain/store-errors.ts";
import type { FeedItem } from "../../domain/targets.ts";
import type { PendingChange } from "../../ports/articles.ts";
import type { UploadRecord } from "../../ports/uploads.ts";

/** One publish target's revisions and lease, as the ledger keeps them. */
export interface TargetRow {
	rev: number;
	publishedRev?: number;
	leaseOwner?: string;
	/** Epoch milliseconds. */
	leaseUntil?: number;
	dirty: boolean;
}

/** One feed's state beside its rows, as the feed store keeps it. */
export interface FeedMetaRow {
	count: number;
	renderedPages: number;
	lastRemovedAt?: string;
	listed: boolean;
	listedName?: string;
	stale: Map<number, string>;
}

/**
 * Every row of the in-memory stores, shared by the adapters built on it as the DynamoDB
 * adapters share one table: the feed store reads the rows the article store writes, the
 * upload store the upload records a commit wrote, the ledger the pending changes. Tests may
 * read the maps to see what was stored.
 */
export class InMemoryTables {
	/** The current state of every article, by {@link refKey}. */
	readonly articles = new Map<string, Article>();
	/** Every uploaded version of each article, by ref key, then version number. */
	readonly versions = new Map<string, Map<number, Article>>();
	/** Each article's history, by ref key, then `at` and revision (the order it is listed in). */
	readonly history = new Map<string, Map<string, ArticleEvent>>();
	/** The due index: one row per article and due instant, by {@link dueKey}. */
	readonly due = new Map<string, { dueAt: string; ref: ArticleRef }>();
	/** Feed rows, by feed key, then sort key. */
	readonly feeds = new Map<string, Map<string, FeedItem>>();
	readonly languages = new Set<string>();
	/** Each feed row's ordinal (archive position), by feed key, then sort key. */
	readonly feedOrdinals = new Map<string, Map<string, number>>();
	/** Archive rows: a copy of each public row's item, by feed key, then ordinal. */
	readonly archives = new Map<string, Map<number, FeedItem>>();
	/** Kill notices, by feed key, then item id. */
	readonly feedTombstones = new Map<string, Map<string, FeedTombstone>>();
	/** Per feed: its counter, stale archive pages (page → mark) and listing. */
	readonly feedMeta = new Map<string, FeedMetaRow>();
	/** What the publisher last wrote at each site key (`null`: deleted). */
	readonly siteDigests = new Map<string, string | null>();
	/** Upload records, by object key, then upload id. */
	readonly uploads = new Map<string, Map<string, UploadRecord>>();
	/** The newest upload at each object key. */
	readonly newestUploads = new Map<string, UploadRecord>();
	readonly pending = new Map<string, PendingChange>();
	readonly targets = new Map<string, TargetRow>();
	readonly partners = new Map<string, Partner>();
	readonly agreements = new Map<string, StoredAgreement>();
	readonly agreementHistory = new Map<string, AgreementChange[]>();
	/** Agreement changes whose articles are still to be decided again, by agreement id. */
	readonly unsettledChanges = new Map<string, UnsettledAgreementChange>();
}

/** The map key of an article: unambiguous whatever characters its ids hold. */
export function refKey(ref: ArticleRef): string {
	return JSON.stringify([ref.partnerId, ref.articleId, ref.language]);
}

export function refOf(article: ArticleRef): ArticleRef {
	return { partnerId: article.partnerId, articleId: article.articleId, language: article.language };
}

export function dueKey(dueAt: string, ref: ArticleRef): string {
	return JSON.stringify([dueAt, refKey(ref)]);
}

/** Orders strings as DynamoDB orders sort keys of plain ASCII. */
export function compareKeys(a: string, b: string): number {
	return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * A copy of a value being stored, so the caller's later changes do not reach the store;
 * what no store could keep (a function, a symbol) is refused for good, as DynamoDB's
 * marshaller refuses it.
 */
export function copyIn<T>(value: T): T {
	try {
		return structuredClone(value);
	} catch (error) {
		throw new UnstorableError(`the data cannot be written (${(error as Error).message})`, {
			cause: error,
		});
	}
}

/**
 * Makes `record` the newest upload at its key unless a later one already is (by S3 order);
 * the same upload may mark itself again, so a redelivered event converges to the same answer.
 * Whether it is the newest now.
 */
export function markNewestIn(tables: InMemoryTables, record: UploadRecord): boolean {
	const newest = tables.newestUploads.get(record.key);
	if (
		newest &&
		newest.order >= record.order &&
		!(newest.order === record.order && newest.uploadId === record.uploadId)
	) {
		return false;
	}
	tables.newestUploads.set(record.key, copyIn(record));
	return true;
}

/** A copy of a stored value, so the caller's changes do not reach the store. */
export function copyOut<T>(value: T): T {
	return structuredClone(value);
}
