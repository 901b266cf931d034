import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import middy from "@middy/core";
import { logInvocationErrors, msSince } from "../lib/observability.ts";
import { aggregateViews, logger, metrics } from "./services.ts";

/** What one scheduled run did: the invocation's result. */
export interface ViewsResult {
	counted: number;
	views: number;
	published: string[];
}

/** The schedule's run: count the new access logs, re-rank, republish what changed order. */
export const handler = middy<unknown, ViewsResult>()
	.use(injectLambdaContext(logger, { resetKeys: true }))
	.use(logMetrics(metrics))
	.use(logInvocationErrors(logger))
	.handler(async function aggregate() {
		const started = performance.now();
		const result = await aggregateViews();
		const summary = {
			counted: result.logs.counted,
			views: result.views,
			published: result.published,
		};
		// An idle run (nothing new) is the common case every few minutes: only at DEBUG.
		const idle = result.logs.counted === 0 && result.published.length === 0;
		logger[idle ? "debug" : "info"]("views aggregated", {
			...summary,
			listed: result.logs.listed,
			unreadable: result.logs.unreadable,
			ms: msSince(started),
		});
		// Saved with its pending change, which the publish sweep retries: logged, not thrown,
		// so the schedule does not count a run whose counts are kept as failed.
		if (result.publishError) {
			logger.error("most viewed publish failed", { error: result.publishError });
		}
		return summary;
	});
