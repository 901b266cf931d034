import { type Agreement, formatAttribution } from "../agreement.ts";
import { absoluteUrl } from "./html.ts";
import { agreementPolicyPath } from "./render-ninjs.ts";

/** IPTC's ODRL profile for the news industry, which every policy names. */
export const RIGHTSML_PROFILE = "https://iptc.org/std/RightsML/odrl-profile/";

/** Our own terms, where ODRL has none: an agreement's status and when it ended early. */
const SYNDICATE_VOCAB = "urn:syndicate:vocab:";

/**
 * The JSON-LD context, embedded in every policy: a reader expands it without fetching
 * anything (the W3C's odrl.jsonld is not fetched, and not needed for the terms used here).
 */
export const ODRL_CONTEXT = {
	odrl: "http://www.w3.org/ns/odrl/2/",
	dct: "http://purl.org/dc/terms/",
	vcard: "http://www.w3.org/2006/vcard/ns#",
	xsd: "http://www.w3.org/2001/XMLSchema#",
	syn: SYNDICATE_VOCAB,
	uid: "@id",
	Agreement: "odrl:Agreement",
	Party: "odrl:Party",
	AssetCollection: "odrl:AssetCollection",
	profile: { "@id": "odrl:profile", "@type": "@id" },
	assigner: { "@id": "odrl:assigner", "@type": "@id" },
	assignee: { "@id": "odrl:assignee", "@type": "@id" },
	target: { "@id": "odrl:target", "@type": "@id" },
	permission: { "@id": "odrl:permission", "@type": "@id" },
	prohibition: { "@id": "odrl:prohibition", "@type": "@id" },
	duty: { "@id": "odrl:duty", "@type": "@id" },
	constraint: { "@id": "odrl:constraint", "@type": "@id" },
	action: { "@id": "odrl:action", "@type": "@vocab" },
	leftOperand: { "@id": "odrl:leftOperand", "@type": "@vocab" },
	operator: { "@id": "odrl:operator", "@type": "@vocab" },
	rightOperand: { "@id": "odrl:rightOperand" },
	translate: "odrl:translate",
	distribute: "odrl:distribute",
	display: "odrl:display",
	attribute: "odrl:attribute",
	language: "odrl:language",
	dateTime: "odrl:dateTime",
	isAnyOf: "odrl:isAnyOf",
	gteq: "odrl:gteq",
	lt: "odrl:lt",
	name: "vcard:fn",
	description: "dct:description",
	status: { "@id": "syn:status" },
	endedAt: { "@id": "syn:endedAt", "@type": "xsd:dateTime" },
} as const;

/** What an agreement lets a re-publisher do with the partner's articles, in its languages. */
export const GRANTED_ACTIONS = ["translate", "distribute", "display"] as const;

/** The asset collections an agreement is about: a partner's article text, and its photos. */
export function assetsOf(partnerId: string) {
	const base = `urn:syndicate:partner:${encodeURIComponent(partnerId)}`;
	return { text: `${base}:text`, images: `${base}:images` };
}

const dateTime = (instant: string) => ({ "@value": instant, "@type": "xsd:dateTime" });

/**
 * An agreement as an ODRL 2.2 policy in JSON-LD, IPTC's RightsML profile: the partner
 * (assigner) lets the translator (assignee) translate, distribute and display its articles'
 * text, and its photos where the scope says `images`, in the agreement's languages and
 * window, on the duty to print the attribution; photos outside the scope are prohibited.
 * A revoked agreement stays published, its end stated (`endedAt`, and the window closing
 * then), so a re-publisher can tell "revoked" from "never existed"; an expired one says so
 * by its window.
 */
export function renderOdrlPolicy(input: {
	agreement: Agreement;
	siteUrl: string;
	/** When a revoked agreement was revoked (its history's last `revoke`). */
	revokedAt?: string;
}) {
	const { agreement, siteUrl } = input;
	const assets = assetsOf(agreement.partnerId);
	// Compared as instants: stored texts differ in precision (`…00Z`, a revoke's `…00.000Z`).
	const end =
		agreement.status === "revoked" && input.revokedAt
			? agreement.validUntil && Date.parse(agreement.validUntil) < Date.parse(input.revokedAt)
				? agreement.validUntil
				: input.revokedAt
			: agreement.validUntil;
	const constraint = [
		{ leftOperand: "language", operator: "isAnyOf", rightOperand: [...agreement.languages] },
		{ leftOperand: "dateTime", operator: "gteq", rightOperand: dateTime(agreement.validFrom) },
		...(end ? [{ leftOperand: "dateTime", operator: "lt", rightOperand: dateTime(end) }] : []),
	];
	const attribution = formatAttribution(agreement);
	const parties = {
		assigner: `urn:syndicate:partner:${encodeURIComponent(agreement.partnerId)}`,
		assignee: `urn:syndicate:translator:${encodeURIComponent(agreement.translator)}`,
	};
	const rule = (target: string) => ({
		target,
		...parties,
		action: [...GRANTED_ACTIONS],
		constraint,
	});
	const images = agreement.scope.includes("images");
	return {
		"@context": ODRL_CONTEXT,
		"@type": "Agreement",
		uid: absoluteUrl(siteUrl, agreementPolicyPath(agreement.agreementId)),
		profile: RIGHTSML_PROFILE,
		assigner: {
			"@type": "Party",
			uid: parties.assigner,
			name: agreement.holder,
		},
		assignee: {
			"@type": "Party",
			uid: parties.assignee,
			name: agreement.translator,
		},
		status: agreement.status,
		...(agreement.status === "revoked" && input.revokedAt
			? { endedAt: dateTime(input.revokedAt) }
			: {}),
		permission: [
			{
				...rule(assets.text),
				duty: [{ action: "attribute", description: attribution }],
			},
			...(images
				? [{ ...rule(assets.images), duty: [{ action: "attribute", description: attribution }] }]
				: []),
		],
		// Photos outside the scope are prohibited whatever the language or date.
		...(images
			? {}
			: { prohibition: [{ target: assets.images, ...parties, action: [...GRANTED_ACTIONS] }] }),
	};
}

export type OdrlPolicy = ReturnType<typeof renderOdrlPolicy>;
