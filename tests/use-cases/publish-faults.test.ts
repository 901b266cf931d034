import { afterEach, describe, expect, it, vi } from "vitest";
import { InMemoryFeedStore } from "#shared/adapters/memory/in-memory-article-store.ts";
import { UnstorableError } from "#shared/domain/store-errors.ts";
import type { FeedStore } from "#shared/ports/articles.ts";
import { makeBundle, makeManifest } from "../helpers/bundles.ts";
import { memoryWorld } from "../helpers/memory-services.ts";

type World = Awaited<ReturnType<typeof memoryWorld>>;

const exists = async (world: World, key: string) => (await world.text(key)) !== undefined;
const latestIds = async (world: World) =>
	(
		JSON.parse((await world.text("feeds/en/latest.json")) ?? '{"items":[]}') as {
			items: { id: string }[];
		}
	).items.map((item) => item.id);

afterEach(() => {
	vi.useRealTimers();
});

describe("nothing is lost when a publisher dies", () => {
	it("publishes an article whose ingest died between its commit and its publish, on the next sweep", async () => {
		const world = await memoryWorld();
		const dying = world.services({
			ingest: {
				publish: async () => {
					throw new Error("killed right after the commit");
				},
			},
		});
		const event = await world.putUpload(
			"incoming/science-news/crash.zip",
			makeBundle({ manifest: makeManifest({ id: "crash-after-commit" }) }),
		);
		await expect(dying.ingestUpload(event)).rejects.toThrow("killed right after the commit");
		const page = "en/articles/science-news/crash-after-commit";
		expect(await exists(world, page)).toBe(false);

		// The schedule's sweep, from another process: the pending change was committed with it.
		const sweeper = world.services();
		expect(await sweeper.sweep()).toBeGreaterThan(0);
		expect(await exists(world, page)).toBe(true);
		expect(await latestIds(world)).toContain(
			"urn:syndicate:article:science-news:crash-after-commit:en",
		);
		expect(await sweeper.ledger.listPending(100)).toEqual([]);
	});

	it("frees a target a dead publisher held once its short lease runs out", async () => {
		let now = new Date("2026-03-01T00:00:00Z");
		const world = await memoryWorld({ clock: () => now });
		const { ledger } = world.services();
		await ledger.request("feed|en|latest");
		expect(await ledger.claim("feed|en|latest", "dead-publisher", now, 1500)).not.toBeNull();

		const services = world.services();
		const event = await world.putUpload(
			"incoming/science-news/lease.zip",
			makeBundle({ manifest: makeManifest({ id: "behind-a-dead-lease" }) }),
		);
		await services.ingestUpload(event);
		const id = "urn:syndicate:article:science-news:behind-a-dead-lease:en";
		// The lease holder is dead: the feed stays dirty, not lost.
		expect(await latestIds(world)).not.toContain(id);
		expect(await ledger.listDirty(100)).toContain("feed|en|latest");
		now = new Date(now.getTime() + 1550);
		await services.sweep();
		expect(await latestIds(world)).toContain(id);
		expect(await ledger.listDirty(100)).not.toContain("feed|en|latest");
	});

	it("renews its lease while a slow render runs, so no second publisher renders at once", async () => {
		// Only the clocks the lease reads and the timer that renews it: the batched reads' turns
		// of the event loop (setImmediate) still run on their own.
		vi.useFakeTimers({
			toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "Date"],
		});
		const world = await memoryWorld();
		let reached!: () => void;
		const rendering = new Promise<void>((resolve) => {
			reached = resolve;
		});
		// Slow where every render of the home page starts: the languages it lists.
		const slowFeeds: FeedStore = new (class extends InMemoryFeedStore {
			override async listLanguages(): Promise<string[]> {
				reached();
				await new Promise((resolve) => setTimeout(resolve, 1500));
				return super.listLanguages();
			}
		})(world.tables);
		const slow = world.services({ publish: { feeds: slowFeeds, leaseMs: 500 } });
		const publishing = slow.publishTargets(["home"]);
		// Claimed by now: the render has started.
		await rendering;
		await vi.advanceTimersByTimeAsync(1100);
		// Twice the lease has passed; renewed every third of it, it is still held.
		expect(await slow.ledger.claim("home", "another", new Date(), 500)).toBeNull();
		await vi.advanceTimersByTimeAsync(400);
		await publishing;
		expect(await slow.ledger.listDirty(100)).not.toContain("home");
	});
});

describe("every upload gets a report", () => {
	it("keeps the newest upload's report at a key when two uploads there are processed out of order", async () => {
		const world = await memoryWorld();
		const services = world.services();
		const key = "incoming/science-news/same-key.zip";
		const older = await world.putUpload(
			key,
			makeBundle({ manifest: makeManifest({ id: "older" }) }),
		);
		const newer = await world.putUpload(
			key,
			makeBundle({ manifest: makeManifest({ id: "newer" }) }),
		);
		await services.ingestUpload(newer);
		await services.ingestUpload(older);
		// Redelivered late, the older one still does not take the key back.
		await services.ingestUpload(older);
		const reportBytes = await world.uploads.get("reports/science-news/same-key.zip.json");
		if (!reportBytes || "tooLarge" in reportBytes) throw new Error("no report");
		const report = JSON.parse(new TextDecoder().decode(reportBytes.bytes));
		expect(report).toMatchObject({ articleId: "newer", status: "published" });
		// Every upload's report stays readable, in S3 order.
		const all = await services.uploadRecords.listUploads(key);
		expect(all.map((record) => record.uploadId)).toEqual([older.eTag, newer.eTag]);
	});

	it("rejects an article the store refuses for good with UNSTORABLE, instead of retrying it", async () => {
		const world = await memoryWorld();
		const base = world.services();
		const refusing = world.services({
			ingest: {
				// Validation bounds every field, so only an injected fault reaches this path now.
				articles: Object.assign(Object.create(base.articles), {
					commitArticleChange: (commit: Parameters<typeof base.articles.commitArticleChange>[0]) =>
						commit.article
							? Promise.reject(new UnstorableError("item size has exceeded the maximum"))
							: base.articles.commitArticleChange(commit),
				}),
			},
		});
		const event = await world.putUpload(
			"incoming/science-news/unstorable.zip",
			makeBundle({ manifest: makeManifest({ id: "unstorable" }) }),
		);
		const result = await refusing.ingestUpload(event);
		expect(result?.report).toMatchObject({
			status: "rejected",
			articleId: "unstorable",
			errors: [{ code: "UNSTORABLE" }],
		});
		const record = await base.uploadRecords.getUpload(event.key, event.eTag ?? "");
		expect(record?.report.status).toBe("rejected");
	});
});
