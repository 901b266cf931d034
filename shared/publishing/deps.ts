import type { AgreementStore } from "../ports/agreements.ts";
import type { ArticleStore, FeedStore, SiteDigestStore } from "../ports/articles.ts";
import type { PublishLedger, SiteCache } from "../ports/publishing.ts";
import type { ObjectStore } from "../ports/uploads.ts";
import type { MostViewedReader } from "../ports/views.ts";

/**
 * What a publisher is made of. Here, not in the use case, so that every module of publishing
 * can name it without importing the use case that assembles them.
 */
export interface PublishDeps {
	articles: ArticleStore;
	feeds: FeedStore;
	/**
	 * Read by every render: an item or page is shown only while its agreement still allows it.
	 * An agreement's policy also reads its history, for when it was revoked; pages and feed
	 * titles name a partner as registered.
	 */
	agreements: Pick<AgreementStore, "getAgreement" | "listAgreementHistory" | "getPartner">;
	ledger: PublishLedger;
	/** The ingest bucket, where article bodies and images are kept privately. */
	content: ObjectStore;
	site: ObjectStore;
	siteUrl: string;
	clock: () => Date;
	/** Identifies this publisher in leases; unique per process. */
	owner: string;
	/**
	 * How long a lease lasts unless renewed. Renewed while rendering, so it can be short: a
	 * publisher that dies holding one blocks its target only this long.
	 */
	leaseMs: number;
	/** Where a failed lease renewal is reported (the render goes on; its release will fail). */
	onLeaseLost?: (targetId: string) => void;
	/** The CDN in front of the site (CloudFront in AWS); none locally, where the edge has no cache. */
	cache?: SiteCache;
	/** The Most Viewed ranking (the view aggregator's); without it, Most Viewed is empty. */
	mostViewed?: MostViewedReader;
	/** A WebSub hub: feeds link it, and it is told after each publish that changed a feed. */
	hubUrl?: string;
	/** Where a failed hub notification is reported (the publish itself succeeds). */
	onHubError?: (error: unknown) => void;
	/** Told each feed document rendered and its item count (archive pages are not told): a metric. */
	onFeedRendered?: (feedKey: string, items: number) => void;
	/** The HTTP client for the hub; the global `fetch` unless a test injects one. */
	fetch?: typeof fetch;
	/**
	 * Digests of what the site holds: an unchanged key is compared without reading it back.
	 * Without, the writer reads the stored object (one GET per key).
	 */
	digests?: SiteDigestStore;
}
