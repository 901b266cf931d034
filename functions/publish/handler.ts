import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import middy from "@middy/core";
import { logInvocationErrors, MetricUnit, msSince } from "../lib/observability.ts";
import { add, logger, metrics, publishTargets, scheduledSweep } from "./services.ts";

/** `{ targets: ["feed|en|latest"] }` publishes those; anything else (the schedule) sweeps. */
export interface PublishEvent {
	targets?: string[];
}

export const handler = middy<PublishEvent, { published: number }>()
	.use(injectLambdaContext(logger, { resetKeys: true }))
	.use(logMetrics(metrics))
	.use(logInvocationErrors(logger))
	.handler(async function publish(event) {
		const started = performance.now();
		const targets = Array.isArray(event?.targets) ? event.targets : undefined;
		logger.debug("publish event", { targets });
		const published = targets
			? await publishTargets(targets).then(() => targets.length)
			: await scheduledSweep();
		const ms = msSince(started);
		add("PublishDuration", MetricUnit.Milliseconds, ms);
		logger.info(targets ? "published the targets given" : "swept", { published, ms });
		return { published };
	});
