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
	status: "active" | "revoked";
}

export interface Partner {
	partnerId: string;
	name: string;
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
	imagesAllowed: boolean;
}

/** The attribution line of permissions.md rule 5. */
export function formatAttribution(rights: {
	holder: string;
	translator?: string | undefined;
	notice?: string | undefined;
}): string {
	const translator = rights.translator?.trim();
	// "The Science News Ltd." already ends the sentence.
	const holder = rights.holder.trim().replace(/\.$/, "");
	const grant = translator
		? `This article has been translated by ${translator} with permission from ${holder}.`
		: `Published with permission from ${holder}.`;
	const notice = rights.notice?.trim();
	return notice ? `${grant} ${notice}` : grant;
}

/** RFC 4647 basic filtering: the range `zh` covers `zh` and `zh-Hant`, not `zho`. */
export function languageCovers(range: string, tag: string): boolean {
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
 * Rule 1 of permissions.md: public only under an agreement of the uploading partner that
 * is active, lists the language and is inside its window. The attribution names what the
 * agreement grants when there is one, since the agreement is the authority, not the upload.
 */
export function decidePermission(input: DecisionInput): PermissionRecord {
	const { agreement, now } = input;
	const base = { checkedAt: now.toISOString(), sha256: input.sha256 };
	const pending = (reason: string, decision: Decision = "pending"): PermissionRecord => ({
		...base,
		agreementId:
			agreement && agreement.partnerId === input.partnerId ? agreement.agreementId : null,
		decision,
		reason,
		attribution: formatAttribution(input.rights),
		imagesAllowed: false,
	});
	if (!agreement) return pending(`agreement ${input.rights.agreement} does not exist`);
	if (agreement.partnerId !== input.partnerId) {
		return pending(
			`agreement ${agreement.agreementId} does not belong to partner ${input.partnerId}`,
		);
	}
	if (agreement.status === "revoked")
		return pending(`agreement ${agreement.agreementId} is revoked`, "revoked");
	if (!agreement.languages.some((range) => languageCovers(range, input.language))) {
		return pending(`agreement ${agreement.agreementId} does not cover language ${input.language}`);
	}
	if (now.getTime() < Date.parse(agreement.validFrom)) {
		return pending(`agreement ${agreement.agreementId} is valid from ${agreement.validFrom}`);
	}
	if (agreement.validUntil !== null && now.getTime() >= Date.parse(agreement.validUntil)) {
		return pending(
			`agreement ${agreement.agreementId} expired at ${agreement.validUntil}`,
			"expired",
		);
	}
	return {
		...base,
		agreementId: agreement.agreementId,
		decision: "granted",
		reason: `covered by agreement ${agreement.agreementId}`,
		attribution: formatAttribution({
			holder: agreement.holder,
			translator: agreement.translator,
			notice: agreement.notice || input.rights.notice,
		}),
		imagesAllowed: agreement.scope.includes("images"),
	};
}
