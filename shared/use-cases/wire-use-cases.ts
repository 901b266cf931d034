import type {
	AgreementStore,
	ArticleStore,
	FeedStore,
	ObjectStore,
	PublishLedger,
	SiteCache,
	UploadStore,
} from "../ports.ts";
import { makeChangeArticles } from "./change-articles.ts";
import { type IngestDeps, makeIngestUpload } from "./ingest-upload.ts";
import { makePublishChanges, makePublishTargets, type PublishDeps } from "./publish-targets.ts";

/** One adapter per port: DynamoDB and S3 in a deployment, in memory in fast tests. */
export interface Stores {
	/** The ingest bucket: uploads, archive, private content, reports. */
	uploads: ObjectStore;
	site: ObjectStore;
	articles: ArticleStore;
	feeds: FeedStore;
	uploadRecords: UploadStore;
	agreements: AgreementStore;
	ledger: PublishLedger;
}

export interface UseCaseOptions {
	siteUrl: string;
	/** Identifies this process in publish leases. */
	owner: string;
	onLeaseLost?: (target: string) => void;
	/** The CDN to tell about changed paths; none locally. */
	cache?: SiteCache;
	clock?: () => Date;
}

/**
 * Every use case wired on the given stores, the same way in Lambda, the CLI and tests.
 * `overrides` replace single dependencies: the way tests inject a fault or a slow store.
 */
export function wireUseCases(
	stores: Stores,
	options: UseCaseOptions,
	overrides: { ingest?: Partial<IngestDeps>; publish?: Partial<PublishDeps> } = {},
) {
	const { uploads, site, articles, feeds, uploadRecords, agreements, ledger } = stores;
	const clock = options.clock ?? (() => new Date());
	const publishTargets = makePublishTargets({
		articles,
		feeds,
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
		...overrides.publish,
	});
	const { publishChange, publishChanges, sweep } = makePublishChanges({
		ledger,
		publish: publishTargets,
	});
	const changes = makeChangeArticles({ articles, agreements, publish: publishChanges, clock });
	const ingestUpload = makeIngestUpload({
		uploads,
		articles,
		uploadRecords,
		agreements,
		publish: publishChange,
		reevaluate: async (ref, reason) => {
			const pending = await changes.applyChange(ref, { kind: "reevaluate", by: "ingest", reason });
			if (pending) await publishChange(pending);
		},
		clock,
		...overrides.ingest,
	});
	/** The schedule's run: what came due, then whatever a failed publisher left behind. */
	async function scheduledSweep(): Promise<number> {
		const released = await changes.releaseDue();
		return released.targets + (await sweep());
	}
	return {
		...stores,
		clock,
		publishTargets,
		publishChange,
		publishChanges,
		sweep,
		scheduledSweep,
		ingestUpload,
		...changes,
	};
}
