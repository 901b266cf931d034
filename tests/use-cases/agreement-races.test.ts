import { describe, expect, it } from "vitest";
import { InMemoryAgreementStore } from "#shared/adapters/memory/in-memory-agreement-store.ts";
import {
	InMemoryArticleStore,
	InMemoryFeedStore,
} from "#shared/adapters/memory/in-memory-article-store.ts";
import { InMemoryObjectStore } from "#shared/adapters/memory/in-memory-object-store.ts";
import { InMemoryPublishLedger } from "#shared/adapters/memory/in-memory-publish-ledger.ts";
import { InMemorySiteDigests } from "#shared/adapters/memory/in-memory-site-digests.ts";
import { InMemoryTables } from "#shared/adapters/memory/in-memory-tables.ts";
import { InMemoryUploadStore } from "#shared/adapters/memory/in-memory-upload-store.ts";
import type { AgreementStore } from "#shared/ports/agreements.ts";
import type { ArticleStore } from "#shared/ports/articles.ts";
import { makeManageAgreements } from "#shared/use-cases/manage-agreements.ts";
import { makeBundle, makeManifest } from "../helpers/bundles.ts";
import { composeProcess } from "../helpers/compose-process.ts";
import { publicKeys } from "../helpers/site.ts";

/**
 * Agreement commands that overlap, one held at a chosen call while the other runs to the
 * end, as two operators (or a retry and the schedule) would make them: the table and the
 * site must end as the agreement last stored implies.
 */

const SITE = "https://site.test";
const NOW = new Date("2026-06-01T00:00:00Z");
const clock = () => NOW;
const OPS = { by: "ops", reason: "test" };
const ARTICLES = ["a1", "a2", "a3"];
const GRANT = {
	agreementId: "sn-jst-2023",
	partnerId: "science-news",
	holder: "The Science News Ltd.",
	translator: "JST",
	languages: ["en"],
	scope: ["text", "images"],
	from: "2026-01-01T00:00:00Z",
};

/** One process's wiring on the shared tables and buckets; a store of it may be wrapped. */
function wireProcess(
	world: { tables: InMemoryTables; uploads: InMemoryObjectStore; site: InMemoryObjectStore },
	owner: string,
	wrap: { agreements?: Wrap<AgreementStore>; articles?: Wrap<ArticleStore> } = {},
) {
	const { tables } = world;
	const agreements = (wrap.agreements ?? ((store) => store))(new InMemoryAgreementStore(tables));
	const articles = (wrap.articles ?? ((store) => store))(new InMemoryArticleStore(tables));
	const wired = composeProcess(
		{
			uploads: world.uploads,
			site: world.site,
			articles,
			feeds: new InMemoryFeedStore(tables),
			uploadRecords: new InMemoryUploadStore(tables),
			agreements,
			agreementChanges: new InMemoryAgreementStore(tables),
			ledger: new InMemoryPublishLedger(tables),
			digests: new InMemorySiteDigests(tables),
		},
		{ siteUrl: SITE, owner, clock },
	);
	const manage = makeManageAgreements({
		agreements,
		changes: wired.agreementChanges,
		reevaluate: wired.reevaluateAgreement,
		clock,
		owner,
	});
	return { ...wired, manage };
}

/** Three published articles under the agreement. */
async function makeWorld() {
	const world = {
		tables: new InMemoryTables(),
		uploads: new InMemoryObjectStore(),
		site: new InMemoryObjectStore(),
	};
	const setup = wireProcess(world, "setup");
	await setup.manage.addPartner({ partnerId: "science-news", name: "The Science News Ltd." });
	await setup.manage.grantAgreement(GRANT, OPS);
	for (const [index, id] of ARTICLES.entries()) {
		const bytes = makeBundle({ manifest: makeManifest({ id }) });
		const key = `incoming/science-news/${id}.zip`;
		await world.uploads.put(key, bytes);
		await setup.ingestUpload({
			key,
			size: bytes.byteLength,
			eTag: `e${index}`,
			sequencer: `0${index}`,
			eventTime: NOW.toISOString(),
		});
	}
	return world;
}

type Wrap<T> = (store: T) => T;

/**
 * Wraps a store so that its `nth` call of `method` (1-based) is made, then waits for
 * `release` before its caller goes on: the moment another command runs. With `before`, it
 * waits before the call is made.
 */
function holding<T extends object>(method: keyof T & string, nth: number, before = false) {
	let reached: () => void = () => undefined;
	let release: () => void = () => undefined;
	const atCall = new Promise<void>((resolve) => {
		reached = resolve;
	});
	const released = new Promise<void>((resolve) => {
		release = resolve;
	});
	let calls = 0;
	const wrap: Wrap<T> = (store) =>
		new Proxy(store, {
			get(target, property, receiver) {
				const value: unknown = Reflect.get(target, property, receiver);
				if (property !== method || typeof value !== "function") return value;
				return async (...args: unknown[]) => {
					calls += 1;
					const held = calls === nth;
					if (held && before) {
						reached();
						await released;
					}
					const result: unknown = await value.apply(target, args);
					if (held && !before) {
						reached();
						await released;
					}
					return result;
				};
			},
		});
	return { wrap, atCall, release };
}

function statuses(world: { tables: InMemoryTables }): string[] {
	return [...world.tables.articles.values()].map((article) => article.status);
}

/** The article pages and ninjs documents served as public (not what a takedown left). */
async function pages(world: { site: InMemoryObjectStore }): Promise<string[]> {
	return (await publicKeys(world.site)).filter((key) => key.startsWith("en/articles/"));
}

describe("agreement commands that overlap", () => {
	it("a grant whose decisions a revoke overtook decides again: nothing stays published", async () => {
		const world = await makeWorld();
		// The articles revoked first, so the grant has something to decide.
		await wireProcess(world, "first").manage.revokeAgreement(GRANT.agreementId, OPS);
		expect(statuses(world)).toEqual([
			"pending-permission",
			"pending-permission",
			"pending-permission",
		]);
		// The grant reads the agreement twice: for the command, then to decide its articles.
		const hold = holding<AgreementStore>("getAgreement", 2);
		const granting = wireProcess(world, "grant", { agreements: hold.wrap }).manage.grantAgreement(
			GRANT,
			OPS,
		);
		await hold.atCall;
		// Meanwhile a revoke runs to the end: it finds the articles still pending, changes none.
		await wireProcess(world, "revoke").manage.revokeAgreement(GRANT.agreementId, OPS);
		hold.release();
		await granting;
		expect(world.tables.agreements.get(GRANT.agreementId)?.status).toBe("revoked");
		expect(statuses(world)).toEqual([
			"pending-permission",
			"pending-permission",
			"pending-permission",
		]);
		expect(await pages(world)).toEqual([]);
		expect(world.tables.unsettledChanges.size).toBe(0);
	});

	it("a revoke overtaken by a grant leaves every page, photo and feed item up", async () => {
		const world = await makeWorld();
		const before = await pages(world);
		expect(before).toHaveLength(6); // Three pages and their ninjs documents.
		// Held once it read the agreement to decide its articles, before it takes them down.
		const hold = holding<AgreementStore>("getAgreement", 2);
		const revoking = wireProcess(world, "revoke", { agreements: hold.wrap }).manage.revokeAgreement(
			GRANT.agreementId,
			OPS,
		);
		await hold.atCall;
		await wireProcess(world, "grant").manage.grantAgreement(GRANT, OPS);
		hold.release();
		await revoking;
		expect(world.tables.agreements.get(GRANT.agreementId)?.status).toBe("active");
		expect(statuses(world)).toEqual(["published", "published", "published"]);
		expect(await pages(world)).toEqual(before);
		expect(world.site.keys().filter((key) => key.startsWith("media/"))).toHaveLength(3);
		const latest = new TextDecoder().decode(
			((await world.site.get("feeds/en/latest.json")) as { bytes: Uint8Array }).bytes,
		);
		for (const id of ARTICLES)
			expect(latest).toContain(`urn:syndicate:article:science-news:${id}:en`);
		expect([...world.tables.targets.values()].filter((row) => row.dirty)).toEqual([]);
	});

	it("a revoke whose early takedown a grant overtook puts back every page it took down", async () => {
		const world = await makeWorld();
		const before = await pages(world);
		// Held after its takedown is out (pages and photos deleted), before its decisions commit.
		const hold = holding<ArticleStore>("commitArticleChanges", 1, true);
		const revoking = wireProcess(world, "revoke", { articles: hold.wrap }).manage.revokeAgreement(
			GRANT.agreementId,
			OPS,
		);
		await hold.atCall;
		expect(await pages(world)).toEqual([]);
		await wireProcess(world, "grant").manage.grantAgreement(GRANT, OPS);
		hold.release();
		await revoking;
		expect(world.tables.agreements.get(GRANT.agreementId)?.status).toBe("active");
		expect(statuses(world)).toEqual(["published", "published", "published"]);
		expect(await pages(world)).toEqual(before);
		expect(world.site.keys().filter((key) => key.startsWith("media/"))).toHaveLength(3);
		// The next publish of every target writes nothing: the digests agree with the bucket.
		for (const key of before) expect(world.tables.siteDigests.get(key)).toEqual(expect.any(String));
	});
});
