import type { PublishingPorts, UseCaseOptions, ViewsPorts } from "#shared/ports/options.ts";
import type { PublishDeps } from "#shared/publishing/deps.ts";
import { type AggregateViewsDeps, makeAggregateViews } from "#shared/use-cases/aggregate-views.ts";
import { composePublishing } from "../lib/compose-publishing.ts";

/** Single dependencies to replace: a function's feed metrics, its look-back, a test's fault. */
export interface ViewsOverrides {
	publish?: Partial<PublishDeps>;
	views?: Partial<AggregateViewsDeps>;
}

/**
 * The view aggregator's use case on the given ports: count the new access logs, re-rank,
 * republish what changed order. The CLI's `views aggregate` runs the same.
 */
export function composeViews(
	ports: PublishingPorts & ViewsPorts,
	options: UseCaseOptions,
	overrides: ViewsOverrides = {},
) {
	// The normal publisher, reading the rankings this use case writes.
	const publishing = composePublishing(
		{ ...ports, mostViewed: ports.views },
		options,
		overrides.publish,
	);
	return {
		aggregateViews: makeAggregateViews({
			views: ports.views,
			logs: ports.logs,
			publish: publishing.publishChanges,
			clock: publishing.clock,
			...overrides.views,
		}),
	};
}
