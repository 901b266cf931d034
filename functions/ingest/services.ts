import { wireIngest } from "#shared/use-cases/wire-ingest.ts";
import { lambdaDeployment } from "../lib/lambda-deployment.ts";
import { feedItemsReporter, observability } from "../lib/observability.ts";
import { ingestStores, useCaseOptions } from "../lib/stores.ts";

// Built once per container, at module scope, and shared by every invocation.
export const { logger, metrics, add } = observability("ingest");
const deployment = lambdaDeployment(logger, "ingest");
// An upload is published by the function that ingested it: its feeds are reported here.
export const { ingestUpload } = wireIngest(ingestStores(deployment), useCaseOptions(deployment), {
	publish: { onFeedRendered: feedItemsReporter(metrics) },
});
