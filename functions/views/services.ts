import { lambdaDeployment } from "../lib/lambda-deployment.ts";
import { feedItemsReporter, observability } from "../lib/observability.ts";
import { publishingPorts, useCaseOptions } from "../lib/ports.ts";
import { viewsPorts } from "../lib/views-ports.ts";
import { composeViews } from "./compose.ts";

// Built once per container, at module scope, and shared by every invocation.
export const { logger, metrics, add } = observability("views");
const deployment = lambdaDeployment(logger, "views");
const views = viewsPorts(deployment);
if (!views) throw new Error("environment variable LOGS_BUCKET is not set");
const lookbackHours = Number(process.env.VIEWS_LOOKBACK_HOURS);
export const { aggregateViews } = composeViews(
	{ ...publishingPorts(deployment), ...views },
	useCaseOptions(deployment),
	{
		publish: { onFeedRendered: feedItemsReporter(metrics) },
		...(lookbackHours > 0 ? { views: { lookbackHours } } : {}),
	},
);
