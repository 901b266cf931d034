import { DynamoDbAgreementStore } from "#shared/adapters/dynamodb/dynamodb-agreement-store.ts";
import {
	DynamoDbArticleStore,
	DynamoDbFeedStore,
} from "#shared/adapters/dynamodb/dynamodb-article-store.ts";
import { DynamoDbHealthStore } from "#shared/adapters/dynamodb/dynamodb-health-store.ts";
import { DynamoDbMostViewedReader } from "#shared/adapters/dynamodb/dynamodb-most-viewed.ts";
import { DynamoDbPublishLedger } from "#shared/adapters/dynamodb/dynamodb-publish-ledger.ts";
import { DynamoDbSiteDigests } from "#shared/adapters/dynamodb/dynamodb-site-digests.ts";
import { DynamoDbUploadStore } from "#shared/adapters/dynamodb/dynamodb-upload-store.ts";
import { S3ObjectStore } from "#shared/adapters/s3/s3-object-store.ts";
import { CompressedVariantStore } from "#shared/adapters/zlib/compressed-variant-store.ts";
import type { IngestStores } from "#shared/use-cases/wire-ingest.ts";
import type { PublishingStores } from "#shared/use-cases/wire-publishing.ts";
import type { Deployment } from "./wire.ts";

/** The DynamoDB and S3 adapters publishing needs in one deployment. */
export function publishingStores(deployment: Deployment): PublishingStores {
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
export function ingestStores(deployment: Deployment): IngestStores {
	return {
		...publishingStores(deployment),
		uploadRecords: new DynamoDbUploadStore(deployment.dynamodb, deployment.tableName),
	};
}

/** The use cases' options of a deployment: everything but its clients and names. */
export function useCaseOptions(deployment: Deployment) {
	const {
		s3,
		dynamodb,
		tableName,
		ingestBucket,
		siteBucket,
		logsBucket,
		compressedVariants,
		...options
	} = deployment;
	return options;
}
