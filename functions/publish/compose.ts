import type { PublishingPorts, SchedulePorts, UseCaseOptions } from "#shared/ports/options.ts";
import type { PublishDeps } from "#shared/publishing/deps.ts";
import { composeChanges, composePublishing, composeSchedule } from "../lib/compose-publishing.ts";

/**
 * The publish function's use cases on the given ports: the targets an event names, and the
 * schedule's run. Apart from ingest, so this function's bundle carries no bundle reader,
 * manifest schema or HTML sanitizer (tree-shaking cannot drop a module whose top level builds
 * a schema).
 */
export function composePublish(
	ports: PublishingPorts & SchedulePorts,
	options: UseCaseOptions,
	overrides: Partial<PublishDeps> = {},
) {
	const publishing = composePublishing(ports, options, overrides);
	const changes = composeChanges(ports, publishing);
	return {
		publishTargets: publishing.publishTargets,
		// The schedule finishes agreement changes a command left: only this function drives them.
		scheduledSweep: composeSchedule(ports, options, publishing, changes),
	};
}
