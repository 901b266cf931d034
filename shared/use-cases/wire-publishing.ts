import { recordingPublishes } from "../lib/health-notes.ts";
import type { AgreementStore } from "../ports/agreements.ts";
import type { ArticleStore, FeedStore, SiteDigestStore } from "../ports/articles.ts";
import type { PublishLedger } from "../ports/publishing.ts";
import type { HealthStore, ObjectStore } from "../ports/uploads.ts";
import type { MostViewedReader } from "../ports/views.ts";
import { makeChangeArticles } from "./change-articles.ts";
import { makePublishChanges, makePublishTargets, type PublishDeps } from "./publish-targets.ts";
import type { UseCaseOptions } from "./wire-use-cases.ts";

/** The stores publishing and every change but an upload read and write. */
export interface PublishingStores {
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

/**
 * Publishing and every change but an upload, wired on the given stores. A module of its
 * own, apart from the upload's use case, so the publish function's bundle carries no bundle
 * reader, manifest schema or HTML sanitizer (tree-shaking cannot drop a module whose top
 * level builds a schema).
 */
export function wirePublishing(
	stores: PublishingStores,
	options: UseCaseOptions,
	overrides: Partial<PublishDeps> = {},
) {
	const { uploads, site, articles, feeds, agreements, ledger } = stores;
	const clock = options.clock ?? (() => new Date());
	const {
		publishTargets: renderTargets,
		republishEverything,
		takeDownNow,
	} = makePublishTargets({
		articles,
		feeds,
		agreements,
		ledger,
		content: uploads,
		site,
		siteUrl: options.siteUrl,
		clock,
		owner: options.owner,
		// Renewed every third of it while rendering: a dead publisher blocks a target 20 s at most.
		leaseMs: 20_000,
		...(options.onLeaseLost ? { onLeaseLost: options.onLeaseLost } : {}),
		...(options.cache ? { cache: options.cache } : {}),
		...(options.hubUrl ? { hubUrl: options.hubUrl } : {}),
		...(stores.mostViewed ? { mostViewed: stores.mostViewed } : {}),
		...(stores.digests ? { digests: stores.digests } : {}),
		...overrides,
	});
	// Every publish (an upload's, the sweep's, the CLI's) notes when it last published, for `status`.
	const publishTargets = recordingPublishes(renderTargets, stores.health, clock);
	const { publishChange, publishChanges, sweep } = makePublishChanges({
		ledger,
		publish: publishTargets,
	});
	const changes = makeChangeArticles({
		articles,
		agreements,
		publish: publishChanges,
		takeDownNow,
		clock,
	});
	return {
		clock,
		publishTargets,
		republishEverything,
		publishChange,
		publishChanges,
		sweep,
		...changes,
	};
}
