import type { HealthStore } from "../ports/uploads.ts";
import type { ChangeSummary, Takedown } from "./change-batches.ts";

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

export interface ScheduledSweepDeps {
	/** Finishes agreement changes a command left unfinished (their lease ran out). */
	settleUnsettled: () => Promise<{ agreementId: string; result: ChangeSummary }[]>;
	/** Publishes what came due: embargoes lifted, agreement windows opened or ended. */
	releaseDue: () => Promise<ChangeSummary>;
	/** Publishes pending changes and targets a failed publisher left dirty; how many targets. */
	sweep: () => Promise<number>;
	/** Where `status` reads when the schedule last ran; none in fast tests. */
	health?: HealthStore;
	clock: () => Date;
}

/**
 * The schedule's run: agreement changes a command left unfinished, what came due, then
 * whatever a failed publisher left behind.
 */
export function makeScheduledSweep(deps: ScheduledSweepDeps) {
	return async function scheduledSweep(): Promise<SweepResult> {
		const settled = await deps.settleUnsettled();
		const released = await deps.releaseDue();
		const targets =
			settled.reduce((sum, { result }) => sum + result.targets, 0) +
			released.targets +
			(await deps.sweep());
		// One cheap write per run: `status` shows when the schedule last ran, even idle.
		await deps.health?.recordSweep(deps.clock(), targets).catch(() => undefined);
		return {
			targets,
			takenDown: [...settled.flatMap(({ result }) => result.takenDown), ...released.takenDown],
			agreementsSettled: settled.map(({ agreementId }) => agreementId),
		};
	};
}
