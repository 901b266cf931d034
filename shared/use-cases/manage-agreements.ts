import { randomUUID } from "node:crypto";
import {
	type Agreement,
	type AgreementAction,
	type AgreementChange,
	agreementTerms,
	type Partner,
	type StoredAgreement,
} from "../domain/agreement.ts";
import { parseDateTime } from "../domain/instant.ts";
import type { AgreementChangeStore, AgreementStore } from "../ports/agreements.ts";
import { makeSettleAgreementChanges } from "./settle-agreement-changes.ts";

/** Stable codes of `AgreementCommandError`: scripts match on them, so never rename one. */
export const agreementCommandCodes = [
	"INVALID_ID",
	"INVALID_TEXT",
	"INVALID_LANGUAGE",
	"INVALID_SCOPE",
	"INVALID_DATE",
	"INVALID_WINDOW",
	"UNKNOWN_PARTNER",
	"UNKNOWN_AGREEMENT",
	"PARTNER_MISMATCH",
	"ALREADY_REVOKED",
	"REEVALUATION_FAILED",
] as const;

export type AgreementCommandCode = (typeof agreementCommandCodes)[number];

/**
 * A partner or agreement command that cannot be carried out as given. The message is one
 * line naming the field and the value. Nothing was stored, except with `REEVALUATION_FAILED`:
 * then the change is stored, and recorded as unsettled, and only re-evaluating the articles
 * it covers failed: the schedule finishes it. (`ALREADY_REVOKED` is no longer raised: a
 * revoke of a revoked agreement finishes whatever is left of it instead.)
 */
export class AgreementCommandError extends Error {
	readonly code: AgreementCommandCode;
	/** The input field at fault, when one is. */
	readonly field: string | undefined;

	constructor(
		code: AgreementCommandCode,
		message: string,
		options: { field?: string; cause?: unknown } = {},
	) {
		super(message, options.cause === undefined ? undefined : { cause: options.cause });
		this.name = "AgreementCommandError";
		this.code = code;
		this.field = options.field;
	}
}

/** Ids are keys in the table and in S3 paths: lower case, digits and a few separators. */
export const partnerIdPattern = /^[a-z0-9][a-z0-9-]{0,63}$/;
export const agreementIdPattern = /^[a-z0-9][a-z0-9._-]{0,127}$/;

/** Longest text per field, in UTF-16 code units; every text is one line. */
export const textLimits = {
	name: 200,
	holder: 200,
	translator: 200,
	notice: 1000,
	reason: 1000,
	by: 200,
} as const;

const scopes = ["text", "images"] as const;

export interface PartnerInput {
	partnerId: string;
	name: string;
}

/**
 * A grant states the whole agreement: fields not given take their defaults, whatever the
 * agreement said before.
 */
export interface GrantInput {
	agreementId: string;
	/** Must exist, and must be the agreement's partner when the agreement exists. */
	partnerId: string;
	holder: string;
	/** Empty (the default) for untranslated syndication. */
	translator?: string;
	/** BCP 47 tags, stored in canonical form (`zh-hant` → `zh-Hant`). */
	languages: readonly string[];
	/**
	 * `text`, or `text` and `images`. Defaults to `["text"]`: without `images` photos are
	 * never public (docs/permissions.md, "The decision"), so images are only ever shown by saying so.
	 */
	scope?: readonly string[];
	/** RFC 3339; stored in UTC. Defaults to now. */
	from?: string;
	/** RFC 3339, after `from`; stored in UTC. Defaults to open (no end). */
	until?: string;
	notice?: string;
}

/** Who makes a change and why, for the audit history. Both required. */
export interface ChangeContext {
	by: string;
	reason: string;
}

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

/** A value as an error message shows it: quoted, and cut short when long. */
function show(value: unknown): string {
	const text = String(value);
	return JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}…` : text);
}

function fail(code: AgreementCommandCode, field: string, message: string): never {
	throw new AgreementCommandError(code, message, { field });
}

function checkId(field: string, label: string, value: string, pattern: RegExp, rule: string) {
	if (!pattern.test(value)) {
		fail("INVALID_ID", field, `${label} must be ${rule}, not ${show(value)}`);
	}
	return value;
}

function checkPartnerId(value: string): string {
	return checkId(
		"partnerId",
		"partner id",
		value,
		partnerIdPattern,
		"1 to 64 of a-z, 0-9 and -, starting with a letter or digit",
	);
}

function checkAgreementId(value: string): string {
	return checkId(
		"agreementId",
		"agreement id",
		value,
		agreementIdPattern,
		"1 to 128 of a-z, 0-9, ., _ and -, starting with a letter or digit",
	);
}

/** Trimmed text of one line (it ends up in attribution lines and one-line listings). */
function checkText(field: keyof typeof textLimits, value: string, required: boolean): string {
	const text = value.trim();
	const max = textLimits[field];
	if ((required && text.length === 0) || text.length > max || /\p{Cc}/u.test(text)) {
		const size = required ? `1 to ${max}` : `at most ${max}`;
		fail(
			"INVALID_TEXT",
			field,
			`${field} must be ${size} characters on one line, not ${show(value)}`,
		);
	}
	return text;
}

function checkChange(context: ChangeContext): ChangeContext {
	return {
		by: checkText("by", context.by, true),
		reason: checkText("reason", context.reason, true),
	};
}

/** The tags in canonical form, in the order given, each once. */
function parseLanguages(values: readonly string[]): string[] {
	const rule = "BCP 47 language tags such as en or zh-Hant";
	if (values.length === 0)
		fail("INVALID_LANGUAGE", "languages", `languages must be ${rule}, not ""`);
	const tags: string[] = [];
	for (const value of values) {
		let tag: string | undefined;
		try {
			tag = Intl.getCanonicalLocales(value.trim())[0];
		} catch {
			tag = undefined;
		}
		if (!tag)
			fail("INVALID_LANGUAGE", "languages", `languages must be ${rule}, not ${show(value)}`);
		if (!tags.includes(tag)) tags.push(tag);
	}
	return tags;
}

function parseScope(values: readonly string[] | undefined): Agreement["scope"] {
	if (values === undefined) return ["text"];
	const given = values.map((value) => value.trim());
	const unknown = given.find((value) => !(scopes as readonly string[]).includes(value));
	if (unknown !== undefined || !given.includes("text")) {
		fail(
			"INVALID_SCOPE",
			"scope",
			`scope must be text or text,images, not ${show(values.join(","))}`,
		);
	}
	return scopes.filter((scope) => given.includes(scope));
}

/** An instant as stored: UTC, milliseconds only when there are any. */
function formatInstant(time: number): string {
	return new Date(time).toISOString().replace(/\.000Z$/, "Z");
}

/**
 * An RFC 3339 date-time, in UTC, by the strict parser partners' dates go through (a space may
 * stand for the `T` on a command line). `Date.parse` alone would take other formats, and roll
 * 2024-02-30 over into March.
 */
function parseInstant(field: "from" | "until", value: string): string {
	const parsed = parseDateTime(value.trim(), { allowSpace: true });
	if (parsed.ok) return formatInstant(parsed.time);
	return fail(
		"INVALID_DATE",
		field,
		`${field} must be an RFC 3339 date-time such as 2024-01-01T00:00:00Z, not ${show(value)}`,
	);
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
		const agreementId = checkAgreementId(input.agreementId);
		const partnerId = checkPartnerId(input.partnerId);
		const holder = checkText("holder", input.holder, true);
		const translator = checkText("translator", input.translator ?? "", false);
		const languages = parseLanguages(input.languages);
		const scope = parseScope(input.scope);
		const validFrom =
			input.from === undefined ? formatInstant(now.getTime()) : parseInstant("from", input.from);
		const validUntil = input.until === undefined ? null : parseInstant("until", input.until);
		if (validUntil !== null && Date.parse(validUntil) <= Date.parse(validFrom)) {
			fail(
				"INVALID_WINDOW",
				"until",
				`until must be after from (${validFrom}${input.from === undefined ? ", now" : ""}), not ${show(input.until)}`,
			);
		}
		const notice = checkText("notice", input.notice ?? "", false);
		if (!(await agreements.getPartner(partnerId))) {
			fail("UNKNOWN_PARTNER", "partnerId", `partner ${show(partnerId)} does not exist`);
		}
		const previous = await agreements.getAgreement(agreementId);
		if (previous && previous.partnerId !== partnerId) {
			fail(
				"PARTNER_MISMATCH",
				"partnerId",
				`agreement ${agreementId} belongs to partner ${previous.partnerId}, not ${show(partnerId)}: grant a new agreement id instead`,
			);
		}
		const agreement: Agreement = {
			agreementId,
			partnerId,
			holder,
			translator,
			languages,
			scope,
			validFrom,
			validUntil,
			notice,
			status: "active",
		};
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
