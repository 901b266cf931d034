import type { StackPorts, UseCaseOptions } from "#shared/ports/options.ts";
import type { SiteInventory } from "#shared/ports/publishing.ts";
import { makeRepairSite } from "#shared/use-cases/repair-site.ts";
import { composeIngest } from "../functions/ingest/compose.ts";
import {
	clockOf,
	composeChanges,
	composePublishing,
	composeSchedule,
} from "../functions/lib/compose-publishing.ts";
import { composeViews } from "../functions/views/compose.ts";

/** Every port of the stack the CLI reaches, the site bucket's listing included. */
export interface CliPorts extends StackPorts {
	siteInventory: SiteInventory;
}

/** What `build()` returns, built on the first call and never before. */
function once<T>(build: () => T): () => T {
	let built: { value: T } | undefined;
	return () => {
		built ??= { value: build() };
		return built.value;
	};
}

/** A use case built on its first call, and never before. */
function lazily<A extends unknown[], R>(build: () => (...args: A) => R): (...args: A) => R {
	const built = once(build);
	return (...args) => built()(...args);
}

/**
 * The ops CLI's use cases on the given ports. Each is built when a command first calls it:
 * a command builds what it uses (`status` nothing, `articles withdraw` publishing and the
 * changes, `uploads reprocess` the ingest pipeline), not the whole pipeline.
 */
export function composeCli(ports: CliPorts, options: UseCaseOptions) {
	const publishing = once(() => composePublishing(ports, options));
	const changes = once(() => composeChanges(ports, publishing()));
	const { views, logs } = ports;
	return {
		clock: clockOf(options),
		// `articles withdraw|restore`, `smoke`, and the agreement commands' re-decisions.
		withdraw: lazily(() => changes().withdraw),
		restore: lazily(() => changes().restore),
		reevaluateAgreement: lazily(() => changes().reevaluateAgreement),
		// `publish`: the schedule's own run, then sweeps until nothing is left.
		scheduledSweep: lazily(() => composeSchedule(ports, options, publishing(), changes())),
		sweep: lazily(() => publishing().sweep),
		// `publish --all`: lists the whole site bucket.
		repairSite: lazily(() =>
			makeRepairSite({
				republishEverything: publishing().republishEverything,
				site: ports.site,
				inventory: ports.siteInventory,
				...(ports.digests ? { digests: ports.digests } : {}),
				...(options.cache ? { cache: options.cache } : {}),
				clock: clockOf(options),
			}),
		),
		// `uploads reprocess`: ingested as the ingest function ingests, publishing and all.
		ingestUpload: lazily(() => composeIngest(ports, options).ingestUpload),
		// `views aggregate`: only where the stack has an access-log bucket.
		...(views && logs
			? {
					aggregateViews: lazily(
						() => composeViews({ ...ports, views, logs }, options).aggregateViews,
					),
				}
			: {}),
	};
}
