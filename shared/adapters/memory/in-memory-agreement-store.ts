import type {
	Agreement,
	AgreementAction,
	AgreementChange,
	Partner,
} from "../../domain/agreement.ts";
import type { AgreementStore } from "../../ports.ts";
import { compareKeys, copyIn, copyOut, type InMemoryTables } from "./in-memory-tables.ts";

/**
 * Partners and agreements in memory, with the append-only history of every agreement.
 * Each write happens in one turn of the event loop, so writes to one agreement are
 * serialised and its newest history entry is always the agreement as stored.
 */
export class InMemoryAgreementStore implements AgreementStore {
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

	async getAgreement(agreementId: string): Promise<Agreement | undefined> {
		const agreement = this.tables.agreements.get(agreementId);
		return agreement && copyOut(agreement);
	}

	async listAgreements(): Promise<Agreement[]> {
		return [...this.tables.agreements.values()]
			.sort((a, b) => compareKeys(a.agreementId, b.agreementId))
			.map(copyOut);
	}

	async putAgreement(
		agreement: Agreement,
		change: { at: Date; action: AgreementAction; by: string; reason: string },
	): Promise<void> {
		const stored = copyIn(agreement);
		const entry: AgreementChange = {
			at: change.at.toISOString(),
			action: change.action,
			by: change.by,
			reason: change.reason,
			agreement: copyIn(agreement),
		};
		const { agreements, agreementHistory } = this.tables;
		agreements.set(stored.agreementId, stored);
		const history = agreementHistory.get(stored.agreementId) ?? [];
		history.push(entry);
		agreementHistory.set(stored.agreementId, history);
	}

	async listAgreementHistory(agreementId: string): Promise<AgreementChange[]> {
		return (this.tables.agreementHistory.get(agreementId) ?? []).map(copyOut);
	}
}
