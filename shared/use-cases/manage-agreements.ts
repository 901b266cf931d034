import { randomUUID } from "node:crypto";
import {
	type Agreement,
	type AgreementAction,
	type AgreementChange,
	agreementTerms,
	type Partner,
	type StoredAgreement,
} from "../domain/agreement.ts";
import type { AgreementChangeStore, AgreementStore } from "../ports/agreements.ts";
import {
	AgreementCommandError,
	type ChangeContext,
	checkAgreementId,
	checkChange,
	checkPartnerId,
	checkText,
	fail,
	type GrantInput,
	type PartnerInput,
	parseGrant,
	show,
} from "./agreement-input.ts";
import { makeSettleAgreementChanges } from "./settle-agreement-changes.ts";

// The command's input and its error, from this module as its callers (the CLI, infra's
// partner config) import them.

export interface AgreementChangeResult<R> {
	agreement: Agreement;
	/** The agreement before the change; absent when it is new. */
	previous?: Agreement;
	change: AgreementChange;
	/** What `reevaluate` returned. */
	reevaluated: R;
	/**
	 * A revoke of an agreement already revoked: nothing was stored, `change` is the revoke on
	 * record, and its articles were decided again in case an earlier run did not finish.
	 */
	repeated?: boolean;
}

export interface PartnerResult {
	partner: Partner;
	action: "added" | "renamed" | "unchanged";
	/** The partner before, when it existed. */
	previous?: Partner;
}

export interface ManageAgreementsDeps<R extends { articles: number }> {
	agreements: AgreementStore;
	/** Where a change's unfinished work is leased and settled (written with the change). */
	changes: AgreementChangeStore;
	/** Applies a stored change to the articles the agreement covers (pages, feeds). */
	reevaluate: (agreementId: string, by: string, reason: string) => Promise<R>;
	clock: () => Date;
	/** Who holds the lease of a change while its articles are decided; unique per process. */
	owner?: string;
	/** How long that lease lasts unless renewed (`AGREEMENT_LEASE_MS` by default). */
	leaseMs?: number;
}

/**
 * Managing partners and agreements (permissions.md), as ops do it: every agreement change is
 * validated, stored with its audit entry, then applied to the articles through `reevaluate`.
 */
export function makeManageAgreements<R extends { articles: number }>(
	deps: ManageAgreementsDeps<R>,
) {
	const { agreements, reevaluate, clock } = deps;
	const owner = deps.owner ?? `agreements/${randomUUID()}`;
	const settle = makeSettleAgreementChanges({
		changes: deps.changes,
		reevaluate,
		clock,
		owner,
		...(deps.leaseMs === undefined ? {} : { leaseMs: deps.leaseMs }),
	});

	/** Runs `work` (deciding an agreement's articles); its failure says the change is stored. */
	async function deciding(agreementId: string, done: string, work: () => Promise<R>): Promise<R> {
		try {
			return await work();
		} catch (error) {
			const why = (error instanceof Error ? error.message : String(error)).replace(/\s+/g, " ");
			throw new AgreementCommandError(
				"REEVALUATION_FAILED",
				`agreement ${agreementId} was ${done}, but re-evaluating its articles failed: ${why} (the schedule finishes it; status shows it until then)`,
				{ cause: error },
			);
		}
	}

	/**
	 * Stores the change together with the record that its articles are still to be decided,
	 * leased to this process, then decides them and settles the record: a command that dies
	 * in between leaves the record for the schedule.
	 */
	async function commit(
		stated: Agreement,
		action: AgreementAction,
		context: ChangeContext,
		now: Date,
		previous: Agreement | undefined,
	): Promise<AgreementChangeResult<R>> {
		const agreement = agreementTerms(stated);
		const change: AgreementChange = { at: now.toISOString(), action, ...context, agreement };
		const lease = { owner, until: now.getTime() + settle.leaseMs };
		const revision = await agreements.putAgreement(
			agreement,
			{ at: now, action, ...context },
			lease,
		);
		const done = { grant: "granted", amend: "amended", revoke: "revoked" }[action];
		const reevaluated = await deciding(agreement.agreementId, done, () =>
			settle.finish(
				{ agreementId: agreement.agreementId, revision, at: change.at, action, ...context, lease },
				context.by,
				context.reason,
			),
		);
		return {
			agreement,
			...(previous ? { previous: agreementTerms(previous) } : {}),
			change,
			reevaluated,
		};
	}

	/** Registers a partner; an existing id gets the new name. */
	async function addPartner(input: PartnerInput): Promise<PartnerResult> {
		const partner = {
			partnerId: checkPartnerId(input.partnerId),
			name: checkText("name", input.name, true),
		};
		const previous = await agreements.getPartner(partner.partnerId);
		// Written even when unchanged: the write also puts the partner in the listing.
		await agreements.putPartner(partner);
		if (!previous) return { partner, action: "added" };
		return { partner, action: previous.name === partner.name ? "unchanged" : "renamed", previous };
	}

	/**
	 * Grants an agreement as stated in full: a new one or a revoked one is granted, an active
	 * one amended. Its partner must exist and cannot change.
	 */
	async function grantAgreement(
		input: GrantInput,
		context: ChangeContext,
	): Promise<AgreementChangeResult<R>> {
		const checked = checkChange(context);
		const now = clock();
		const previous = await agreements.getAgreement(checkAgreementId(input.agreementId));
		// An amendment that names no start keeps the agreement's: granting again to change one
		// term must not move when it began (nor its policy's window), and running the same
		// command twice must state the same agreement.
		const agreement = parseGrant(
			input,
			now,
			previous?.status === "active" ? previous.validFrom : undefined,
		);
		const { agreementId, partnerId } = agreement;
		if (!(await agreements.getPartner(partnerId))) {
			fail("UNKNOWN_PARTNER", "partnerId", `partner ${show(partnerId)} does not exist`);
		}
		if (previous && previous.partnerId !== partnerId) {
			fail(
				"PARTNER_MISMATCH",
				"partnerId",
				`agreement ${agreementId} belongs to partner ${previous.partnerId}, not ${show(partnerId)}: grant a new agreement id instead`,
			);
		}
		const action = previous?.status === "active" ? "amend" : "grant";
		return commit(agreement, action, checked, now, previous);
	}

	/** Revokes an active agreement, keeping everything else it says. */
	async function revokeAgreement(
		agreementId: string,
		context: ChangeContext,
	): Promise<AgreementChangeResult<R>> {
		const checked = checkChange(context);
		const previous = await getExisting(agreementId);
		if (previous.status === "revoked") return finishRevoke(previous, checked);
		return commit({ ...previous, status: "revoked" }, "revoke", checked, clock(), previous);
	}

	/**
	 * A revoke repeated (by an operator whose first one died, say): harmless, never an error
	 * that leaves work undone. Nothing is stored; the articles are decided again, which changes
	 * nothing that was decided already, and the change is settled if it is still the newest.
	 */
	async function finishRevoke(
		stored: StoredAgreement,
		context: ChangeContext,
	): Promise<AgreementChangeResult<R>> {
		const { agreementId } = stored;
		const history = await agreements.listAgreementHistory(agreementId);
		const agreement = agreementTerms(stored);
		const change = history.findLast((entry) => entry.action === "revoke") ?? {
			at: clock().toISOString(),
			action: "revoke" as const,
			...context,
			agreement,
		};
		const reevaluated = await deciding(agreementId, "already revoked", () =>
			reevaluate(agreementId, context.by, context.reason),
		);
		await deps.changes.settleChange(agreementId, stored.revision);
		return { agreement, previous: agreement, change, reevaluated, repeated: true };
	}

	// Looked up as given, not checked against the id pattern: any stored id can be managed.
	async function getExisting(agreementId: string): Promise<StoredAgreement> {
		const agreement = await agreements.getAgreement(agreementId);
		if (!agreement) {
			fail("UNKNOWN_AGREEMENT", "agreementId", `agreement ${show(agreementId)} does not exist`);
		}
		return agreement;
	}

	/** The agreement and every change to it, oldest first. */
	async function showAgreement(
		agreementId: string,
	): Promise<{ agreement: Agreement; history: AgreementChange[] }> {
		const agreement = agreementTerms(await getExisting(agreementId));
		return { agreement, history: await agreements.listAgreementHistory(agreementId) };
	}

	return {
		addPartner,
		listPartners: () => agreements.listPartners(),
		grantAgreement,
		revokeAgreement,
		listAgreements: async () => (await agreements.listAgreements()).map(agreementTerms),
		showAgreement,
	};
}
