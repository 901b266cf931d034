import type { StackPorts, UseCaseOptions } from "#shared/ports/options.ts";
import { composeIngest, type IngestOverrides } from "../../functions/ingest/compose.ts";
import {
	composeChanges,
	composePublishing,
	composeSchedule,
} from "../../functions/lib/compose-publishing.ts";

/**
 * One process running the whole pipeline on the given ports, each part composed as its entry
 * point composes it: uploads ingested as the ingest function does, publishing, every change
 * and the schedule as the publish function and the CLI do. The ports come along, as given,
 * for tests to look into. `overrides` replace single dependencies: the way tests inject a
 * fault, a clock or a slow store.
 */
export function composeProcess<P extends StackPorts>(
	ports: P,
	options: UseCaseOptions,
	overrides: IngestOverrides = {},
) {
	const publishing = composePublishing(ports, options, overrides.publish);
	const changes = composeChanges(ports, publishing);
	return {
		...ports,
		...publishing,
		...changes,
		scheduledSweep: composeSchedule(ports, options, publishing, changes),
		...composeIngest(ports, options, overrides),
	};
}
