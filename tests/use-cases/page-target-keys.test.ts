import { describe, expect, it } from "vitest";
import { InMemoryObjectStore } from "#shared/adapters/memory/in-memory-object-store.ts";
import { InMemoryTables } from "#shared/adapters/memory/in-memory-tables.ts";
import { targetId } from "#shared/domain/targets.ts";
import { TARGETS } from "#shared/publishing/registry.ts";
import { makePublishTargets } from "#shared/use-cases/publish-targets.ts";
import { makeAgreement } from "../helpers/agreements.ts";
import { makeBundle, makeManifest, PNG } from "../helpers/bundles.ts";
import { composeProcess } from "../helpers/compose-process.ts";
import { inMemoryStores } from "../helpers/memory-stores.ts";

const NOW = new Date("2026-03-01T00:00:00Z");
const SITE = "https://news.example.org";
const PAGE = { kind: "page", language: "en", partnerId: "science-news", articleId: "a1" } as const;

/** A site bucket that remembers every key it was asked to delete. */
class DeletionRecordingStore extends InMemoryObjectStore {
	readonly deleted: string[] = [];

	override async deleteMany(keys: readonly string[]): Promise<void> {
		this.deleted.push(...keys);
		await super.deleteMany(keys);
	}
}

describe("the page target declares its keys once: what its render writes, its takedown replaces or deletes", () => {
	it("an early takedown replaces the page's documents and deletes its photos, and touches nothing else", async () => {
		const clock = () => NOW;
		const tables = new InMemoryTables();
		const uploads = new InMemoryObjectStore();
		const stores = await inMemoryStores(tables, NOW);
		const wired = composeProcess(
			{ uploads, site: new InMemoryObjectStore(), ...stores },
			{ siteUrl: SITE, owner: "page-keys-ingest", clock },
		);
		// Two versions, each with a photo of its own: the takedown reaches the first's too.
		const versions = [
			{ version: 1, file: "images/photo.png" },
			{ version: 2, file: "images/other.png" },
		];
		for (const { version, file } of versions) {
			const bytes = makeBundle({
				manifest: makeManifest({
					id: "a1",
					version,
					versionCreated: `2024-01-1${version}T09:00:00+09:00`,
					images: [{ file, caption: "A photo", credit: "Someone", alt: "Alt text" }],
				}),
				files: { [file]: PNG },
			});
			const key = `incoming/science-news/a1-v${version}.zip`;
			await uploads.put(key, bytes);
			const result = await wired.ingestUpload({
				key,
				size: bytes.byteLength,
				eTag: `etag-${version}`,
				sequencer: String(version),
				eventTime: NOW.toISOString(),
			});
			expect(result?.report.status).toBe("published");
		}

		// A publisher of its own site renders the page alone: the site holds what that wrote.
		const site = new DeletionRecordingStore();
		const publisher = makePublishTargets({
			...stores,
			content: uploads,
			site,
			siteUrl: SITE,
			clock,
			owner: "page-keys",
			leaseMs: 20_000,
		});
		await publisher.publishTargets([targetId(PAGE)]);
		const written = site.keys();
		for (const key of TARGETS.page.keys(PAGE)) expect(written).toContain(key);
		expect(written).toContain("media/en/science-news/a1/images/other.png");

		const article = await stores.articles.getArticle(PAGE);
		const declared = await TARGETS.page.takedownOf(stores.articles, PAGE, article, SITE);
		const replaced = declared.replaced.map(({ key }) => key);
		expect(replaced.sort()).toEqual(TARGETS.page.keys(PAGE).sort());
		expect([...declared.deleted].sort()).toEqual([
			"media/en/science-news/a1/images/other.png",
			"media/en/science-news/a1/images/photo.png",
		]);
		for (const key of written) expect([...replaced, ...declared.deleted]).toContain(key);

		// Revoked, the articles not decided again yet: the page goes ahead of its commit.
		await stores.agreements.putAgreement(makeAgreement({ status: "revoked" }), {
			at: NOW,
			action: "revoke",
			by: "test",
			reason: "test",
		});
		site.deleted.length = 0;
		await publisher.takeDownNow([targetId(PAGE)]);
		expect(site.keys()).toEqual(replaced.sort());
		expect([...site.deleted].sort()).toEqual([...declared.deleted].sort());
		for (const { key, body, options } of declared.replaced) {
			const stored = await site.get(key);
			expect(stored && "bytes" in stored && new TextDecoder().decode(stored.bytes)).toBe(body);
			expect(site.head(key)?.metadata).toEqual(options.metadata);
		}
	});
});
