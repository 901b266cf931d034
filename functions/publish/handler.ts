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
		const result = targets
			? await publishTargets(targets).then(() => ({
					targets: targets.length,
					takenDown: [],
					agreementsSettled: [],
				}))
			: await scheduledSweep();
		// Windows that ended: from their instant to the takedown published, the wait included.
		for (const { latencyMs } of result.takenDown) {
			add("TakedownLatency", MetricUnit.Milliseconds, latencyMs);
		}
		const ms = msSince(started);
		add("PublishDuration", MetricUnit.Milliseconds, ms);
		const published = result.targets;
		const takenDown = result.takenDown.length;
		// An agreement change a command left unfinished, finished here: ops want to see it.
		const { agreementsSettled } = result;
		logger.info(targets ? "published the targets given" : "swept", {
			published,
			...(takenDown > 0 ? { takenDown } : {}),
			...(agreementsSettled.length > 0 ? { agreementsSettled } : {}),
			ms,
		});
		return { published };
	});
