import { lambdaDeployment } from "../lib/lambda-deployment.ts";
import { feedItemsReporter, observability } from "../lib/observability.ts";
import { schedulePorts, useCaseOptions } from "../lib/ports.ts";
import { composePublish } from "./compose.ts";

// Built once per container, at module scope, and shared by every invocation.
export const { logger, metrics, add } = observability("publish");
const deployment = lambdaDeployment(logger, "publish");
export const { publishTargets, scheduledSweep } = composePublish(
	schedulePorts(deployment),
	useCaseOptions(deployment),
	{ onFeedRendered: feedItemsReporter(metrics) },
);
