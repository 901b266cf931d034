import { describe, expect, it } from "vitest";
import { InMemoryAgreementStore } from "#shared/adapters/memory/in-memory-agreement-store.ts";
import type { AgreementStore } from "#shared/ports/agreements.ts";
import { makeBundle, makeManifest } from "../helpers/bundles.ts";
import { memoryWorld } from "../helpers/memory-services.ts";

describe("ingest and the partner register", () => {
	it("asks for a registered partner once per process, and for an unknown one every time", async () => {
		const world = await memoryWorld();
		const store = new InMemoryAgreementStore(world.tables);
		const asked: string[] = [];
		// The real store, its partner reads recorded.
		const agreements: AgreementStore = Object.assign(Object.create(store), {
			getPartner: (partnerId: string) => {
				asked.push(partnerId);
				return store.getPartner(partnerId);
			},
		});
		const { ingestUpload } = world.services({ ingest: { agreements } });
		const ingest = async (name: string) => {
			const event = await world.putUpload(
				`incoming/newcomer/${name}.zip`,
				makeBundle({ manifest: makeManifest({ id: name }) }),
			);
			const result = await ingestUpload(event);
			return result?.report.errors.map((error) => error.code) ?? [];
		};

		expect(await ingest("before-1")).toEqual(["UNKNOWN_PARTNER"]);
		expect(await ingest("before-2")).toEqual(["UNKNOWN_PARTNER"]);
		await store.putPartner({ partnerId: "newcomer", name: "Newcomer Press" });
		// Registered now, so no longer refused as unknown (its bundles name another's agreement).
		expect(await ingest("after-1")).not.toContain("UNKNOWN_PARTNER");
		expect(await ingest("after-2")).not.toContain("UNKNOWN_PARTNER");
		expect(asked).toEqual(["newcomer", "newcomer", "newcomer"]);
	});
});
