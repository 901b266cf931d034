import type { AgreementChangeStore } from "../ports/agreements.ts";
import type { Takedown } from "./change-articles.ts";
import { makeSettleAgreementChanges } from "./settle-agreement-changes.ts";
import type { PublishingStores, wirePublishing } from "./wire-publishing.ts";
import type { UseCaseOptions } from "./wire-use-cases.ts";

/** What one run of the schedule did. */
export interface SweepResult {
	/** Targets published: what came due, then what a failed publisher left behind. */
	targets: number;
	/**
	 * Articles taken down by this run (a window that ended, an agreement change it finished),
	 * with their takedown latency.
	 */
	takenDown: Takedown[];
	/** Agreements whose change a command left unfinished, finished by this run. */
	agreementsSettled: string[];
}

/**
 * The schedule's run on wired publishing: agreement changes a command left unfinished, what
 * came due, then whatever a failed publisher left behind. Apart from publishing, so the
 * ingest function, which never runs the schedule, does not carry it.
 */
export function wireSchedule(
	stores: Pick<PublishingStores, "health"> & { agreementChanges: AgreementChangeStore },
	options: Pick<UseCaseOptions, "owner">,
	publishing: ReturnType<typeof wirePublishing>,
) {
	const { clock, releaseDue, sweep } = publishing;
	const agreementChanges = makeSettleAgreementChanges({
		changes: stores.agreementChanges,
		reevaluate: publishing.reevaluateAgreement,
		clock,
		owner: options.owner,
	});
	async function scheduledSweep(): Promise<SweepResult> {
		const settled = await agreementChanges.settleUnsettled();
		const released = await releaseDue();
		const targets =
			settled.reduce((sum, { result }) => sum + result.targets, 0) +
			released.targets +
			(await sweep());
		// One cheap write per run: `status` shows when the schedule last ran, even idle.
		await stores.health?.recordSweep(clock(), targets).catch(() => undefined);
		return {
			targets,
			takenDown: [...settled.flatMap(({ result }) => result.takenDown), ...released.takenDown],
			agreementsSettled: settled.map(({ agreementId }) => agreementId),
		};
	}
	return { scheduledSweep };
}
