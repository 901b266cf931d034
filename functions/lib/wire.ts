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
import { type UseCaseOptions, wireUseCases } from "#shared/use-cases/wire-use-cases.ts";

/** Where a deployment (a Lambda's environment, or the ops CLI's flags) keeps its data. */
export interface Deployment extends UseCaseOptions {
	s3: S3Client;
	dynamodb: DynamoDBDocumentClient;
	tableName: string;
	ingestBucket: string;
	siteBucket: string;
}

/** The DynamoDB and S3 adapters of one deployment, with every use case wired on them. */
export function wireServices(
	deployment: Deployment,
	overrides: Parameters<typeof wireUseCases>[2] = {},
) {
	const { s3, dynamodb, tableName, ingestBucket, siteBucket, ...options } = deployment;
	return wireUseCases(
		{
			uploads: new S3ObjectStore(s3, ingestBucket),
			site: new S3ObjectStore(s3, siteBucket),
			articles: new DynamoDbArticleStore(dynamodb, tableName),
			feeds: new DynamoDbFeedStore(dynamodb, tableName),
			uploadRecords: new DynamoDbUploadStore(dynamodb, tableName),
			agreements: new DynamoDbAgreementStore(dynamodb, tableName),
			ledger: new DynamoDbPublishLedger(dynamodb, tableName),
		},
		options,
		overrides,
	);
}
