import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type Agreement, formatAttribution } from "#shared/domain/agreement.ts";
import { renderOdrlPolicy } from "#shared/domain/render/render-odrl.ts";
import { expandOffline, ids, type Node, nodes, ODRL, value } from "../helpers/jsonld.ts";

const SITE = "https://news.example.org";

/**
 * The rights an expanded policy grants, read from ODRL's own IRIs (not from our JSON keys):
 * what a re-publisher's RDF tooling sees.
 */
function rightsOf(expanded: Node[]) {
	const policy = expanded.find((node) =>
		(node["@type"] as string[] | undefined)?.includes(`${ODRL}Agreement`),
	);
	if (!policy) throw new Error("no odrl:Agreement");
	const permissions = nodes(policy, `${ODRL}permission`);
	const prohibitions = nodes(policy, `${ODRL}prohibition`);
	const first = permissions[0] as Node;
	const constraints = nodes(first, `${ODRL}constraint`);
	const operand = (left: string, operator: string) =>
		constraints.filter(
			(c) =>
				ids(c, `${ODRL}leftOperand`)[0] === `${ODRL}${left}` &&
				ids(c, `${ODRL}operator`)[0] === `${ODRL}${operator}`,
		);
	const imagesTarget = (rule: Node) => ids(rule, `${ODRL}target`)[0]?.endsWith(":images");
	return {
		languages: operand("language", "isAnyOf")
			.flatMap((c) => nodes(c, `${ODRL}rightOperand`).map((n) => String(n["@value"])))
			.sort(),
		validFrom: value(operand("dateTime", "gteq")[0] ?? {}, `${ODRL}rightOperand`),
		validUntil: value(operand("dateTime", "lt")[0] ?? {}, `${ODRL}rightOperand`) ?? null,
		actions: ids(first, `${ODRL}action`).sort(),
		images: permissions.some(imagesTarget),
		imagesProhibited: prohibitions.some(imagesTarget),
		attribution: value(
			nodes(first, `${ODRL}duty`)[0] ?? {},
			"http://purl.org/dc/terms/description",
		),
		status: value(policy, "urn:syndicate:vocab:status"),
	};
}

const instant = fc
	.date({ min: new Date("2000-01-01"), max: new Date("2040-01-01"), noInvalidDate: true })
	.map((d) => d.toISOString());
const name = fc.string({ minLength: 1, maxLength: 30, unit: "grapheme" });
const agreementArb: fc.Arbitrary<Agreement> = fc.record({
	agreementId: fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,30}$/),
	partnerId: fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,20}$/),
	holder: name,
	translator: name,
	languages: fc.uniqueArray(fc.constantFrom("en", "zh", "zh-Hant", "ja", "de", "*"), {
		minLength: 1,
	}),
	scope: fc.constantFrom<Agreement["scope"]>(["text"], ["text", "images"]),
	validFrom: instant,
	validUntil: fc.option(instant, { nil: null }),
	notice: name,
	status: fc.constantFrom("active", "revoked" as const),
});

describe("agreements as ODRL 2.2 policies", () => {
	it("round-trip: the expanded policy grants exactly the agreement's rights", async () => {
		await fc.assert(
			fc.asyncProperty(agreementArb, async (agreement) => {
				const policy = renderOdrlPolicy({ agreement, siteUrl: SITE });
				const rights = rightsOf(await expandOffline(policy));
				const images = agreement.scope.includes("images");
				expect(rights).toEqual({
					languages: [...agreement.languages].sort(),
					validFrom: agreement.validFrom,
					validUntil: agreement.validUntil,
					actions: [`${ODRL}display`, `${ODRL}distribute`, `${ODRL}translate`],
					images,
					imagesProhibited: !images,
					attribution: formatAttribution(agreement),
					status: agreement.status,
				});
			}),
			{ numRuns: 100 },
		);
	});

	it("states when a revoked agreement ended", async () => {
		const agreement: Agreement = {
			agreementId: "sn-2026",
			partnerId: "science-news",
			holder: "The Science News Ltd.",
			translator: "JST",
			languages: ["en", "zh"],
			scope: ["text", "images"],
			validFrom: "2026-01-01T00:00:00.000Z",
			validUntil: "2027-01-01T00:00:00.000Z",
			notice: "Unauthorized reproduction of the article and photographs is prohibited.",
			status: "revoked",
		};
		const policy = renderOdrlPolicy({
			agreement,
			siteUrl: SITE,
			revokedAt: "2026-06-01T12:00:00.000Z",
		});
		const [expanded] = await expandOffline(policy);
		expect(value(expanded as Node, "urn:syndicate:vocab:endedAt")).toBe("2026-06-01T12:00:00.000Z");
		expect(rightsOf([expanded as Node]).validUntil).toBe("2026-06-01T12:00:00.000Z");
		expect(policy.uid).toBe(`${SITE}/agreements/sn-2026.jsonld`);
	});
});
