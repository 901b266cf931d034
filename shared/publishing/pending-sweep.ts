import type { PendingChange } from "../ports/articles.ts";
import type { PublishLedger } from "../ports/publishing.ts";

/**
 * Publishes committed changes and forgets them once published. A change whose publisher
 * died (after the commit, before or during the publish) stays pending for the sweep.
 */
export function makePublishChanges(deps: {
	ledger: PublishLedger;
	/** Publishes the targets, and forgets the pending changes `settle` once they are bumped. */
	publish: (ids: string[], settle: readonly string[]) => Promise<void>;
}) {
	const { ledger, publish } = deps;

	/**
	 * Publishes the union of the changes' targets (and `also`) once, then forgets the changes: published,
	 * or bumped under a live lease whose holder renders it, the targets' own revisions now
	 * carry every change, so the pending records have done their job.
	 */
	async function publishChanges(
		changes: readonly PendingChange[],
		also: readonly string[] = [],
	): Promise<void> {
		await publish(
			[...new Set([...changes.flatMap((change) => change.targets), ...also])],
			changes.map((change) => change.changeId),
		);
	}

	function publishChange(change: PendingChange): Promise<void> {
		return publishChanges([change]);
	}

	/**
	 * The schedule's sweep: every pending change and every target left dirty (e.g. by a
	 * publisher that died holding a lease, once the lease has run out). Returns how many
	 * targets it published.
	 */
	async function sweep(limit = 100): Promise<number> {
		const [pending, dirty] = await Promise.all([
			ledger.listPending(limit),
			ledger.listDirty(limit),
		]);
		const targets = new Set([...pending.flatMap((change) => change.targets), ...dirty]);
		await publish(
			[...targets],
			pending.map((change) => change.changeId),
		);
		return targets.size;
	}

	return { publishChange, publishChanges, sweep };
}
