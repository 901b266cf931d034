import { DynamoDbAgreementChanges } from "#shared/adapters/dynamodb/dynamodb-agreement-changes.ts";
import { wirePublishing } from "#shared/use-cases/wire-publishing.ts";
import { wireSchedule } from "#shared/use-cases/wire-schedule.ts";
import { lambdaDeployment } from "../lib/lambda-deployment.ts";
import { feedItemsReporter, observability } from "../lib/observability.ts";
import { publishingStores, useCaseOptions } from "../lib/stores.ts";

// Built once per container, at module scope, and shared by every invocation.
export const { logger, metrics, add } = observability("publish");
const deployment = lambdaDeployment(logger, "publish");
const stores = publishingStores(deployment);
const options = useCaseOptions(deployment);
const publishing = wirePublishing(stores, options, {
	onFeedRendered: feedItemsReporter(metrics),
});
export const { publishTargets } = publishing;
// The schedule finishes agreement changes a command left: only this function drives them.
const agreementChanges = new DynamoDbAgreementChanges(deployment.dynamodb, deployment.tableName);
export const { scheduledSweep } = wireSchedule(
	{ ...stores, agreementChanges },
	options,
	publishing,
);
