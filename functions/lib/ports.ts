import type { S3Client } from "@aws-sdk/client-s3";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { DynamoDbAgreementChanges } from "#shared/adapters/dynamodb/dynamodb-agreement-changes.ts";
import { DynamoDbAgreementStore } from "#shared/adapters/dynamodb/dynamodb-agreement-store.ts";
import { DynamoDbArticleStore } from "#shared/adapters/dynamodb/dynamodb-article-store.ts";
import { DynamoDbFeedStore } from "#shared/adapters/dynamodb/dynamodb-feed-store.ts";
import { DynamoDbHealthStore } from "#shared/adapters/dynamodb/dynamodb-health-store.ts";
import { DynamoDbMostViewedReader } from "#shared/adapters/dynamodb/dynamodb-most-viewed.ts";
import { DynamoDbPublishLedger } from "#shared/adapters/dynamodb/dynamodb-publish-ledger.ts";
import { DynamoDbSiteDigests } from "#shared/adapters/dynamodb/dynamodb-site-digests.ts";
import { DynamoDbUploadStore } from "#shared/adapters/dynamodb/dynamodb-upload-store.ts";
import { S3ObjectStore } from "#shared/adapters/s3/s3-object-store.ts";
import { CompressedVariantStore } from "#shared/adapters/zlib/compressed-variant-store.ts";
import type {
	IngestPorts,
	PublishingPorts,
	SchedulePorts,
	UseCaseOptions,
} from "#shared/ports/options.ts";

/**
 * Where a deployment (a Lambda's environment, the ops CLI's flags, the local stack's servers)
 * keeps its data, and the use cases' options there.
 */
export interface Deployment extends UseCaseOptions {
	s3: S3Client;
	dynamodb: DynamoDBDocumentClient;
	tableName: string;
	ingestBucket: string;
	siteBucket: string;
	/** The access-log bucket; without it the view aggregator has nothing to read. */
	logsBucket?: string;
	/**
	 * Store compressed copies of Atom, JSON Feed and OPML documents beside them in the site
	 * bucket, for the AWS edge to serve (CloudFront does not compress those types). Not for the
	 * local edge, which compresses as it serves.
	 */
	compressedVariants?: boolean;
}

// One builder per entry point's needs, not one for all: a function's bundle then carries only
// the adapters it uses. An adapter's SDK imports stay in a bundle that imports its module
// (the SDK is external: esbuild cannot know them free of side effects), so the view
// aggregator's and the ops CLI's adapters are built in modules of their own: views-ports.ts
// and stack-ports.ts.

/** The DynamoDB and S3 adapters publishing needs in one deployment. */
export function publishingPorts(deployment: Deployment): PublishingPorts {
	const { s3, dynamodb, tableName, ingestBucket, siteBucket } = deployment;
	const site = new S3ObjectStore(s3, siteBucket);
	return {
		uploads: new S3ObjectStore(s3, ingestBucket),
		site: deployment.compressedVariants ? new CompressedVariantStore(site) : site,
		articles: new DynamoDbArticleStore(dynamodb, tableName),
		feeds: new DynamoDbFeedStore(dynamodb, tableName),
		agreements: new DynamoDbAgreementStore(dynamodb, tableName),
		ledger: new DynamoDbPublishLedger(dynamodb, tableName),
		health: new DynamoDbHealthStore(dynamodb, tableName),
		mostViewed: new DynamoDbMostViewedReader(dynamodb, tableName),
		digests: new DynamoDbSiteDigests(dynamodb, tableName),
	};
}

/** Publishing's adapters and the upload records': what an ingest needs. */
export function ingestPorts(deployment: Deployment): IngestPorts {
	return {
		...publishingPorts(deployment),
		uploadRecords: new DynamoDbUploadStore(deployment.dynamodb, deployment.tableName),
	};
}

/** Publishing's adapters and the unfinished agreement changes: what the schedule needs. */
export function schedulePorts(deployment: Deployment): PublishingPorts & SchedulePorts {
	return {
		...publishingPorts(deployment),
		agreementChanges: new DynamoDbAgreementChanges(deployment.dynamodb, deployment.tableName),
	};
}

/** The use cases' options of a deployment, named one by one: its clients and names are not. */
export function useCaseOptions(deployment: Deployment): UseCaseOptions {
	const { siteUrl, owner, onLeaseLost, cache, clock, hubUrl, onHubError } = deployment;
	return {
		siteUrl,
		owner,
		...(onLeaseLost ? { onLeaseLost } : {}),
		...(cache ? { cache } : {}),
		...(clock ? { clock } : {}),
		...(hubUrl ? { hubUrl } : {}),
		...(onHubError ? { onHubError } : {}),
	};
}
