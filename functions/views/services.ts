import { DynamoDbViewStore } from "#shared/adapters/dynamodb/dynamodb-view-store.ts";
import { S3LogBucket } from "#shared/adapters/s3/s3-log-bucket.ts";
import { makeAggregateViews } from "#shared/use-cases/aggregate-views.ts";
import { wirePublishing } from "#shared/use-cases/wire-publishing.ts";
import { lambdaDeployment } from "../lib/lambda-deployment.ts";
import { feedItemsReporter, observability } from "../lib/observability.ts";
import { publishingStores, useCaseOptions } from "../lib/stores.ts";

// Built once per container, at module scope, and shared by every invocation.
export const { logger, metrics, add } = observability("views");
const deployment = lambdaDeployment(logger, "views");
const logsBucket = deployment.logsBucket;
if (!logsBucket) throw new Error("environment variable LOGS_BUCKET is not set");
const views = new DynamoDbViewStore(deployment.dynamodb, deployment.tableName);
// The normal publisher, reading the rankings this function writes.
const { publishChanges, clock } = wirePublishing(
	publishingStores(deployment),
	useCaseOptions(deployment),
	{ mostViewed: views, onFeedRendered: feedItemsReporter(metrics) },
);
const lookbackHours = Number(process.env.VIEWS_LOOKBACK_HOURS);
export const aggregateViews = makeAggregateViews({
	views,
	logs: new S3LogBucket(deployment.s3, logsBucket),
	publish: publishChanges,
	clock,
	...(lookbackHours > 0 ? { lookbackHours } : {}),
});
