import { DynamoDbViewStore } from "#shared/adapters/dynamodb/dynamodb-view-store.ts";
import { S3LogBucket } from "#shared/adapters/s3/s3-log-bucket.ts";
import type { ViewsPorts } from "#shared/ports/options.ts";
import type { Deployment } from "./ports.ts";

/** The daily views and the access-log bucket; none without a logs bucket. */
export function viewsPorts(deployment: Deployment): ViewsPorts | undefined {
	const { s3, dynamodb, tableName, logsBucket } = deployment;
	if (!logsBucket) return undefined;
	return {
		views: new DynamoDbViewStore(dynamodb, tableName),
		logs: new S3LogBucket(s3, logsBucket),
	};
}
