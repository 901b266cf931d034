import type {
	Agreement,
	AgreementAction,
	AgreementChange,
	Partner,
	StoredAgreement,
	UnsettledAgreementChange,
} from "../domain/agreement.ts";

/** Partners and agreements, each agreement with its append-only audit history (permissions.md). */
export interface AgreementStore {
	getPartner(partnerId: string): Promise<Partner | undefined>;
	/** Adds the partner, or renames it when it exists. */
	putPartner(partner: Partner): Promise<void>;
	/** Every partner, by id. */
	listPartners(): Promise<Partner[]>;
	getAgreement(agreementId: string): Promise<StoredAgreement | undefined>;
	/** Every agreement, by id, whatever its status. */
	listAgreements(): Promise<StoredAgreement[]>;
	/**
	 * Writes the agreement, appends the change to its history and records it as unsettled
	 * (its articles are still to be decided again), all or nothing; history is never
	 * overwritten. Writes to one agreement are serialised, so its newest history entry is
	 * always the agreement as stored. `lease` gives the unsettled change to its writer, who
	 * goes on to decide the articles, so the schedule leaves it alone while that lease holds.
	 * Returns the agreement's new revision.
	 */
	putAgreement(
		agreement: Agreement,
		change: { at: Date; action: AgreementAction; by: string; reason: string },
		lease?: { owner: string; until: number },
	): Promise<number>;

	/** Every change to the agreement, oldest first; empty for an unknown id. */
	listAgreementHistory(agreementId: string): Promise<AgreementChange[]>;
}

/**
 * Agreement changes whose articles are still to be decided again: `AgreementStore.putAgreement`
 * records each in the write that stores the change; the command that made it, or the
 * schedule once its lease runs out, finishes and settles it.
 */
export interface AgreementChangeStore {
	/** Agreement changes not settled yet, by agreement id, at most `limit`. */
	listUnsettledChanges(limit: number): Promise<UnsettledAgreementChange[]>;
	/**
	 * Takes (or renews) the lease of the agreement's unsettled change for `leaseMs` when it is
	 * free, ran out, or is already `owner`'s; the change as leased, or `undefined` when there
	 * is none or another holds it.
	 */
	leaseUnsettledChange(
		agreementId: string,
		owner: string,
		now: Date,
		leaseMs: number,
	): Promise<UnsettledAgreementChange | undefined>;
	/**
	 * Forgets the agreement's unsettled change if the agreement is still at `revision`: its
	 * articles are decided. `false` when it is gone, or a later change replaced it (that one
	 * stays).
	 */
	settleChange(agreementId: string, revision: number): Promise<boolean>;
}
