import { describe, expect, it } from "vitest";
import { policyTargetIds } from "#shared/domain/targets.ts";
import { sitePathsOf } from "#shared/publishing/site-paths.ts";
import { agreementPolicyKey } from "#shared/publishing/targets/agreement.ts";
import { makeRepairSite } from "#shared/use-cases/repair-site.ts";
import { expandOffline, ids, nodes, ODRL, value } from "../helpers/jsonld.ts";
import { tickingWorld } from "../helpers/memory-services.ts";

const SYN = "urn:syndicate:vocab:";
const AGREEMENT = "sn-odrl-2026";
const KEY = `agreements/${AGREEMENT}.jsonld`;
const OPS = { by: "ops", reason: "issue 22" };

/** What the published policy says, read from its expansion (ODRL's IRIs, not our keys). */
async function readPolicy(text: string) {
	const expanded = await expandOffline(JSON.parse(text));
	const policy = expanded.find((node) =>
		(node["@type"] as string[] | undefined)?.includes(`${ODRL}Agreement`),
	);
	if (!policy) throw new Error("no odrl:Agreement");
	const [text_ = {}, ...others] = nodes(policy, `${ODRL}permission`);
	const constraints = nodes(text_, `${ODRL}constraint`);
	const operand = (left: string, operator: string) =>
		constraints.find(
			(c) =>
				ids(c, `${ODRL}leftOperand`)[0] === `${ODRL}${left}` &&
				ids(c, `${ODRL}operator`)[0] === `${ODRL}${operator}`,
		) ?? {};
	return {
		uid: policy["@id"],
		status: value(policy, `${SYN}status`),
		endedAt: value(policy, `${SYN}endedAt`) ?? null,
		languages: nodes(operand("language", "isAnyOf"), `${ODRL}rightOperand`)
			.map((n) => n["@value"])
			.sort(),
		from: value(operand("dateTime", "gteq"), `${ODRL}rightOperand`),
		until: value(operand("dateTime", "lt"), `${ODRL}rightOperand`) ?? null,
		actions: ids(text_, `${ODRL}action`).sort(),
		images: others.length > 0,
		imagesProhibited: nodes(policy, `${ODRL}prohibition`).length > 0,
	};
}

/** A process of the pipeline with the agreement commands, its clock a second further each call. */
async function setUp() {
	const { world, services, clock, manage } = await tickingWorld("2026-03-01T00:00:00Z");
	const served = async () => {
		const text = await world.text(KEY);
		if (text === undefined) throw new Error(`${KEY} is not on the site`);
		return { type: world.site.head(KEY)?.contentType, policy: await readPolicy(text) };
	};
	return { world, services, manage, clock, served };
}

describe("every agreement published as an ODRL policy (agreements/{id}.jsonld)", () => {
	it("grant, amend and revoke each publish the policy before returning; revoked, it states its end", async () => {
		const { manage, served, services } = await setUp();
		const granted = await manage.grantAgreement(
			{
				agreementId: AGREEMENT,
				partnerId: "science-news",
				holder: "The Science News Ltd.",
				languages: ["en"],
				from: "2026-01-01T00:00:00Z",
			},
			OPS,
		);
		expect(granted.change.action).toBe("grant");
		expect(await served()).toEqual({
			type: "application/ld+json",
			policy: {
				uid: `https://site.test/agreements/${AGREEMENT}.jsonld`,
				status: "active",
				endedAt: null,
				languages: ["en"],
				from: "2026-01-01T00:00:00Z",
				until: null,
				actions: [`${ODRL}display`, `${ODRL}distribute`, `${ODRL}translate`],
				images: false,
				imagesProhibited: true,
			},
		});

		const amended = await manage.grantAgreement(
			{
				agreementId: AGREEMENT,
				partnerId: "science-news",
				holder: "The Science News Ltd.",
				languages: ["en", "zh-hant"],
				scope: ["text", "images"],
				from: "2026-01-01T00:00:00Z",
				until: "2027-01-01T00:00:00Z",
			},
			OPS,
		);
		expect(amended.change.action).toBe("amend");
		expect((await served()).policy).toMatchObject({
			status: "active",
			endedAt: null,
			languages: ["en", "zh-Hant"],
			until: "2027-01-01T00:00:00Z",
			images: true,
			imagesProhibited: false,
		});

		const revoked = await manage.revokeAgreement(AGREEMENT, OPS);
		const revokedAt = revoked.change.at;
		expect((await served()).policy).toMatchObject({
			status: "revoked",
			endedAt: revokedAt,
			// The window closes when it was revoked, before the end it was granted with.
			until: revokedAt,
			languages: ["en", "zh-Hant"],
		});
		// Its end is the last revoke on record: a repeated revoke changes nothing.
		await manage.revokeAgreement(AGREEMENT, { ...OPS, reason: "again" });
		expect((await served()).policy).toMatchObject({ status: "revoked", endedAt: revokedAt });
		// And nothing is left to the schedule: the commands published it all.
		expect(await services.ledger.listDirty(10)).toEqual([]);
	});

	it("a repair (publish --all) keeps every agreement's policy, revoked ones included, and writes any missing", async () => {
		const { world, services, manage, clock } = await setUp();
		await manage.grantAgreement(
			{ agreementId: AGREEMENT, partnerId: "science-news", holder: "SN", languages: ["en"] },
			OPS,
		);
		await manage.revokeAgreement(AGREEMENT, OPS);
		const before = await world.text(KEY);
		await world.site.put("agreements/never-granted.jsonld", "{}");
		const repair = makeRepairSite({
			republishEverything: services.republishEverything,
			site: world.site,
			inventory: {
				async *list() {
					// Every object older than the repair: only what it writes again is kept.
					for (const key of world.site.keys()) yield { key, lastModified: "2000-01-01T00:00:00Z" };
				},
			},
			clock,
		});
		// The targets `publish --all` lists: home, OPML and every agreement's policy (no articles).
		const agreements = await services.agreements.listAgreements();
		const targets = [
			"home",
			"opml",
			...agreements.flatMap(({ agreementId }) => policyTargetIds(agreementId)),
		];
		expect(targets).toEqual([
			"home",
			"opml",
			// The agreement the world was seeded with, stored without a command: repair publishes it.
			"agreement|sn-jst-2023",
			`agreement|${AGREEMENT}`,
		]);
		const result = await repair(targets);
		expect(result.removed).toEqual(["agreements/never-granted.jsonld"]);
		expect(await world.text(KEY)).toBe(before);
		expect(JSON.parse((await world.text("agreements/sn-jst-2023.jsonld")) ?? "{}")).toMatchObject({
			status: "active",
		});
	});

	it("the policy's key is served at the path that names it, and odd ids get no target", () => {
		expect(sitePathsOf([agreementPolicyKey("sn.jst_2023-a")])).toEqual([
			"/agreements/sn.jst_2023-a.jsonld",
		]);
		expect(policyTargetIds("sn.jst_2023-a")).toEqual(["agreement|sn.jst_2023-a"]);
		for (const odd of ["", "a|b", "a/b", "..", ".hidden", "a b"]) {
			expect(policyTargetIds(odd)).toEqual([]);
		}
	});
});
