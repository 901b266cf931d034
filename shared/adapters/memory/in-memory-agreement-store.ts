import {
	type Agreement,
	type AgreementAction,
	type AgreementChange,
	agreementTerms,
	type Partner,
	type StoredAgreement,
	type UnsettledAgreementChange,
} from "../../domain/agreement.ts";
import type { AgreementChangeStore, AgreementStore } from "../../ports/agreements.ts";
import { compareKeys, copyIn, copyOut, type InMemoryTables } from "./in-memory-tables.ts";

/**
 * Partners and agreements in memory, with the append-only history of every agreement and
 * the unsettled changes (one object serves both ports: nothing in memory is bundled). Each
 * write happens in one turn of the event loop, so writes to one agreement are serialised and
 * its newest history entry is always the agreement as stored.
 */
export class InMemoryAgreementStore implements AgreementStore, AgreementChangeStore {
	constructor(private readonly tables: InMemoryTables) {}

	async getPartner(partnerId: string): Promise<Partner | undefined> {
		const partner = this.tables.partners.get(partnerId);
		return partner && copyOut(partner);
	}

	async putPartner(partner: Partner): Promise<void> {
		this.tables.partners.set(partner.partnerId, {
			partnerId: partner.partnerId,
			name: partner.name,
		});
	}

	async listPartners(): Promise<Partner[]> {
		return [...this.tables.partners.values()]
			.sort((a, b) => compareKeys(a.partnerId, b.partnerId))
			.map(copyOut);
	}

	async getAgreement(agreementId: string): Promise<StoredAgreement | undefined> {
		const agreement = this.tables.agreements.get(agreementId);
		return agreement && copyOut(agreement);
	}

	async listAgreements(): Promise<StoredAgreement[]> {
		return [...this.tables.agreements.values()]
			.sort((a, b) => compareKeys(a.agreementId, b.agreementId))
			.map(copyOut);
	}

	async putAgreement(
		agreement: Agreement,
		change: { at: Date; action: AgreementAction; by: string; reason: string },
		lease?: { owner: string; until: number },
	): Promise<number> {
		const terms = copyIn(agreementTerms(agreement));
		const { agreements, agreementHistory, unsettledChanges } = this.tables;
		const revision = (agreements.get(terms.agreementId)?.revision ?? 0) + 1;
		const at = change.at.toISOString();
		agreements.set(terms.agreementId, { ...terms, revision });
		const history = agreementHistory.get(terms.agreementId) ?? [];
		history.push({
			at,
			action: change.action,
			by: change.by,
			reason: change.reason,
			agreement: terms,
		});
		agreementHistory.set(terms.agreementId, history);
		unsettledChanges.set(terms.agreementId, {
			agreementId: terms.agreementId,
			revision,
			at,
			action: change.action,
			by: change.by,
			reason: change.reason,
			...(lease ? { lease: { ...lease } } : {}),
		});
		return revision;
	}

	async listAgreementHistory(agreementId: string): Promise<AgreementChange[]> {
		return (this.tables.agreementHistory.get(agreementId) ?? []).map(copyOut);
	}

	async listUnsettledChanges(limit: number): Promise<UnsettledAgreementChange[]> {
		return [...this.tables.unsettledChanges.values()]
			.sort((a, b) => compareKeys(a.agreementId, b.agreementId))
			.slice(0, limit)
			.map(copyOut);
	}

	async leaseUnsettledChange(
		agreementId: string,
		owner: string,
		now: Date,
		leaseMs: number,
	): Promise<UnsettledAgreementChange | undefined> {
		const change = this.tables.unsettledChanges.get(agreementId);
		if (!change) return undefined;
		const { lease } = change;
		if (lease && lease.owner !== owner && lease.until >= now.getTime()) return undefined;
		change.lease = { owner, until: now.getTime() + leaseMs };
		return copyOut(change);
	}

	async settleChange(agreementId: string, revision: number): Promise<boolean> {
		const change = this.tables.unsettledChanges.get(agreementId);
		if (change?.revision !== revision) return false;
		this.tables.unsettledChanges.delete(agreementId);
		return true;
	}
}
