import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { InMemoryAgreementStore } from "#shared/adapters/memory/in-memory-agreement-store.ts";
import { InMemoryTables } from "#shared/adapters/memory/in-memory-tables.ts";
import { AgreementCommandError, type GrantInput } from "#shared/use-cases/agreement-input.ts";
import { makeManageAgreements } from "#shared/use-cases/manage-agreements.ts";

const NOW = new Date("2026-01-01T00:00:00Z");
const OPS = { by: "ops", reason: "contract signed" };

/** The use case on fresh tables, with a partner, and a `reevaluate` that records its calls. */
async function makeManage(options: { failReevaluate?: boolean } = {}) {
	// One adapter is both stores, as one DynamoDB table holds both.
	const store = new InMemoryAgreementStore(new InMemoryTables());
	const changes = store;
	const calls: { agreementId: string; by: string; reason: string; stored: unknown }[] = [];
	const manage = makeManageAgreements({
		agreements: store,
		changes,
		reevaluate: async (agreementId, by, reason) => {
			// What it re-evaluates against must be stored already.
			calls.push({ agreementId, by, reason, stored: await store.getAgreement(agreementId) });
			if (options.failReevaluate) throw new Error("table unreachable\nretry later");
			return { articles: 3 };
		},
		clock: () => NOW,
	});
	await manage.addPartner({ partnerId: "science-news", name: "The Science News Ltd." });
	return { manage, store, changes, calls };
}

/** The agreement {@link makeGrant} grants, as stored. */
function makeGrantedAgreement() {
	return {
		agreementId: "sn-jst-2023",
		partnerId: "science-news",
		holder: "The Science News Ltd.",
		translator: "",
		languages: ["en"],
		scope: ["text" as const],
		validFrom: NOW.toISOString(),
		validUntil: null,
		notice: "",
		status: "active" as const,
	};
}

function makeGrant(overrides: Partial<GrantInput> = {}): GrantInput {
	return {
		agreementId: "sn-jst-2023",
		partnerId: "science-news",
		holder: "The Science News Ltd.",
		languages: ["en"],
		...overrides,
	};
}

async function refusal(promise: Promise<unknown>): Promise<AgreementCommandError> {
	const error = await promise.then(
		() => undefined,
		(e: unknown) => e,
	);
	expect(error).toBeInstanceOf(AgreementCommandError);
	return error as AgreementCommandError;
}

describe("partners", () => {
	it("adds a partner, renames it, and lists partners by id", async () => {
		const { manage } = await makeManage();
		expect(await manage.addPartner({ partnerId: "alpha", name: " Alpha " })).toEqual({
			partner: { partnerId: "alpha", name: "Alpha" },
			action: "added",
		});
		expect(await manage.addPartner({ partnerId: "alpha", name: "Alpha Press" })).toMatchObject({
			action: "renamed",
			previous: { name: "Alpha" },
		});
		expect(await manage.addPartner({ partnerId: "alpha", name: "Alpha Press" })).toMatchObject({
			action: "unchanged",
		});
		expect(await manage.listPartners()).toEqual([
			{ partnerId: "alpha", name: "Alpha Press" },
			{ partnerId: "science-news", name: "The Science News Ltd." },
		]);
	});

	it("refuses a bad id or name, naming the field and the value", async () => {
		const { manage } = await makeManage();
		expect(
			await refusal(manage.addPartner({ partnerId: "Science News", name: "S" })),
		).toMatchObject({
			code: "INVALID_ID",
			field: "partnerId",
			message:
				'partner id must be 1 to 64 of a-z, 0-9 and -, starting with a letter or digit, not "Science News"',
		});
		expect(await refusal(manage.addPartner({ partnerId: "p", name: "  " }))).toMatchObject({
			code: "INVALID_TEXT",
			message: 'name must be 1 to 200 characters on one line, not "  "',
		});
		expect(await refusal(manage.addPartner({ partnerId: "p", name: "a\nb" }))).toMatchObject({
			code: "INVALID_TEXT",
		});
		expect((await manage.listPartners()).map((p) => p.partnerId)).toEqual(["science-news"]);
	});
});

describe("grantAgreement", () => {
	it("grants a new agreement with the safe defaults, stores it, then re-evaluates", async () => {
		const { manage, store, changes, calls } = await makeManage();
		const result = await manage.grantAgreement(
			makeGrant({ languages: ["EN", "zh-hant", "en"] }),
			OPS,
		);
		const agreement = {
			agreementId: "sn-jst-2023",
			partnerId: "science-news",
			holder: "The Science News Ltd.",
			translator: "",
			languages: ["en", "zh-Hant"],
			scope: ["text"],
			validFrom: "2026-01-01T00:00:00Z",
			validUntil: null,
			notice: "",
			status: "active",
		};
		const change = { at: NOW.toISOString(), action: "grant", ...OPS, agreement };
		expect(result).toEqual({ agreement, change, reevaluated: { articles: 3 } });
		expect(calls).toEqual([
			{ agreementId: "sn-jst-2023", ...OPS, stored: { ...agreement, revision: 1 } },
		]);
		expect(await store.listAgreementHistory("sn-jst-2023")).toEqual([change]);
		expect(await manage.listAgreements()).toEqual([agreement]);
		// Its articles decided, the change is settled: nothing is left for the schedule.
		expect(await changes.listUnsettledChanges(10)).toEqual([]);
	});

	it("amends an active agreement as stated in full: what is left out takes its default, but the start stays", async () => {
		const { manage } = await makeManage();
		await manage.grantAgreement(
			makeGrant({
				translator: "JST",
				scope: ["images", "text"],
				from: "2023-01-01T09:00:00+09:00",
				until: "2030-01-01T00:00:00.5Z",
				notice: "No reproduction.",
			}),
			OPS,
		);
		const first = await manage.showAgreement("sn-jst-2023");
		expect(first.agreement).toMatchObject({
			translator: "JST",
			scope: ["text", "images"],
			validFrom: "2023-01-01T00:00:00Z",
			validUntil: "2030-01-01T00:00:00.500Z",
			notice: "No reproduction.",
		});
		const amended = await manage.grantAgreement(makeGrant({ languages: ["en", "zh"] }), {
			by: "ops",
			reason: "zh added",
		});
		expect(amended.change.action).toBe("amend");
		expect(amended.previous).toEqual(first.agreement);
		expect(amended.agreement).toMatchObject({
			languages: ["en", "zh"],
			translator: "",
			scope: ["text"],
			// Re-running a grant to change one term does not move when the agreement began.
			validFrom: "2023-01-01T00:00:00Z",
			validUntil: null,
			notice: "",
		});
		const moved = await manage.grantAgreement(
			makeGrant({ languages: ["en", "zh"], from: "2024-01-01T00:00:00Z" }),
			{ by: "ops", reason: "start corrected" },
		);
		expect(moved.agreement.validFrom).toBe("2024-01-01T00:00:00Z");
	});

	it("grants a revoked agreement again, and keeps every change in the history", async () => {
		const { manage, calls } = await makeManage();
		await manage.grantAgreement(makeGrant(), OPS);
		const revoked = await manage.revokeAgreement("sn-jst-2023", { by: "ops", reason: "ended" });
		expect(revoked.agreement).toEqual({ ...revoked.previous, status: "revoked" });
		const again = await manage.grantAgreement(makeGrant(), { by: "ops", reason: "renewed" });
		expect(again.change.action).toBe("grant");
		// A new grant, not an amendment: it starts now unless it says otherwise.
		expect(again.agreement.validFrom).toBe("2026-01-01T00:00:00Z");
		const { agreement, history } = await manage.showAgreement("sn-jst-2023");
		expect(agreement.status).toBe("active");
		expect(history.map((c) => [c.action, c.reason, c.agreement.status])).toEqual([
			["grant", "contract signed", "active"],
			["revoke", "ended", "revoked"],
			["grant", "renewed", "active"],
		]);
		expect(calls.map((c) => c.reason)).toEqual(["contract signed", "ended", "renewed"]);
	});

	it("refuses an unknown partner, and moving an agreement to another partner", async () => {
		const { manage, calls } = await makeManage();
		expect(await refusal(manage.grantAgreement(makeGrant({ partnerId: "nobody" }), OPS))).toEqual(
			expect.objectContaining({
				code: "UNKNOWN_PARTNER",
				message: 'partner "nobody" does not exist',
			}),
		);
		await manage.grantAgreement(makeGrant(), OPS);
		await manage.addPartner({ partnerId: "other", name: "Other" });
		expect(
			await refusal(manage.grantAgreement(makeGrant({ partnerId: "other" }), OPS)),
		).toMatchObject({
			code: "PARTNER_MISMATCH",
			message:
				'agreement sn-jst-2023 belongs to partner science-news, not "other": grant a new agreement id instead',
		});
		expect(calls).toHaveLength(1);
	});

	it.each([
		[{ agreementId: "SN 2023" }, "INVALID_ID", "agreementId"],
		[{ holder: "" }, "INVALID_TEXT", "holder"],
		[{ translator: "x".repeat(201) }, "INVALID_TEXT", "translator"],
		[{ languages: [] }, "INVALID_LANGUAGE", "languages"],
		[{ languages: ["en", "en_US"] }, "INVALID_LANGUAGE", "languages"],
		[{ languages: [""] }, "INVALID_LANGUAGE", "languages"],
		[{ scope: ["images"] }, "INVALID_SCOPE", "scope"],
		[{ scope: ["text", "video"] }, "INVALID_SCOPE", "scope"],
		[{ scope: [] }, "INVALID_SCOPE", "scope"],
		[{ from: "yesterday" }, "INVALID_DATE", "from"],
		[{ from: "2024-01-01" }, "INVALID_DATE", "from"],
		[{ from: "2024-02-30T00:00:00Z" }, "INVALID_DATE", "from"],
		[{ until: "2024-01-01T24:00:00Z" }, "INVALID_DATE", "until"],
		[{ until: "2025-12-31T00:00:00Z" }, "INVALID_WINDOW", "until"],
		[{ from: "2024-01-01T00:00:00Z", until: "2024-01-01T00:00:00Z" }, "INVALID_WINDOW", "until"],
		[{ notice: "x".repeat(1001) }, "INVALID_TEXT", "notice"],
		// A partner config in JSON can say anything: only true or false is a choice.
		[{ fullTextInFeeds: "yes" }, "INVALID_FULL_TEXT", "fullTextInFeeds"],
	] as const)("refuses %o with %s, storing nothing", async (overrides, code, field) => {
		const { manage, calls } = await makeManage();
		const error = await refusal(
			manage.grantAgreement(makeGrant(overrides as Partial<GrantInput>), OPS),
		);
		expect(error).toMatchObject({ code, field });
		expect(error.message).not.toMatch(/\n/);
		expect(await manage.listAgreements()).toEqual([]);
		expect(calls).toEqual([]);
	});

	it("names the bad value and the rule in the message", async () => {
		const { manage } = await makeManage();
		const message = async (overrides: Partial<GrantInput>) =>
			(await refusal(manage.grantAgreement(makeGrant(overrides), OPS))).message;
		expect(await message({ languages: ["en_US"] })).toBe(
			'languages must be BCP 47 language tags such as en or zh-Hant, not "en_US"',
		);
		expect(await message({ scope: ["images"] })).toBe(
			'scope must be text or text,images, not "images"',
		);
		expect(await message({ from: "yesterday" })).toBe(
			'from must be an RFC 3339 date-time such as 2024-01-01T00:00:00Z, not "yesterday"',
		);
		expect(await message({ until: "2025-01-01T00:00:00Z" })).toBe(
			'until must be after from (2026-01-01T00:00:00Z, now), not "2025-01-01T00:00:00Z"',
		);
	});

	it.each([
		[{ by: "ops", reason: "" }, "reason"],
		[{ by: "ops", reason: " \t " }, "reason"],
		[{ by: "", reason: "why" }, "by"],
	])("requires who and why (%o)", async (context, field) => {
		const { manage, calls } = await makeManage();
		expect(await refusal(manage.grantAgreement(makeGrant(), context))).toMatchObject({
			code: "INVALID_TEXT",
			field,
		});
		await manage.grantAgreement(makeGrant(), OPS);
		expect(await refusal(manage.revokeAgreement("sn-jst-2023", context))).toMatchObject({
			code: "INVALID_TEXT",
			field,
		});
		expect(calls).toHaveLength(1);
	});

	it("refuses every malformed input with a one-line AgreementCommandError, whatever it is", async () => {
		const { manage } = await makeManage();
		await fc.assert(
			fc.asyncProperty(
				fc.record({
					agreementId: fc.oneof(fc.constant("a"), fc.string()),
					holder: fc.string(),
					languages: fc.array(fc.string(), { maxLength: 3 }),
					scope: fc.array(fc.constantFrom("text", "images", "video", ""), { maxLength: 3 }),
					from: fc.oneof(
						fc.string(),
						fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
					),
					until: fc.string(),
				}),
				async (input) => {
					const error = await manage.grantAgreement(makeGrant(input), OPS).then(
						() => undefined,
						(e: unknown) => e,
					);
					if (error === undefined) return;
					expect(error).toBeInstanceOf(AgreementCommandError);
					expect((error as Error).message).not.toMatch(/[\n\r]/);
				},
			),
			{ numRuns: 200 },
		);
	});

	it("takes exactly the agreement ids of the documented shape", async () => {
		const { manage } = await makeManage();
		const documented = (id: string) =>
			id.length >= 1 && id.length <= 128 && /^[a-z0-9]/.test(id) && !/[^a-z0-9._-]/.test(id);
		await fc.assert(
			fc.asyncProperty(
				fc.oneof(fc.string({ maxLength: 140 }), fc.stringMatching(/^[a-z0-9._-]{1,130}$/)),
				async (agreementId) => {
					const error = await manage.grantAgreement(makeGrant({ agreementId }), OPS).then(
						() => undefined,
						(e: unknown) => e,
					);
					if (documented(agreementId)) expect(error).toBeUndefined();
					else expect(error).toMatchObject({ code: "INVALID_ID", field: "agreementId" });
				},
			),
			{ numRuns: 100 },
		);
	});
});

describe("revokeAgreement and showAgreement", () => {
	it("refuses an unknown agreement; a repeated revoke stores nothing and decides again", async () => {
		const { manage, calls } = await makeManage();
		expect(await refusal(manage.revokeAgreement("nope", OPS))).toMatchObject({
			code: "UNKNOWN_AGREEMENT",
			message: 'agreement "nope" does not exist',
		});
		expect(await refusal(manage.showAgreement("nope"))).toMatchObject({
			code: "UNKNOWN_AGREEMENT",
		});
		await manage.grantAgreement(makeGrant(), OPS);
		const revoked = await manage.revokeAgreement("sn-jst-2023", OPS);
		const again = await manage.revokeAgreement("sn-jst-2023", { by: "ops", reason: "again" });
		expect(again).toMatchObject({ repeated: true, change: revoked.change });
		expect(calls.map((call) => call.reason)).toEqual([
			"contract signed",
			"contract signed",
			"again",
		]);
		expect((await manage.showAgreement("sn-jst-2023")).history).toHaveLength(2);
	});

	it("a repeated revoke finishes a revoke whose command died before deciding its articles", async () => {
		const { manage, store, changes, calls } = await makeManage();
		await manage.grantAgreement(makeGrant(), OPS);
		// What a revoke that died right after storing the agreement leaves.
		await store.putAgreement(
			{ ...makeGrantedAgreement(), status: "revoked" },
			{ at: NOW, action: "revoke", by: "ops", reason: "died" },
			{ owner: "dead", until: NOW.getTime() + 30_000 },
		);
		expect(await changes.listUnsettledChanges(10)).toMatchObject([
			{ agreementId: "sn-jst-2023", action: "revoke", revision: 2, lease: { owner: "dead" } },
		]);
		await manage.revokeAgreement("sn-jst-2023", { by: "ops", reason: "again" });
		expect(calls.at(-1)).toMatchObject({ reason: "again", stored: { status: "revoked" } });
		expect(await changes.listUnsettledChanges(10)).toEqual([]);
	});

	it("keeps the change when re-evaluating fails, and says so on one line", async () => {
		const { manage, store, changes } = await makeManage({ failReevaluate: true });
		const error = await refusal(manage.grantAgreement(makeGrant(), OPS));
		expect(error).toMatchObject({
			code: "REEVALUATION_FAILED",
			message:
				"agreement sn-jst-2023 was granted, but re-evaluating its articles failed: table unreachable retry later (the schedule finishes it; status shows it until then)",
		});
		expect(error.cause).toBeInstanceOf(Error);
		expect((await store.getAgreement("sn-jst-2023"))?.status).toBe("active");
		// Left for the schedule, in the same write as the agreement.
		expect(await changes.listUnsettledChanges(10)).toMatchObject([
			{ agreementId: "sn-jst-2023", action: "grant", revision: 1, by: "ops" },
		]);
	});
});
