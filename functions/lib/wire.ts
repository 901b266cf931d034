import type { S3Client } from "@aws-sdk/client-s3";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { DynamoDbAgreementChanges } from "#shared/adapters/dynamodb/dynamodb-agreement-changes.ts";
import { DynamoDbViewStore } from "#shared/adapters/dynamodb/dynamodb-view-store.ts";
import { S3LogBucket } from "#shared/adapters/s3/s3-log-bucket.ts";
import { S3SiteInventory } from "#shared/adapters/s3/s3-site-inventory.ts";
import { makeRepairSite } from "#shared/use-cases/repair-site.ts";
import { type UseCaseOptions, wireUseCases } from "#shared/use-cases/wire-use-cases.ts";
import { ingestStores, useCaseOptions } from "./stores.ts";

/** Where a deployment (a Lambda's environment, or the ops CLI's flags) keeps its data. */
export interface Deployment extends UseCaseOptions {
	s3: S3Client;
	dynamodb: DynamoDBDocumentClient;
	tableName: string;
	ingestBucket: string;
	siteBucket: string;
	/** The access-log bucket; without it the view aggregator is not wired. */
	logsBucket?: string;
	/**
	 * Store compressed copies of Atom, JSON Feed and OPML documents beside them in the site
	 * bucket, for the AWS edge to serve (CloudFront does not compress those types). Not for the
	 * local edge, which compresses as it serves.
	 */
	compressedVariants?: boolean;
}

/** The DynamoDB and S3 adapters of one deployment, with every use case wired on them. */
export function wireServices(
	deployment: Deployment,
	overrides: Parameters<typeof wireUseCases>[2] = {},
) {
	const { s3, dynamodb, tableName, logsBucket, siteBucket } = deployment;
	const wired = wireUseCases(
		{
			...ingestStores(deployment),
			views: new DynamoDbViewStore(dynamodb, tableName),
			agreementChanges: new DynamoDbAgreementChanges(dynamodb, tableName),
			...(logsBucket ? { logs: new S3LogBucket(s3, logsBucket) } : {}),
		},
		useCaseOptions(deployment),
		overrides,
	);
	// Ops only (`publish --all`): lists the whole site bucket.
	const repairSite = makeRepairSite({
		republishEverything: wired.republishEverything,
		site: wired.site,
		inventory: new S3SiteInventory(s3, siteBucket),
		...(wired.digests ? { digests: wired.digests } : {}),
		...(deployment.cache ? { cache: deployment.cache } : {}),
		clock: wired.clock,
	});
	return { ...wired, repairSite };
}
