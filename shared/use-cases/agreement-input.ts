import { type Agreement, ATTRIBUTION_LANGUAGES, takesNoticeIn } from "../domain/agreement.ts";
import { parseDateTime } from "../domain/instant.ts";

// What an agreement command takes from ops (ids, names, a grant's terms, who and why), checked
// before anything is read or stored, and the one error every refusal is.

/** Stable codes of `AgreementCommandError`: scripts match on them, so never rename one. */
export const agreementCommandCodes = [
	"INVALID_ID",
	"INVALID_TEXT",
	"INVALID_LANGUAGE",
	"INVALID_SCOPE",
	"INVALID_FULL_TEXT",
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
	/** RFC 3339; stored in UTC. Defaults to now (an active agreement's amendment: its start). */
	from?: string;
	/** RFC 3339, after `from`; stored in UTC. Defaults to open (no end). */
	until?: string;
	notice?: string;
	/**
	 * Whether feeds may carry the whole translation. Defaults to `false` (a teaser and a link),
	 * like `images`: the holder's whole text goes out to every reader only by saying so.
	 */
	fullTextInFeeds?: boolean;
	/** The notice in other languages, by BCP 47 tag: the partner's own translations of it. */
	notices?: Readonly<Record<string, string>>;
}

/** Who makes a change and why, for the audit history. Both required. */
export interface ChangeContext {
	by: string;
	reason: string;
}

/** A value as an error message shows it: quoted, and cut short when long. */
export function show(value: unknown): string {
	const text = String(value);
	return JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}…` : text);
}

export function fail(code: AgreementCommandCode, field: string, message: string): never {
	throw new AgreementCommandError(code, message, { field });
}

function checkId(field: string, label: string, value: string, pattern: RegExp, rule: string) {
	if (!pattern.test(value)) {
		fail("INVALID_ID", field, `${label} must be ${rule}, not ${show(value)}`);
	}
	return value;
}

export function checkPartnerId(value: string): string {
	return checkId(
		"partnerId",
		"partner id",
		value,
		partnerIdPattern,
		"1 to 64 of a-z, 0-9 and -, starting with a letter or digit",
	);
}

export function checkAgreementId(value: string): string {
	return checkId(
		"agreementId",
		"agreement id",
		value,
		agreementIdPattern,
		"1 to 128 of a-z, 0-9, ., _ and -, starting with a letter or digit",
	);
}

/** Trimmed text of one line (it ends up in attribution lines and one-line listings). */
export function checkText(
	field: keyof typeof textLimits,
	value: string,
	required: boolean,
): string {
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

export function checkChange(context: ChangeContext): ChangeContext {
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
 * The agreement a grant states, its fields checked in the order given (the first fault is the
 * one reported). Whether its partner exists, and owns it, is for the command to check.
 */
export function parseGrant(
	input: GrantInput,
	now: Date,
	/** The start when `from` is not given: an active agreement's own, kept by an amendment. */
	startIfUnstated?: string,
): Agreement {
	const agreementId = checkAgreementId(input.agreementId);
	const partnerId = checkPartnerId(input.partnerId);
	const holder = checkText("holder", input.holder, true);
	const translator = checkText("translator", input.translator ?? "", false);
	const languages = parseLanguages(input.languages);
	const scope = parseScope(input.scope);
	const validFrom =
		input.from === undefined
			? (startIfUnstated ?? formatInstant(now.getTime()))
			: parseInstant("from", input.from);
	const validUntil = input.until === undefined ? null : parseInstant("until", input.until);
	if (validUntil !== null && Date.parse(validUntil) <= Date.parse(validFrom)) {
		fail(
			"INVALID_WINDOW",
			"until",
			`until must be after from (${validFrom}${input.from === undefined ? (startIfUnstated ? ", the agreement's start" : ", now") : ""}), not ${show(input.until)}`,
		);
	}
	const notice = checkText("notice", input.notice ?? "", false);
	// Typed, but also read from JSON (infra's partner config), where anything can be written.
	const fullText: unknown = input.fullTextInFeeds;
	if (fullText !== undefined && typeof fullText !== "boolean") {
		fail(
			"INVALID_FULL_TEXT",
			"fullTextInFeeds",
			`fullTextInFeeds must be true or false, not ${show(fullText)}`,
		);
	}
	const notices = parseNotices(input.notices ?? {}, notice);
	return {
		agreementId,
		partnerId,
		holder,
		translator,
		languages,
		scope,
		validFrom,
		validUntil,
		notice,
		...(Object.keys(notices).length > 0 ? { notices } : {}),
		status: "active",
		// Stored only when granted, as an agreement from before the field is stored.
		...(fullText === true ? { fullTextInFeeds: true } : {}),
	};
}

/**
 * Translations of the notice, by canonical tag: each in a language the attribution line has a
 * sentence in, and only beside an English notice they translate.
 */
function parseNotices(
	given: Readonly<Record<string, string>>,
	notice: string,
): Record<string, string> {
	const notices: Record<string, string> = {};
	for (const [language, text] of Object.entries(given)) {
		const [tag] = parseLanguages([language]);
		if (tag === undefined || !takesNoticeIn(tag)) {
			fail(
				"INVALID_LANGUAGE",
				"notices",
				`a notice's language must be one the attribution line is written in besides English (${ATTRIBUTION_LANGUAGES}), not ${show(language)}`,
			);
		}
		if (notice === "") {
			fail(
				"INVALID_TEXT",
				"notices",
				`a notice in ${tag} translates the notice: give --notice too`,
			);
		}
		notices[tag] = checkText("notice", text, true);
	}
	return notices;
}
