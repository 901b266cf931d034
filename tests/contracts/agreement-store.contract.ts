import { describe, expect, it } from "vitest";
import type { Agreement, AgreementAction } from "#shared/domain/agreement.ts";
import type { AgreementChangeStore, AgreementStore } from "#shared/ports/agreements.ts";
import { at, NOW } from "./fixtures.ts";

/** Makes a fresh, empty store: every test gets its own. */
export type MakeAgreementStore = () => Promise<AgreementStore>;

function makeAgreement(overrides: Partial<Agreement> = {}): Agreement {
	return {
		agreementId: "ag",
		partnerId: "p",
		holder: "H",
		translator: "",
		languages: ["en"],
		scope: ["text"],
		validFrom: "2024-01-01T00:00:00Z",
		validUntil: null,
		notice: "",
		status: "active",
		...overrides,
	};
}

function makeChange(
	overrides: Partial<{ at: Date; action: AgreementAction; by: string; reason: string }> = {},
) {
	return {
		at: NOW,
		action: "grant" as AgreementAction,
		by: "test",
		reason: "signed",
		...overrides,
	};
}

/** What every {@link AgreementStore} does, whatever its backend. */
export function describeAgreementStoreContract(name: string, makeStore: MakeAgreementStore): void {
	describe(`AgreementStore contract: ${name}`, () => {
		it("adds, renames and lists partners by id", async () => {
			const store = await makeStore();
			expect(await store.listPartners()).toEqual([]);
			for (const id of ["p3", "p1", "p5", "p2", "p4"]) {
				await store.putPartner({ partnerId: id, name: id.toUpperCase() });
			}
			await store.putPartner({ partnerId: "p2", name: "Renamed" });
			expect(await store.getPartner("p2")).toEqual({ partnerId: "p2", name: "Renamed" });
			expect(await store.getPartner("q")).toBeUndefined();
			expect(await store.listPartners()).toEqual([
				{ partnerId: "p1", name: "P1" },
				{ partnerId: "p2", name: "Renamed" },
				{ partnerId: "p3", name: "P3" },
				{ partnerId: "p4", name: "P4" },
				{ partnerId: "p5", name: "P5" },
			]);
		});

		it("lists agreements by id, whatever their status, as last written", async () => {
			const store = await makeStore();
			expect(await store.listAgreements()).toEqual([]);
			for (const id of ["c", "a", "e", "b", "d"]) {
				await store.putAgreement(makeAgreement({ agreementId: id }), makeChange());
			}
			const revoked = makeAgreement({ agreementId: "b", status: "revoked" });
			await store.putAgreement(revoked, makeChange({ action: "revoke" }));
			const listed = await store.listAgreements();
			expect(listed.map((a) => `${a.agreementId}:${a.status}`)).toEqual([
				"a:active",
				"b:revoked",
				"c:active",
				"d:active",
				"e:active",
			]);
			expect(await store.getAgreement("b")).toEqual({ ...revoked, revision: 2 });
			expect(await store.getAgreement("z")).toBeUndefined();
		});

		it("keeps whether feeds may carry the whole text, and its absence", async () => {
			const store = await makeStore();
			const fullText = makeAgreement({ agreementId: "full", fullTextInFeeds: true });
			await store.putAgreement(fullText, makeChange());
			await store.putAgreement(makeAgreement({ agreementId: "teaser" }), makeChange());
			expect(await store.getAgreement("full")).toEqual({ ...fullText, revision: 1 });
			expect(await store.getAgreement("teaser")).not.toHaveProperty("fullTextInFeeds");
			const [entry] = await store.listAgreementHistory("full");
			expect(entry?.agreement).toEqual(fullText);
		});

		it("appends every change to the history, oldest first, even within one millisecond", async () => {
			const store = await makeStore();
			const granted = makeAgreement();
			const amended = makeAgreement({ languages: ["en", "zh"] });
			const revoked = { ...amended, status: "revoked" as const };
			await store.putAgreement(granted, makeChange({ reason: "signed" }));
			await store.putAgreement(amended, makeChange({ action: "amend", reason: "zh added" }));
			await store.putAgreement(
				revoked,
				makeChange({ action: "revoke", by: "ops", reason: "ended" }),
			);
			const iso = NOW.toISOString();
			expect(await store.listAgreementHistory("ag")).toEqual([
				{ at: iso, action: "grant", by: "test", reason: "signed", agreement: granted },
				{ at: iso, action: "amend", by: "test", reason: "zh added", agreement: amended },
				{ at: iso, action: "revoke", by: "ops", reason: "ended", agreement: revoked },
			]);
			expect(await store.getAgreement("ag")).toEqual({ ...revoked, revision: 3 });
			expect(await store.listAgreementHistory("other")).toEqual([]);
		});

		it("keeps the history in the order written, though a writer's clock runs behind", async () => {
			const store = await makeStore();
			const amended = makeAgreement({ notice: "amended" });
			await store.putAgreement(makeAgreement(), makeChange({ at: at(60_000) }));
			await store.putAgreement(amended, makeChange({ action: "amend", at: NOW }));
			const history = await store.listAgreementHistory("ag");
			expect(history.map((c) => [c.action, c.at])).toEqual([
				["grant", at(60_000).toISOString()],
				["amend", NOW.toISOString()],
			]);
			expect({ ...history.at(-1)?.agreement, revision: 2 }).toEqual(await store.getAgreement("ag"));
		});

		it("serialises concurrent writers: every change kept, the newest one the agreement", async () => {
			const store = await makeStore();
			const holders = ["H1", "H2", "H3", "H4"];
			await Promise.all(
				holders.map((holder) =>
					store.putAgreement(makeAgreement({ holder }), makeChange({ reason: holder })),
				),
			);
			const history = await store.listAgreementHistory("ag");
			expect(history.map((c) => c.reason).sort()).toEqual(holders);
			expect(history.map((c) => c.agreement.holder)).toEqual(history.map((c) => c.reason));
			expect(await store.getAgreement("ag")).toEqual({ ...history.at(-1)?.agreement, revision: 4 });
		});

		it("keeps what it stored apart from the objects it was given and returned", async () => {
			const store = await makeStore();
			const agreement = makeAgreement();
			await store.putAgreement(agreement, makeChange());
			agreement.languages.push("fr");
			const read = await store.getAgreement("ag");
			read?.scope.push("images");
			const [entry] = await store.listAgreementHistory("ag");
			entry?.agreement.languages.push("de");
			expect(await store.getAgreement("ag")).toEqual({ ...makeAgreement(), revision: 1 });
			expect((await store.listAgreementHistory("ag"))[0]?.agreement).toEqual(makeAgreement());
		});
	});
}

/** An agreement store and the change store on the same table: `putAgreement` feeds the other. */
export type MakeAgreementChangeStores = () => Promise<{
	agreements: AgreementStore;
	changes: AgreementChangeStore;
}>;

/** What every {@link AgreementChangeStore} does, with the agreement store that writes it. */
export function describeAgreementChangeStoreContract(
	name: string,
	makeStores: MakeAgreementChangeStores,
): void {
	describe(`AgreementChangeStore contract: ${name}`, () => {
		it("records each change as unsettled in the same write, the newest replacing older ones", async () => {
			const { agreements: store, changes } = await makeStores();
			expect(await changes.listUnsettledChanges(10)).toEqual([]);
			expect(await store.putAgreement(makeAgreement(), makeChange())).toBe(1);
			const lease = { owner: "cli", until: at(30_000).getTime() };
			const revision = await store.putAgreement(
				makeAgreement({ status: "revoked" }),
				makeChange({ action: "revoke", by: "ops", reason: "ended", at: at(1) }),
				lease,
			);
			expect(revision).toBe(2);
			await store.putAgreement(makeAgreement({ agreementId: "other" }), makeChange());
			expect(await changes.listUnsettledChanges(10)).toEqual([
				{
					agreementId: "ag",
					revision: 2,
					at: at(1).toISOString(),
					action: "revoke",
					by: "ops",
					reason: "ended",
					lease,
				},
				{
					agreementId: "other",
					revision: 1,
					at: NOW.toISOString(),
					action: "grant",
					by: "test",
					reason: "signed",
				},
			]);
			expect(await changes.listUnsettledChanges(1)).toHaveLength(1);
			// The agreement and its history carry nothing of it.
			expect(await store.getAgreement("ag")).toEqual({
				...makeAgreement({ status: "revoked" }),
				revision: 2,
			});
		});

		it("leases an unsettled change to one owner at a time until its lease runs out", async () => {
			const { agreements: store, changes } = await makeStores();
			await store.putAgreement(makeAgreement(), makeChange(), {
				owner: "cli",
				until: at(30_000).getTime(),
			});
			expect(
				await changes.leaseUnsettledChange("ag", "schedule", at(29_999), 60_000),
			).toBeUndefined();
			// Its holder renews it.
			expect(await changes.leaseUnsettledChange("ag", "cli", at(10_000), 30_000)).toMatchObject({
				lease: { owner: "cli", until: at(40_000).getTime() },
			});
			expect(
				await changes.leaseUnsettledChange("ag", "schedule", at(39_999), 60_000),
			).toBeUndefined();
			expect(
				await changes.leaseUnsettledChange("ag", "schedule", at(40_001), 60_000),
			).toMatchObject({
				agreementId: "ag",
				revision: 1,
				lease: { owner: "schedule" },
			});
			expect(await changes.leaseUnsettledChange("none", "schedule", NOW, 60_000)).toBeUndefined();
		});

		it("settles a change only while it is the newest", async () => {
			const { agreements: store, changes } = await makeStores();
			await store.putAgreement(makeAgreement(), makeChange());
			await store.putAgreement(
				makeAgreement({ status: "revoked" }),
				makeChange({ action: "revoke" }),
			);
			// The grant's run ended after the revoke was stored: the revoke stays unsettled.
			expect(await changes.settleChange("ag", 1)).toBe(false);
			expect((await changes.listUnsettledChanges(10)).map((c) => c.revision)).toEqual([2]);
			expect(await changes.settleChange("ag", 2)).toBe(true);
			expect(await changes.listUnsettledChanges(10)).toEqual([]);
			expect(await changes.settleChange("ag", 2)).toBe(false);
		});
	});
}
