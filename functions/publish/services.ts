import { wirePublishing } from "#shared/use-cases/wire-publishing.ts";
import { lambdaDeployment } from "../lib/lambda-deployment.ts";
import { feedItemsReporter, observability } from "../lib/observability.ts";
import { publishingStores, useCaseOptions } from "../lib/stores.ts";

// Built once per container, at module scope, and shared by every invocation.
export const { logger, metrics, add } = observability("publish");
const deployment = lambdaDeployment(logger);
export const { publishTargets, scheduledSweep } = wirePublishing(
	publishingStores(deployment),
	useCaseOptions(deployment),
	{ onFeedRendered: feedItemsReporter(metrics) },
);
