import type { AgreementChangeStore, AgreementStore } from "./agreements.ts";
import type { ArticleStore, FeedStore, SiteDigestStore } from "./articles.ts";
import type { PublishLedger, SiteCache, SiteInventory } from "./publishing.ts";
import type { HealthStore, ObjectStore, UploadStore } from "./uploads.ts";
import type { LogBucket, MostViewedReader, ViewStore } from "./views.ts";

/** What the use cases are told besides their ports: the same in Lambda, the CLI and tests. */
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
	/** Where a hub that could not be told is reported (the publish itself stands). */
	onHubError?: (error: unknown) => void;
}

/** The ports publishing and every change but an upload read and write. */
export interface PublishingPorts {
	/** The ingest bucket: uploads, archive, private content, reports. */
	uploads: ObjectStore;
	site: ObjectStore;
	articles: ArticleStore;
	feeds: FeedStore;
	agreements: AgreementStore;
	ledger: PublishLedger;
	/** Notes for `status` (last sweep and publish); none in fast tests. */
	health?: HealthStore;
	/** Most Viewed as the view aggregator ranked it; none where views are not counted. */
	mostViewed?: MostViewedReader;
	/** Digests of what the site holds, so an unchanged publish writes nothing. */
	digests?: SiteDigestStore;
}

/** Publishing's ports and the upload records: what an upload's ingest needs. */
export interface IngestPorts extends PublishingPorts {
	uploadRecords: UploadStore;
}

/** What the schedule reads besides publishing: agreement changes a command left unfinished. */
export interface SchedulePorts {
	agreementChanges: AgreementChangeStore;
	health?: HealthStore;
}

/** What the view aggregator counts from and ranks into. */
export interface ViewsPorts {
	views: ViewStore;
	/** The access-log bucket. */
	logs: LogBucket;
}

/** Every port of one stack, as the ops CLI and whole-pipeline tests reach it. */
export interface StackPorts extends IngestPorts, SchedulePorts, Partial<ViewsPorts> {
	/** What the site bucket holds, for `publish --all`; none in fast tests. */
	siteInventory?: SiteInventory;
}
