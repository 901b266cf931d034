import { describe, expect, it } from "vitest";
import { uploadOrder } from "#shared/domain/upload.ts";
import type { ArticleStore } from "#shared/ports/articles.ts";
import type { UploadRecord, UploadStore } from "#shared/ports/uploads.ts";
import { makeUpload, NOW } from "./fixtures.ts";

/** Upload records are written by article commits, so the contract needs both stores. */
export type MakeUploadStores = () => Promise<{ articles: ArticleStore; uploads: UploadStore }>;

const OLDER = uploadOrder("0055AB9F1F1A7C2D01");
const NEWER = uploadOrder("0055AB9F1F1A7C2D0A");

/** What every {@link UploadStore} does, whatever its backend. */
export function describeUploadStoreContract(name: string, makeStores: MakeUploadStores): void {
	describe(`UploadStore contract: ${name}`, () => {
		async function record(articles: ArticleStore, upload: UploadRecord): Promise<void> {
			expect(["committed", "committed-not-newest"]).toContain(
				await articles.commitArticleChange({ upload }),
			);
		}

		it("reads back each upload a commit recorded, by key and upload id", async () => {
			const { articles, uploads } = await makeStores();
			const upload = makeUpload("v1");
			await record(articles, upload);
			expect(await uploads.getUpload(upload.key, "v1")).toEqual(upload);
			expect(await uploads.getUpload(upload.key, "v2")).toBeUndefined();
			expect(await uploads.getUpload(`${upload.key}.bak`, "v1")).toBeUndefined();
		});

		it("lists every upload at a key, oldest first by S3 order, then by arrival", async () => {
			const { articles, uploads } = await makeStores();
			const key = "incoming/science-news/a.zip";
			const later = (ms: number) => ({
				...makeUpload("x").report,
				receivedAt: new Date(NOW.getTime() + ms).toISOString(),
			});
			const newer = makeUpload("v3", { order: NEWER });
			const older = makeUpload("v2", { order: OLDER });
			// Found without an event (no sequencer): first, and among those by arrival.
			const unsequencedLate = makeUpload("v1", { report: later(2000) });
			const unsequencedEarly = makeUpload("v9", { report: later(1000) });
			const elsewhere = makeUpload("v4", { key: `${key}.bak`, order: NEWER });
			for (const upload of [newer, unsequencedLate, older, elsewhere, unsequencedEarly]) {
				await record(articles, upload);
			}
			expect(await uploads.listUploads(key)).toEqual([
				unsequencedEarly,
				unsequencedLate,
				older,
				newer,
			]);
			expect(await uploads.listUploads("incoming/science-news/none.zip")).toEqual([]);
		});

		it("names the newest upload at a key by S3 order, whatever order it is told in", async () => {
			const { uploads } = await makeStores();
			const older = makeUpload("v1", { order: OLDER });
			const newer = makeUpload("v2", { order: NEWER });
			expect(await uploads.markNewest(older)).toEqual(older);
			expect(await uploads.markNewest(newer)).toEqual(newer);
			// The older one, processed late, must not take the key back.
			expect(await uploads.markNewest(older)).toEqual(newer);
			// Marking the newest again (a redelivery) changes nothing.
			expect(await uploads.markNewest(newer)).toEqual(newer);
			// An upload found later without its event (no sequencer) never displaces one with it.
			expect(await uploads.markNewest(makeUpload("v0"))).toEqual(newer);
			expect(await uploads.getNewest(newer.key)).toEqual(newer);
			expect(await uploads.getNewest("incoming/science-news/none.zip")).toBeUndefined();
		});

		it("makes a committed upload the newest at its key unless a later one is", async () => {
			const { articles, uploads } = await makeStores();
			const older = makeUpload("v1", { order: OLDER });
			const newer = makeUpload("v2", { order: NEWER });
			expect(await articles.commitArticleChange({ upload: older })).toBe("committed");
			expect(await uploads.getNewest(older.key)).toEqual(older);
			expect(await articles.commitArticleChange({ upload: newer })).toBe("committed");
			// The older one, committed late, is recorded but does not take the key back.
			const late = makeUpload("v0", { order: OLDER });
			expect(await articles.commitArticleChange({ upload: late })).toBe("committed-not-newest");
			expect(await uploads.getUpload(late.key, "v0")).toEqual(late);
			expect(await uploads.getNewest(newer.key)).toEqual(newer);
			// Marking it again (a redelivery that finds its record) agrees.
			expect(await uploads.markNewest(newer)).toEqual(newer);
			expect(await uploads.markNewest(late)).toEqual(newer);
		});

		it("keeps the newest upload once marked, even when the older one is marked after it", async () => {
			const { uploads } = await makeStores();
			const older = makeUpload("v1", { order: OLDER });
			const newer = makeUpload("v2", { order: NEWER });
			expect(await uploads.markNewest(newer)).toEqual(newer);
			expect(await uploads.markNewest(older)).toEqual(newer);
			// Another key has a newest of its own.
			const other = makeUpload("v3", { key: "incoming/science-news/b.zip", order: OLDER });
			expect(await uploads.markNewest(other)).toEqual(other);
		});

		it("takes a redelivered newest upload's latest report", async () => {
			const { uploads } = await makeStores();
			const first = makeUpload("v1", { order: NEWER });
			await uploads.markNewest(first);
			const redelivered = { ...first, targets: [] };
			expect(await uploads.markNewest(redelivered)).toEqual(redelivered);
			expect(await uploads.markNewest(makeUpload("v0", { order: OLDER }))).toEqual(redelivered);
		});
	});
}
