import type { UnsettledAgreementChange } from "../domain/agreement.ts";
import type { AgreementChangeStore } from "../ports/agreements.ts";

/**
 * How long an agreement change's lease lasts unless renewed (every third of it while its
 * articles are decided): a command that dies holding one delays the schedule this long.
 */
export const AGREEMENT_LEASE_MS = 30_000;

export interface SettleAgreementChangesDeps<R> {
	changes: AgreementChangeStore;
	/** Decides every article that names the agreement again and publishes what changed. */
	reevaluate: (agreementId: string, by: string, reason: string) => Promise<R>;
	clock: () => Date;
	/** Who holds the leases, unique per process. */
	owner: string;
	leaseMs?: number;
}

/**
 * Drives agreement changes to the end: a change is stored together with a record that its
 * articles are still to be decided (see `AgreementStore.putAgreement`), and that record is
 * settled only once they are, and only if no later change replaced it. The command that made
 * the change finishes it while it lives; the schedule finishes whatever a command that died
 * left, once its lease ran out.
 */
export function makeSettleAgreementChanges<R>(deps: SettleAgreementChangesDeps<R>) {
	const { changes, clock, owner } = deps;
	const leaseMs = deps.leaseMs ?? AGREEMENT_LEASE_MS;

	/**
	 * Decides the articles of a change this process leased (or just made), renewing the lease
	 * meanwhile, then settles the change. `by` and `reason` go into the articles' history.
	 */
	async function finish(change: UnsettledAgreementChange, by: string, reason: string): Promise<R> {
		const { agreementId } = change;
		const renew = () =>
			changes.leaseUnsettledChange(agreementId, owner, clock(), leaseMs).catch(() => undefined);
		const timer = setInterval(renew, leaseMs / 3);
		let result: R;
		try {
			result = await deps.reevaluate(agreementId, by, reason);
		} finally {
			clearInterval(timer);
		}
		await changes.settleChange(agreementId, change.revision);
		return result;
	}

	/**
	 * The schedule's part: finishes up to `limit` unsettled changes whose lease is free or ran
	 * out (their command died or gave up). Returns each agreement it settled, with what
	 * deciding its articles did.
	 */
	async function settleUnsettled(limit = 10): Promise<{ agreementId: string; result: R }[]> {
		const unsettled = await changes.listUnsettledChanges(limit);
		const settled: { agreementId: string; result: R }[] = [];
		for (const listed of unsettled) {
			const held = listed.lease && listed.lease.owner !== owner;
			if (held && listed.lease && listed.lease.until >= clock().getTime()) continue;
			const change = await changes.leaseUnsettledChange(
				listed.agreementId,
				owner,
				clock(),
				leaseMs,
			);
			if (!change) continue;
			const result = await finish(
				change,
				"schedule",
				`finishing the ${change.action} of agreement ${change.agreementId} by ${change.by} at ${change.at}: ${change.reason}`,
			);
			settled.push({ agreementId: change.agreementId, result });
		}
		return settled;
	}

	return { finish, settleUnsettled, leaseMs };
}
