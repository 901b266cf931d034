import { renderOdrlPolicy } from "../../domain/render/render-odrl.ts";
import type { Target } from "../../domain/targets.ts";
import { SITE_CACHE } from "../site-paths.ts";
import type { TargetKind } from "../target-kind.ts";

type AgreementTarget = Extract<Target, { kind: "agreement" }>;

/** The media type of an ODRL policy in JSON-LD. */
const JSON_LD = "application/ld+json";

/**
 * The site key of an agreement's policy: the id as it is, which the URL path
 * (`agreementPolicyPath`) percent-encodes, as `sitePathsOf` encodes each key it invalidates.
 */
export function agreementPolicyKey(agreementId: string): string {
	return `agreements/${agreementId}.jsonld`;
}

/**
 * `agreements/{id}.jsonld`: the agreement as it is stored now, as an ODRL policy. A revoked
 * or expired agreement keeps its document, which states its end, so a re-publisher can tell
 * "revoked" from "never existed"; only an id no agreement has is left without one.
 */
export const agreementTarget: TargetKind<AgreementTarget> = {
	keys: ({ agreementId }) => [agreementPolicyKey(agreementId)],
	async render({ agreementId }, out, ctx) {
		const key = agreementPolicyKey(agreementId);
		const agreement = await ctx.deps.agreements.getAgreement(agreementId);
		if (!agreement) {
			await out.delete(key);
			return false;
		}
		// Its end is when it was revoked last: a grant after a revoke makes it active again.
		const revoke =
			agreement.status === "revoked"
				? (await ctx.deps.agreements.listAgreementHistory(agreementId)).findLast(
						(change) => change.action === "revoke",
					)
				: undefined;
		const policy = renderOdrlPolicy({
			agreement,
			siteUrl: ctx.deps.siteUrl,
			...(revoke ? { revokedAt: revoke.at } : {}),
		});
		await out.put(key, `${JSON.stringify(policy, null, 2)}\n`, {
			contentType: JSON_LD,
			cacheControl: SITE_CACHE,
		});
		return false;
	},
};
