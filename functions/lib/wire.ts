import type { S3Client } from "@aws-sdk/client-s3";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { DynamoDbAgreementStore } from "#shared/adapters/dynamodb/dynamodb-agreement-store.ts";
import {
	DynamoDbArticleStore,
	DynamoDbFeedStore,
} from "#shared/adapters/dynamodb/dynamodb-article-store.ts";
import { DynamoDbPublishLedger } from "#shared/adapters/dynamodb/dynamodb-publish-ledger.ts";
import { DynamoDbUploadStore } from "#shared/adapters/dynamodb/dynamodb-upload-store.ts";
import { S3ObjectStore } from "#shared/adapters/s3/s3-object-store.ts";
import type { SiteCache } from "#shared/ports.ts";
import { makeChangeArticles } from "#shared/use-cases/change-articles.ts";
import { type IngestDeps, makeIngestUpload } from "#shared/use-cases/ingest-upload.ts";
import {
	makePublishChanges,
	makePublishTargets,
	type PublishDeps,
} from "#shared/use-cases/publish-targets.ts";

/** Where a deployment (a Lambda's environment, or the ops CLI's flags) keeps its data. */
export interface Deployment {
	s3: S3Client;
	dynamodb: DynamoDBDocumentClient;
	tableName: string;
	ingestBucket: string;
	siteBucket: string;
	siteUrl: string;
	/** Identifies this process in publish leases. */
	owner: string;
	onLeaseLost?: (target: string) => void;
	/** The CDN to tell about changed paths; none locally. */
	cache?: SiteCache;
	clock?: () => Date;
}

/**
 * The adapters and use cases of one deployment, wired the same way in Lambda and in the CLI.
 * `overrides` replace single dependencies: the way tests inject a fault or a slow store.
 */
export function wireServices(
	deployment: Deployment,
	overrides: { ingest?: Partial<IngestDeps>; publish?: Partial<PublishDeps> } = {},
) {
	const { s3, dynamodb, tableName } = deployment;
	const clock = deployment.clock ?? (() => new Date());
	const uploads = new S3ObjectStore(s3, deployment.ingestBucket);
	const site = new S3ObjectStore(s3, deployment.siteBucket);
	const articles = new DynamoDbArticleStore(dynamodb, tableName);
	const feeds = new DynamoDbFeedStore(dynamodb, tableName);
	const uploadRecords = new DynamoDbUploadStore(dynamodb, tableName);
	const agreements = new DynamoDbAgreementStore(dynamodb, tableName);
	const ledger = new DynamoDbPublishLedger(dynamodb, tableName);
	const publishTargets = makePublishTargets({
		articles,
		feeds,
		ledger,
		content: uploads,
		site,
		siteUrl: deployment.siteUrl,
		clock,
		owner: deployment.owner,
		// Renewed every third of it while rendering: a dead publisher blocks a target 20 s at most.
		leaseMs: 20_000,
		...(deployment.onLeaseLost ? { onLeaseLost: deployment.onLeaseLost } : {}),
		...(deployment.cache ? { cache: deployment.cache } : {}),
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
		uploads,
		site,
		articles,
		feeds,
		uploadRecords,
		agreements,
		ledger,
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
