import { describe, expect, it } from "vitest";
import type { ArticleStore, PendingChange } from "#shared/ports/articles.ts";
import type { PublishLedger } from "#shared/ports/publishing.ts";
import { at, makeUpload, NOW } from "./fixtures.ts";

/** Pending changes are written by article commits, so the contract needs both stores. */
export type MakeLedgerStores = () => Promise<{ articles: ArticleStore; ledger: PublishLedger }>;

const T = "feed|en|latest";

/** What every {@link PublishLedger} does, whatever its backend. */
export function describePublishLedgerContract(name: string, makeStores: MakeLedgerStores): void {
	describe(`PublishLedger contract: ${name}`, () => {
		it("lets one publisher hold a target, and tells it when a newer revision came in", async () => {
			const { ledger } = await makeStores();
			await ledger.request(T);
			expect(await ledger.claim(T, "a", NOW, 60_000)).toBe(1);
			expect(await ledger.claim(T, "b", NOW, 60_000)).toBeNull();
			await ledger.request(T);
			await ledger.request(T);
			expect(await ledger.release(T, "a", 1)).toEqual({ state: "stale", rev: 3 });
			// Still held by the publisher that must render again.
			expect(await ledger.claim(T, "b", NOW, 60_000)).toBeNull();
			expect(await ledger.listDirty(10)).toEqual([T]);
			expect(await ledger.release(T, "a", 3)).toEqual({ state: "released" });
			expect(await ledger.listDirty(10)).toEqual([]);
			expect(await ledger.claim(T, "b", NOW, 60_000)).toBe(3);
		});

		it("requests and claims in one, and only bumps a target another holds", async () => {
			const { ledger } = await makeStores();
			const free = (rev: number) => ({ rev, interrupted: false });
			expect(await ledger.requestAndClaim(T, "a", NOW, 60_000)).toEqual(free(1));
			expect(await ledger.requestAndClaim(T, "b", NOW, 60_000)).toBeNull();
			expect(await ledger.release(T, "a", 1)).toEqual({ state: "stale", rev: 2 });
			expect(await ledger.release(T, "a", 2)).toEqual({ state: "released" });
			expect(await ledger.requestAndClaim(T, "b", NOW, 60_000)).toEqual(free(3));
			// An expired lease is taken over, with the bump, and its claimer told: "b" never
			// released it, so what "b" wrote may not be recorded.
			const later = new Date(NOW.getTime() + 120_000);
			expect(await ledger.requestAndClaim(T, "c", later, 60_000)).toEqual({
				rev: 4,
				interrupted: true,
			});
			expect(await ledger.release(T, "b", 3)).toEqual({ state: "lost" });
			expect(await ledger.release(T, "c", 4)).toEqual({ state: "released" });
			expect(await ledger.listDirty(10)).toEqual([]);
		});

		it("requests, claims and releases many targets as one at a time would", async () => {
			const { ledger } = await makeStores();
			const ids = Array.from({ length: 130 }, (_, i) => `page|en|p|a${i}`);
			const [held, ...rest] = ids;
			await ledger.requestMany(ids);
			await ledger.requestMany([held ?? ""]);
			// Another publisher holds one of them: the batch claims all the others.
			expect(await ledger.claim(held ?? "", "b", NOW, 60_000)).toBe(2);
			const claimed = await ledger.claimMany(ids, "a", NOW, 60_000);
			expect([...claimed.keys()].sort()).toEqual([...rest].sort());
			expect(new Set([...claimed.values()].map((claim) => JSON.stringify(claim)))).toEqual(
				new Set([JSON.stringify({ rev: 1, interrupted: false })]),
			);
			const claims = new Map([...claimed].map(([id, { rev }]) => [id, rev]));
			// One changed again while "a" rendered: that one is stale, the others released.
			await ledger.request(rest[7] ?? "");
			const results = await ledger.releaseMany(claims, "a");
			expect(results.get(rest[7] ?? "")).toEqual({ state: "stale", rev: 2 });
			expect(
				[...results]
					.filter(([, result]) => result.state === "released")
					.map(([id]) => id)
					.sort(),
			).toEqual(rest.filter((id) => id !== rest[7]).sort());
			expect((await ledger.listDirty(200)).sort()).toEqual([held, rest[7]].sort());
		});

		it("requests and claims many in one, as requestAndClaim one at a time would", async () => {
			const { ledger } = await makeStores();
			const ids = ["page|en|p|a", "page|en|p|b", "page|en|p|c", "feed|en|latest"];
			const [dead, held, free, fresh] = ids as [string, string, string, string];
			await ledger.requestMany([dead, held, free]);
			await ledger.claimMany([dead], "dead", NOW, 60_000);
			const later = new Date(NOW.getTime() + 120_000);
			await ledger.claimMany([held], "alive", later, 60_000);
			const claimed = await ledger.requestAndClaimMany(ids, "next", later, 60_000);
			// Every one bumped; the one another holds left to it, the run-out lease taken over.
			expect(Object.fromEntries(claimed)).toEqual({
				[dead]: { rev: 2, interrupted: true },
				[free]: { rev: 2, interrupted: false },
				[fresh]: { rev: 1, interrupted: false },
			});
			expect(await ledger.release(held, "alive", 1)).toEqual({ state: "stale", rev: 2 });
			const results = await ledger.releaseMany(
				new Map([...claimed].map(([id, { rev }]) => [id, rev])),
				"next",
			);
			expect([...results.values()]).toEqual(Array(3).fill({ state: "released" }));
			expect(await ledger.requestAndClaimMany([fresh], "other", later, 60_000)).toEqual(
				new Map([[fresh, { rev: 2, interrupted: false }]]),
			);
		});

		it("forgets the pending changes a claim of many carries once every target is bumped", async () => {
			const { articles, ledger } = await makeStores();
			const targets = ["page|en|p|a", "feed|en|latest", "home"];
			const [page, feed] = targets as [string, string, string];
			for (const [i, changeId] of ["c1", "c2"].entries()) {
				await articles.commitArticleChange({
					upload: makeUpload(`u${i}`),
					pending: { changeId, targets },
				});
			}
			// One held by another publisher: bumped all the same, and the changes forgotten.
			await ledger.requestAndClaim(feed, "other", NOW, 60_000);
			const claimed = await ledger.requestAndClaimMany(targets, "a", NOW, 60_000, ["c1", "c2"]);
			expect([...claimed.keys()].sort()).toEqual(["home", page]);
			expect(await ledger.listPending(10)).toEqual([]);
			expect(await ledger.release(feed, "other", 1)).toEqual({ state: "stale", rev: 2 });
			// Alone, too.
			await articles.commitArticleChange({
				upload: makeUpload("u3"),
				pending: { changeId: "c3", targets: [page] },
			});
			await ledger.releaseMany(new Map([...claimed].map(([id, { rev }]) => [id, rev])), "a");
			await ledger.requestAndClaimMany([page], "a", NOW, 60_000, ["c3"]);
			expect(await ledger.listPending(10)).toEqual([]);
		});

		it("tells a batch claim which leases it took over from a holder that never released", async () => {
			const { ledger } = await makeStores();
			const ids = ["page|en|p|a", "page|en|p|b", "page|en|p|c"];
			await ledger.requestMany(ids);
			await ledger.claimMany(["page|en|p|a"], "dead", NOW, 60_000);
			await ledger.claimMany(["page|en|p|b"], "alive", NOW, 60_000);
			await ledger.release("page|en|p|b", "alive", 1);
			const later = new Date(NOW.getTime() + 120_000);
			const claimed = await ledger.claimMany(ids, "next", later, 60_000);
			expect(Object.fromEntries(claimed)).toEqual({
				"page|en|p|a": { rev: 1, interrupted: true },
				"page|en|p|b": { rev: 1, interrupted: false },
				"page|en|p|c": { rev: 1, interrupted: false },
			});
		});

		it("gives leases back without publishing: the targets stay dirty for the next claim", async () => {
			const { ledger } = await makeStores();
			const ids = ["page|en|p|a", "page|en|p|b", "page|en|p|c"];
			await ledger.requestMany(ids);
			expect(
				[...(await ledger.claimMany(ids.slice(0, 2), "a", NOW, 60_000)).keys()].sort(),
			).toEqual(ids.slice(0, 2));
			await ledger.yieldMany(ids, "a");
			expect((await ledger.listDirty(10)).sort()).toEqual(ids);
			// Free at once, not when the lease would have run out.
			expect(await ledger.claim("page|en|p|a", "b", NOW, 60_000)).toBe(1);
			// Another's lease is not given back.
			await ledger.yieldMany(["page|en|p|a"], "a");
			expect(await ledger.claim("page|en|p|a", "c", NOW, 60_000)).toBeNull();
		});

		it("settles many pending changes at once", async () => {
			const { articles, ledger } = await makeStores();
			const changes = Array.from({ length: 30 }, (_, i) => ({
				changeId: `change-${String(i).padStart(2, "0")}`,
				targets: ["home"],
			}));
			for (const [i, pending] of changes.entries()) {
				await articles.commitArticleChange({ upload: makeUpload(`u${i}`), pending });
			}
			await ledger.settleMany([...changes.slice(0, 29).map((c) => c.changeId), "never-there"]);
			expect(await ledger.listPending(100)).toEqual([changes[29]]);
		});

		it("holds a lease until its end, then hands it on; the old holder learns it lost", async () => {
			const { ledger } = await makeStores();
			await ledger.request(T);
			expect(await ledger.claim(T, "a", NOW, 1000)).toBe(1);
			expect(await ledger.claim(T, "b", at(1000), 1000)).toBeNull();
			expect(await ledger.claim(T, "b", at(1001), 1000)).toBe(1);
			expect(await ledger.release(T, "a", 1)).toEqual({ state: "lost" });
			expect(await ledger.renew(T, "a", at(1002), 1000)).toBe(false);
			expect(await ledger.renew(T, "b", at(1500), 1000)).toBe(true);
			expect(await ledger.release(T, "b", 1)).toEqual({ state: "released" });
		});

		it("renews a lease for its holder only, from the instant given", async () => {
			const { ledger } = await makeStores();
			await ledger.request(T);
			expect(await ledger.claim(T, "a", NOW, 1000)).toBe(1);
			expect(await ledger.renew(T, "a", at(900), 1000)).toBe(true);
			// Renewed: still held 1.5 s after the claim, though the first lease ran 1 s.
			expect(await ledger.claim(T, "b", at(1500), 1000)).toBeNull();
			expect(await ledger.renew(T, "b", at(1500), 1000)).toBe(false);
			expect(await ledger.claim(T, "b", at(1901), 1000)).toBe(1);
		});

		it("renews an expired lease that nobody has taken", async () => {
			const { ledger } = await makeStores();
			await ledger.request(T);
			expect(await ledger.claim(T, "a", NOW, 1000)).toBe(1);
			expect(await ledger.renew(T, "a", at(5000), 1000)).toBe(true);
			expect(await ledger.claim(T, "b", at(5500), 1000)).toBeNull();
			expect(await ledger.release(T, "a", 1)).toEqual({ state: "released" });
		});

		it("knows no lease on a target nobody claimed", async () => {
			const { ledger } = await makeStores();
			expect(await ledger.renew("unknown", "a", NOW, 1000)).toBe(false);
			expect(await ledger.release("unknown", "a", 1)).toEqual({ state: "lost" });
			await ledger.request(T);
			expect(await ledger.renew(T, "a", NOW, 1000)).toBe(false);
			expect(await ledger.release(T, "a", 1)).toEqual({ state: "lost" });
		});

		it("gives revision 0 of a target never requested, and takes the lease back at it", async () => {
			const { ledger } = await makeStores();
			expect(await ledger.claim(T, "a", NOW, 1000)).toBe(0);
			// 0 is the newest revision: a "stale" answer would send the publisher round forever.
			expect(await ledger.release(T, "a", 0)).toEqual({ state: "released" });
			expect(await ledger.listDirty(10)).toEqual([]);
		});

		it("lists the targets whose newest revision is unpublished, at most `limit`", async () => {
			const { ledger } = await makeStores();
			const targets = ["home", "feed|ja|latest", T];
			for (const target of targets) await ledger.request(target);
			expect((await ledger.listDirty(10)).sort()).toEqual([...targets].sort());
			const two = await ledger.listDirty(2);
			expect(two).toHaveLength(2);
			expect(targets).toEqual(expect.arrayContaining(two));

			// Claimed is not published: still dirty until released at the newest revision.
			const rev = await ledger.claim("home", "a", NOW, 1000);
			expect(await ledger.listDirty(10)).toContain("home");
			if (rev === null) throw new Error("not claimed");
			await ledger.release("home", "a", rev);
			expect((await ledger.listDirty(10)).sort()).toEqual([T, "feed|ja|latest"].sort());

			// A new request makes it dirty again, at the next revision.
			await ledger.request("home");
			expect(await ledger.listDirty(10)).toContain("home");
			expect(await ledger.claim("home", "b", NOW, 1000)).toBe(2);
		});

		it("lists the pending changes commits left, at most `limit`, until they are settled", async () => {
			const { articles, ledger } = await makeStores();
			expect(await ledger.listPending(10)).toEqual([]);
			const changes: PendingChange[] = [
				{ changeId: "upload:c", targets: ["home"] },
				{ changeId: "upload:a", targets: [T, "home"] },
				{ changeId: "reevaluate:b", targets: ["page|en|science-news|x"] },
			];
			for (const pending of changes) {
				expect(await articles.commitArticleChange({ pending })).toBe("committed");
			}
			expect(byId(await ledger.listPending(10))).toEqual(byId(changes));
			const two = await ledger.listPending(2);
			expect(two).toHaveLength(2);
			expect(changes).toEqual(expect.arrayContaining(two));

			await ledger.settle("upload:a");
			await ledger.settle("unknown");
			expect(byId(await ledger.listPending(10))).toEqual(
				byId(changes.filter((c) => c.changeId !== "upload:a")),
			);
		});
	});
}

function byId(changes: PendingChange[]): PendingChange[] {
	return [...changes].sort((a, b) => a.changeId.localeCompare(b.changeId));
}
