import type { AgreementChangeStore } from "../ports/agreements.ts";
import type { SiteCache } from "../ports/publishing.ts";
import type { LogBucket, ViewStore } from "../ports/views.ts";
import { type AggregateViewsDeps, makeAggregateViews } from "./aggregate-views.ts";
import type { IngestDeps } from "./ingest-upload.ts";
import type { PublishDeps } from "./publish-targets.ts";
import { type IngestStores, wireIngest } from "./wire-ingest.ts";
import { wireSchedule } from "./wire-schedule.ts";

/** One adapter per port: DynamoDB and S3 in a deployment, in memory in fast tests. */
export interface Stores extends Omit<IngestStores, "mostViewed"> {
	/** Daily views and Most Viewed rankings; with `logs`, the view aggregator is wired. */
	views?: ViewStore;
	/** The access-log bucket the view aggregator reads. */
	logs?: LogBucket;
	/** Unfinished agreement changes, which the schedule finishes. */
	agreementChanges: AgreementChangeStore;
}

export interface UseCaseOptions {
	siteUrl: string;
	/** Identifies this process in publish leases. */
	owner: string;
	onLeaseLost?: (target: string) => void;
	/** The CDN to tell about changed paths; none locally. */
	cache?: SiteCache;
	clock?: () => Date;
	/** A WebSub hub the feeds link and the publisher tells of changes; none by default. */
	hubUrl?: string;
}

/**
 * Every use case wired on the given stores, the same way in Lambda, the CLI and tests.
 * `overrides` replace single dependencies: the way tests inject a fault or a slow store.
 */
export function wireUseCases(
	stores: Stores,
	options: UseCaseOptions,
	overrides: {
		ingest?: Partial<IngestDeps>;
		publish?: Partial<PublishDeps>;
		views?: Partial<AggregateViewsDeps>;
	} = {},
) {
	const wired = wireIngest(
		{ ...stores, ...(stores.views ? { mostViewed: stores.views } : {}) },
		options,
		overrides,
	);
	// Only where the views and the log bucket are wired (not in the fast in-memory tests).
	const aggregateViews =
		stores.views && stores.logs
			? makeAggregateViews({
					views: stores.views,
					logs: stores.logs,
					publish: wired.publishChanges,
					clock: wired.clock,
					...overrides.views,
				})
			: undefined;
	return { ...stores, ...wired, ...wireSchedule(stores, options, wired), aggregateViews };
}
