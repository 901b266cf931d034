import type { UnsettledAgreementChange } from "../domain/agreement.ts";
import type { AgreementChangeStore } from "../ports/agreements.ts";
import type { PublishLedger } from "../ports/publishing.ts";
import type { HealthStore, IngestQueues, QueueDepth } from "../ports/uploads.ts";

/** What `status` reports: the first thing ops look at when something seems wrong. */
export interface OpsStatus {
	at: string;
	ingestQueue: QueueDepth;
	deadLetterQueue: QueueDepth;
	/** Publish targets whose newest revision is not published (at most `limit`). */
	dirtyTargets: { count: number; more: boolean; ids: string[] };
	/** Committed changes whose targets are not all published yet (at most `limit`). */
	pendingChanges: { count: number; more: boolean; ids: string[] };
	/**
	 * Agreement changes whose articles are not all decided again yet (at most `limit`): the
	 * command that made one is still at work, or died and the schedule finishes it once its
	 * lease (`leaseUntil`) runs out.
	 */
	unsettledAgreementChanges: {
		count: number;
		more: boolean;
		changes: (Omit<UnsettledAgreementChange, "lease"> & {
			leaseOwner: string | null;
			leaseUntil: string | null;
		})[];
	};
	lastSweep: { at: string; targets: number; ageSeconds: number } | null;
	lastPublish: { at: string; targets: number; ageSeconds: number } | null;
}

/** `status`: queue depths, what waits to be published, and when the schedule and publisher last ran. */
export function makeOpsStatus(deps: {
	queues: IngestQueues;
	ledger: PublishLedger;
	health: HealthStore;
	changes: Pick<AgreementChangeStore, "listUnsettledChanges">;
	clock: () => Date;
}) {
	return async function opsStatus(limit = 100): Promise<OpsStatus> {
		const [depths, dirty, pending, health, unsettled] = await Promise.all([
			deps.queues.depths(),
			deps.ledger.listDirty(limit + 1),
			deps.ledger.listPending(limit + 1),
			deps.health.readHealth(),
			deps.changes.listUnsettledChanges(limit + 1),
		]);
		const now = deps.clock();
		const aged = (run: { at: string; targets: number } | undefined) =>
			run
				? {
						...run,
						ageSeconds: Math.max(0, Math.round((now.getTime() - Date.parse(run.at)) / 1000)),
					}
				: null;
		return {
			at: now.toISOString(),
			ingestQueue: depths.ingest,
			deadLetterQueue: depths.deadLetter,
			dirtyTargets: {
				count: Math.min(dirty.length, limit),
				more: dirty.length > limit,
				ids: dirty.slice(0, limit),
			},
			pendingChanges: {
				count: Math.min(pending.length, limit),
				more: pending.length > limit,
				ids: pending.slice(0, limit).map((change) => change.changeId),
			},
			unsettledAgreementChanges: {
				count: Math.min(unsettled.length, limit),
				more: unsettled.length > limit,
				changes: unsettled.slice(0, limit).map(({ lease, ...change }) => ({
					...change,
					leaseOwner: lease?.owner ?? null,
					leaseUntil: lease ? new Date(lease.until).toISOString() : null,
				})),
			},
			lastSweep: aged(health.lastSweep),
			lastPublish: aged(health.lastPublish),
		};
	};
}
