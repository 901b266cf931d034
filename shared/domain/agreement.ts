/** A partner's standing permission (permissions.md), modelled on RightsML/ODRL. */
export interface Agreement {
	agreementId: string;
	partnerId: string;
	holder: string;
	translator: string;
	languages: string[];
	scope: ("text" | "images")[];
	validFrom: string;
	validUntil: string | null;
	notice: string;
	/**
	 * The notice in other languages, by BCP 47 tag (`{"zh": "…"}`): the partner's own
	 * translations, never made here. Only for languages the attribution line has a
	 * sentence in ({@link takesNoticeIn}); English is `notice` itself.
	 */
	notices?: Record<string, string>;
	status: "active" | "revoked";
	/**
	 * Whether feeds may carry the whole translation rather than a teaser (permissions.md,
	 * "Full text in feeds"). Absent is `false`: agreements granted before it was asked say nothing.
	 */
	fullTextInFeeds?: boolean;
}

/**
 * An agreement as the store holds it: with the revision every change to it bumps, so a
 * decision can be committed against the revision it read and redone if it moved on.
 * Revision 0 is an agreement stored before revisions were kept.
 */
export interface StoredAgreement extends Agreement {
	revision: number;
}

/** The agreement's terms alone, without what the store keeps beside them (its revision). */
export function agreementTerms(agreement: Agreement): Agreement {
	const { revision: _revision, ...terms } = agreement as Agreement & { revision?: number };
	return terms;
}

export interface Partner {
	partnerId: string;
	name: string;
}

/** What one audited change did to an agreement (permissions.md: grant, amend, revoke). */
export type AgreementAction = "grant" | "amend" | "revoke";

/**
 * An agreement change whose articles have not all been decided again yet: recorded in the
 * same write as the change itself, so a command that dies after storing the agreement
 * leaves it for the schedule to finish instead of a site that no longer matches the table.
 * One per agreement: a later change replaces it, since deciding again always reads the
 * agreement as it stands.
 */
export interface UnsettledAgreementChange {
	agreementId: string;
	/** The agreement's revision this change left; settled only while it is still that one. */
	revision: number;
	/** ISO 8601, UTC: when the change was stored. */
	at: string;
	action: AgreementAction;
	by: string;
	reason: string;
	/** Who is deciding the articles again now, and until when (epoch ms) unless renewed. */
	lease?: { owner: string; until: number };
}

/** One entry of an agreement's append-only audit history: who changed it, when and why. */
export interface AgreementChange {
	/** ISO 8601, UTC. */
	at: string;
	action: AgreementAction;
	by: string;
	reason: string;
	/** The agreement as this change left it. */
	agreement: Agreement;
}

export type Decision = "granted" | "pending" | "revoked" | "expired";

/** What was decided for one article version, and the evidence (permissions.md). */
export interface PermissionRecord {
	agreementId: string | null;
	decision: Decision;
	reason: string;
	checkedAt: string;
	sha256: string;
	attribution: string;
	/**
	 * The language `attribution` is written in when it is not English: the article's, where
	 * the agreement lets the whole line be written in it ({@link attributionFor}).
	 */
	attributionLang?: string;
	/**
	 * On a granted record: the copyright holder the agreement names, the only holder shown as
	 * rights (the manifest's `rights` are kept on the article as evidence, never printed).
	 */
	holder?: string;
	imagesAllowed: boolean;
	/**
	 * On a granted record whose agreement lets feeds carry the whole translation: `true`. Absent
	 * otherwise, so records decided before the field existed compare equal to new teaser ones.
	 */
	fullTextAllowed?: true;
	/** When not granted: what would make it public, for the partner's report and for ops. */
	unblock?: string;
}

interface AttributionSentences {
	/** `{translator}` and `{holder}` are replaced by the agreement's names. */
	translated: string;
	published: string;
	/** Between the sentence and the notice. */
	space: string;
}

const ENGLISH_SENTENCES: AttributionSentences = {
	translated: "This article has been translated by {translator} with permission from {holder}.",
	published: "Published with permission from {holder}.",
	space: " ",
};

// Most specific first, as the interface text's catalogue (render/i18n.ts) matches them.
const ATTRIBUTION_SENTENCES: readonly (readonly [
	range: string,
	sentences: AttributionSentences,
])[] = [
	...["zh-Hant", "zh-TW", "zh-HK", "zh-MO"].map(
		(range) =>
			[
				range,
				{
					translated: "本文由{translator}經{holder}許可翻譯。",
					published: "經{holder}許可發佈。",
					space: "",
				},
			] as const,
	),
	[
		"zh",
		{
			translated: "本文由{translator}经{holder}许可翻译。",
			published: "经{holder}许可发布。",
			space: "",
		},
	],
	[
		"ja",
		{
			translated: "本記事は{holder}の許可を得て{translator}が翻訳したものです。",
			published: "本記事は{holder}の許可を得て掲載しています。",
			space: "",
		},
	],
	["en", ENGLISH_SENTENCES],
];

function sentencesFor(language: string): AttributionSentences | undefined {
	return ATTRIBUTION_SENTENCES.find(([range]) => languageCovers(range, language))?.[1];
}

/** The languages, besides English, the attribution line has a sentence in (for messages). */
export const ATTRIBUTION_LANGUAGES = "zh, zh-Hant and ja";

/** Whether an agreement's `notices` may hold a notice in `language` (not English: `notice`). */
export function takesNoticeIn(language: string): boolean {
	return sentencesFor(language) !== undefined && !languageCovers("en", language);
}

/** The attribution line of docs/permissions.md, "The decision", in English. */
export function formatAttribution(rights: {
	holder: string;
	translator?: string | undefined;
	notice?: string | undefined;
}): string {
	return composeAttribution(ENGLISH_SENTENCES, rights);
}

function composeAttribution(
	sentences: AttributionSentences,
	rights: { holder: string; translator?: string | undefined; notice?: string | undefined },
): string {
	const translator = rights.translator?.trim();
	const template = translator ? sentences.translated : sentences.published;
	// "The Science News Ltd." already ends an English sentence; inside one it keeps its dot.
	const holder = rights.holder.trim();
	// Replaced by functions: a name is inserted as written, `$&` and all.
	const grant = template
		.replace("{holder}.", () => `${holder.replace(/\.$/, "")}.`)
		.replace("{holder}", () => holder)
		.replace("{translator}", () => translator ?? "");
	const notice = rights.notice?.trim();
	return notice ? `${grant}${sentences.space}${notice}` : grant;
}

/** The script a language is written in (`zh-TW` → `Hant`), as CLDR's likely subtags have it. */
function scriptOf(language: string): string | undefined {
	try {
		return new Intl.Locale(language).maximize().script;
	} catch {
		return undefined;
	}
}

/**
 * The agreement's notice in `language`: the most specific of its `notices` that covers it in
 * its script (`zh` covers `zh-CN`, `zh-Hant` covers `zh-TW`, `zh` does not cover `zh-TW`),
 * `""` when it has no notice at all, `undefined` when it has one not given in that language.
 */
export function noticeIn(
	agreement: Pick<Agreement, "notice" | "notices">,
	language: string,
): string | undefined {
	if (agreement.notice.trim() === "") return "";
	const script = scriptOf(language);
	const likely = script === undefined ? language : `${language.split("-")[0]}-${script}`;
	const [range] = Object.keys(agreement.notices ?? {})
		.filter((range) => languageCovers(range, language) || languageCovers(range, likely))
		.filter((range) => scriptOf(range) === script)
		.sort((a, b) => b.length - a.length);
	return range === undefined ? undefined : agreement.notices?.[range];
}

/**
 * An agreement's attribution line for an article in `language` (docs/permissions.md,
 * "The attribution in the reader's language"): written in that language when the whole line can
 * be, from a built-in sentence and the partner's own notice in it; otherwise in English, so
 * that a line is never half translated and a notice never machine-translated.
 */
export function attributionFor(
	agreement: Pick<Agreement, "holder" | "translator" | "notice" | "notices">,
	language: string,
): Pick<PermissionRecord, "attribution" | "attributionLang"> {
	const names = { holder: agreement.holder, translator: agreement.translator };
	const english = { attribution: formatAttribution({ ...names, notice: agreement.notice }) };
	if (languageCovers("en", language)) return english;
	const sentences = sentencesFor(language);
	const notice = noticeIn(agreement, language);
	if (!sentences || notice === undefined) return english;
	return {
		attribution: composeAttribution(sentences, { ...names, notice }),
		attributionLang: language,
	};
}

/**
 * Whether a language tag has a single-character subtag: the start of a BCP 47 extension
 * (`-u-ca-buddhist`, `-t-ja`) or of private use (`-x-evil`, `x-…`).
 */
export function hasSingleton(tag: string): boolean {
	return tag.split("-").some((subtag) => subtag.length === 1);
}

/**
 * RFC 4647 basic filtering: the range `zh` covers `zh` and `zh-Hant`, not `zho`. A tag with
 * extensions or private use is covered by no range: no agreement names one, and each would
 * be a language of the site of its own.
 */
export function languageCovers(range: string, tag: string): boolean {
	if (hasSingleton(tag)) return false;
	const r = range.toLowerCase();
	const t = tag.toLowerCase();
	return r === "*" || t === r || t.startsWith(`${r}-`);
}

interface DecisionInput {
	partnerId: string;
	language: string;
	rights: {
		holder: string;
		translator?: string | undefined;
		notice?: string | undefined;
		agreement: string;
	};
	agreement: Agreement | undefined;
	sha256: string;
	now: Date;
}

/**
 * Rules 1-3 of docs/permissions.md ("The decision"): public only under an agreement of the uploading partner that
 * is active, lists the language and is inside its window. The attribution names what the
 * agreement grants when there is one, since the agreement is the authority, not the upload.
 */
export function decidePermission(input: DecisionInput): PermissionRecord {
	const { agreement, now } = input;
	const base = { checkedAt: now.toISOString(), sha256: input.sha256 };
	const pending = (
		reason: string,
		unblock: string,
		decision: Decision = "pending",
	): PermissionRecord => ({
		...base,
		agreementId:
			agreement && agreement.partnerId === input.partnerId ? agreement.agreementId : null,
		decision,
		reason,
		unblock,
		attribution: formatAttribution(input.rights),
		imagesAllowed: false,
	});
	const { partnerId, language } = input;
	const named = input.rights.agreement;
	if (!agreement) {
		return pending(
			`agreement ${named} does not exist`,
			`it goes public without a new upload once agreement ${named} is granted to partner ${partnerId} for ${language}`,
		);
	}
	const id = agreement.agreementId;
	if (agreement.partnerId !== partnerId) {
		return pending(
			`agreement ${id} does not belong to partner ${partnerId}`,
			`upload a new version whose rights.agreement names an agreement of partner ${partnerId}`,
		);
	}
	if (agreement.status === "revoked") {
		return pending(
			`agreement ${id} is revoked`,
			`it goes public again once agreement ${id} is granted again`,
			"revoked",
		);
	}
	if (!agreement.languages.some((range) => languageCovers(range, language))) {
		return pending(
			`agreement ${id} does not cover language ${language}`,
			`it goes public once agreement ${id} is amended to list ${language}`,
		);
	}
	if (now.getTime() < Date.parse(agreement.validFrom)) {
		return pending(
			`agreement ${id} is valid from ${agreement.validFrom}`,
			`nothing: it goes public by itself at ${agreement.validFrom}`,
		);
	}
	if (agreement.validUntil !== null && now.getTime() >= Date.parse(agreement.validUntil)) {
		return pending(
			`agreement ${id} expired at ${agreement.validUntil}`,
			`it goes public again once agreement ${id} is extended`,
			"expired",
		);
	}
	return {
		...base,
		agreementId: agreement.agreementId,
		decision: "granted",
		reason: `covered by agreement ${agreement.agreementId}`,
		// The agreement's words only: a partner's own notice ("translated with permission
		// from …") would read as a grant the holder never gave.
		...attributionFor(agreement, language),
		holder: agreement.holder,
		imagesAllowed: agreement.scope.includes("images"),
		...(agreement.fullTextInFeeds === true ? { fullTextAllowed: true as const } : {}),
	};
}

/** What an agreement, as it stands, still allows of an article it made public. */
export interface StandingPermission {
	shown: boolean;
	images: boolean;
	/** Whether feeds may still carry the whole text rather than a teaser. */
	fullText: boolean;
}

/**
 * Rules 1-3 of docs/permissions.md ("The decision") and its photo rule applied at render time: whether `agreement` (the one
 * `subject` was published under, as stored now) still lets the article be shown at `now`,
 * and with its photos. Every feed and page render asks it, so a revoked, expired or narrowed
 * agreement takes its articles out of the site from the first render after the change,
 * however long re-deciding each article takes. It only ever takes away: what it shows must
 * also have been decided public for the article itself.
 */
export function standingPermission(
	agreement: Agreement | undefined,
	subject: { agreementId: string; partnerId: string; language: string },
	now: Date,
): StandingPermission {
	const { decision, imagesAllowed, fullTextAllowed } = decidePermission({
		partnerId: subject.partnerId,
		language: subject.language,
		rights: { holder: "", agreement: subject.agreementId },
		agreement: agreement?.agreementId === subject.agreementId ? agreement : undefined,
		sha256: "",
		now,
	});
	const shown = decision === "granted";
	return { shown, images: shown && imagesAllowed, fullText: shown && fullTextAllowed === true };
}
