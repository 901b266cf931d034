import { lambdaDeployment } from "../lib/lambda-deployment.ts";
import { feedItemsReporter, observability } from "../lib/observability.ts";
import { ingestPorts, useCaseOptions } from "../lib/ports.ts";
import { composeIngest } from "./compose.ts";

// Built once per container, at module scope, and shared by every invocation.
export const { logger, metrics, add } = observability("ingest");
const deployment = lambdaDeployment(logger, "ingest");
// An upload is published by the function that ingested it: its feeds are reported here.
export const { ingestUpload } = composeIngest(ingestPorts(deployment), useCaseOptions(deployment), {
	publish: { onFeedRendered: feedItemsReporter(metrics) },
});
