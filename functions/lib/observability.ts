import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { feedKindOf, feedOfKey } from "#shared/domain/targets.ts";

export { MetricUnit };

/**
 * The metric names the dashboard and alarms read (namespace `Syndicate`, dimensions `service`
 * and `Stage`): listed once, so a rename is a compile error rather than an empty graph.
 */
export type MetricName =
	| "UploadsPublished"
	| "UploadsRejected"
	| "UploadsPending"
	| "IngestDuration"
	| "PublishDuration"
	| "UploadToPublicLatency"
	| "TakedownLatency"
	| "FeedItems";

type Unit = (typeof MetricUnit)[keyof typeof MetricUnit];

/** A function's EMF metrics, with the metric names checked. */
export interface FunctionMetrics {
	metrics: Metrics;
	add(name: MetricName, unit: Unit, value: number): void;
}

const EMPTY_PUBLISH = "No application metrics to publish";

/**
 * Powertools warns of an empty publish even when metrics are off. Locally they are off, and
 * the stack runs a function's invocations side by side in one process, sharing its metrics:
 * the first to end publishes them all and each of the others would print this warning. Only
 * that warning is dropped, and only with metrics off; every other one is printed.
 */
const metricsWarnings = {
	...console,
	warn(...args: unknown[]) {
		const off = /^(1|true|yes|on)$/i.test(process.env.POWERTOOLS_METRICS_DISABLED ?? "");
		if (off && String(args[0]).startsWith(EMPTY_PUBLISH)) return;
		console.warn(...args);
	},
};

/**
 * One function's structured JSON logger and its EMF metrics, built once per container.
 * The logger reads its level from Lambda's log level (AWS_LAMBDA_LOG_LEVEL) or
 * POWERTOOLS_LOG_LEVEL, and switches a share of invocations to DEBUG with
 * POWERTOOLS_LOGGER_SAMPLE_RATE (0 to 1). Metrics go to POWERTOOLS_METRICS_NAMESPACE
 * (`Syndicate` when unset) with the stage from STAGE as a dimension; POWERTOOLS_METRICS_DISABLED
 * turns them off where nothing reads the log stream.
 */
export function observability(service: string): { logger: Logger } & FunctionMetrics {
	const metrics = new Metrics({
		logger: metricsWarnings,
		serviceName: service,
		namespace: process.env.POWERTOOLS_METRICS_NAMESPACE || "Syndicate",
		defaultDimensions: { Stage: process.env.STAGE || "local" },
	});
	return {
		logger: new Logger({ serviceName: service }),
		metrics,
		add: (name, unit, value) => metrics.addMetric(name, unit, value),
	};
}

/**
 * Reports `FeedItems` for each feed document the publisher renders (its `onFeedRendered`): one
 * EMF record per feed, written at once, with the feed's kind (latest, updated, most-viewed,
 * partners, subjects) as a dimension beside `service` and `Stage`. CloudWatch bills every
 * distinct set of dimension values as a metric: a kind keeps it to five series a function, where
 * a dimension per partner, subject or language would add one for every partner, subject and
 * language there is. The feed's key and language go in as properties of the record, which cost
 * nothing and which Logs Insights can group by (docs/operating-in-aws.md).
 */
export function feedItemsReporter(metrics: Metrics): (feedKey: string, items: number) => void {
	return function reportFeedItems(feedKey, items) {
		const { language, feed } = feedOfKey(feedKey);
		const record = metrics.singleMetric();
		record.addDimension("FeedKind", feedKindOf(feed).kind);
		record.addMetadata("feed", feedKey);
		record.addMetadata("language", language);
		record.addMetric("FeedItems" satisfies MetricName, MetricUnit.Count, items);
	};
}

/** Milliseconds since a `performance.now()` reading, to the tenth. */
export function msSince(start: number): number {
	return Math.round((performance.now() - start) * 10) / 10;
}

/**
 * Middy middleware: an invocation that throws is logged with its stack and `cause` before
 * Lambda records it as an error (and retries or dead-letters the event).
 */
export function logInvocationErrors(logger: Logger) {
	return {
		onError: async function logInvocationError(request: { error: unknown }): Promise<void> {
			const { error } = request;
			if (error instanceof Error) logger.error("invocation failed", error);
			else logger.error("invocation failed", { error: String(error) });
		},
	};
}
