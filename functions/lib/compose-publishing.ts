import { recordingPublishes } from "#shared/lib/health-notes.ts";
import type { PublishingPorts, SchedulePorts, UseCaseOptions } from "#shared/ports/options.ts";
import type { PublishDeps } from "#shared/publishing/deps.ts";
import { makePublishChanges } from "#shared/publishing/pending-sweep.ts";
import { makeChangeArticles } from "#shared/use-cases/change-articles.ts";
import { makePublishTargets } from "#shared/use-cases/publish-targets.ts";
import { makeScheduledSweep } from "#shared/use-cases/scheduled-sweep.ts";
import { makeSettleAgreementChanges } from "#shared/use-cases/settle-agreement-changes.ts";

/** The clock the options give, else the system's. */
export function clockOf(options: UseCaseOptions): () => Date {
	return options.clock ?? (() => new Date());
}

/**
 * Publishing on the given ports, configured alike for every entry point that publishes:
 * rendering targets under leases, and publishing changes. `overrides` replace single
 * dependencies (a function's feed metrics, a test's fault).
 */
export function composePublishing(
	ports: PublishingPorts,
	options: UseCaseOptions,
	overrides: Partial<PublishDeps> = {},
) {
	const clock = clockOf(options);
	const rendering = makePublishTargets({
		articles: ports.articles,
		feeds: ports.feeds,
		agreements: ports.agreements,
		ledger: ports.ledger,
		content: ports.uploads,
		site: ports.site,
		siteUrl: options.siteUrl,
		clock,
		owner: options.owner,
		// Renewed every third of it while rendering: a dead publisher blocks a target 20 s at most.
		leaseMs: 20_000,
		...(options.onLeaseLost ? { onLeaseLost: options.onLeaseLost } : {}),
		...(options.cache ? { cache: options.cache } : {}),
		...(options.hubUrl ? { hubUrl: options.hubUrl } : {}),
		...(options.onHubError ? { onHubError: options.onHubError } : {}),
		...(ports.mostViewed ? { mostViewed: ports.mostViewed } : {}),
		...(ports.digests ? { digests: ports.digests } : {}),
		...overrides,
	});
	// Every publish (an upload's, the schedule's, the views', the CLI's) notes when it last
	// published, for `status`.
	const publishTargets = recordingPublishes(rendering.publishTargets, ports.health, clock);
	return {
		clock,
		publishTargets,
		republishEverything: rendering.republishEverything,
		takeDownNow: rendering.takeDownNow,
		...makePublishChanges({ ledger: ports.ledger, publish: publishTargets }),
	};
}

/** Every change to articles but an upload, published by the given publishing. */
export function composeChanges(
	ports: Pick<PublishingPorts, "articles" | "agreements">,
	publishing: ReturnType<typeof composePublishing>,
) {
	return makeChangeArticles({
		articles: ports.articles,
		agreements: ports.agreements,
		publish: publishing.publishChanges,
		takeDownNow: publishing.takeDownNow,
		clock: publishing.clock,
	});
}

/**
 * The schedule's run on the given publishing and changes. It finishes agreement changes a
 * command left unfinished, so only the schedule (the publish function, the CLI's `publish`)
 * builds it.
 */
export function composeSchedule(
	ports: SchedulePorts,
	options: UseCaseOptions,
	publishing: ReturnType<typeof composePublishing>,
	changes: ReturnType<typeof composeChanges>,
) {
	const { clock } = publishing;
	const agreementChanges = makeSettleAgreementChanges({
		changes: ports.agreementChanges,
		reevaluate: changes.reevaluateAgreement,
		clock,
		owner: options.owner,
	});
	return makeScheduledSweep({
		settleUnsettled: agreementChanges.settleUnsettled,
		releaseDue: changes.releaseDue,
		sweep: publishing.sweep,
		...(ports.health ? { health: ports.health } : {}),
		clock,
	});
}
