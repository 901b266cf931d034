import { describe, expect, it } from "vitest";
import type { Article } from "#shared/domain/article.ts";
import { feedEntriesFor } from "#shared/domain/targets.ts";
import { makeArticle } from "../helpers/articles.ts";
import { articleChange, commitNew, type MakeTableStores } from "./fixtures.ts";

const FEED = "en/latest";

function numbered(i: number, overrides: Partial<Article> = {}): Article {
	const day = new Date(Date.UTC(2024, 0, 1) + i * 3_600_000).toISOString();
	return makeArticle({
		articleId: `a${String(i).padStart(3, "0")}`,
		firstCreated: day,
		versionCreated: day,
		subjects: ["energy"],
		...overrides,
	});
}

function positionsOf(article: Article) {
	return feedEntriesFor(article).map(({ feedKey, sortKey }) => ({ feedKey, sortKey }));
}

/**
 * What every {@link FeedStore} does with the rows its article store commits: ordinals that
 * place each new row on a fixed archive page, stale marks for pages a change touched, and
 * the list of feeds. `makeStores` gives each test fresh, empty stores on one table.
 */
export function describeFeedStoreContract(name: string, makeStores: MakeTableStores): void {
	describe(`FeedStore contract: ${name}`, () => {
		it("numbers new rows 1, 2, … per feed and files them on pages of 50, newest first", async () => {
			const { articles, feeds } = await makeStores();
			const all = Array.from({ length: 53 }, (_, i) => numbered(i));
			for (const article of all) await commitNew(articles, article);
			const state = await feeds.getFeedState(FEED);
			expect(state).toMatchObject({ count: 53, renderedPages: 0, listed: false, stalePages: [] });
			expect(state.lastRemovedAt).toBeUndefined();
			const page0 = await feeds.listArchivePage(FEED, 0);
			expect(page0.map((item) => item.articleId)).toEqual(
				all
					.slice(0, 50)
					.map((article) => article.articleId)
					.reverse(),
			);
			expect((await feeds.listArchivePage(FEED, 1)).map((item) => item.articleId)).toEqual([
				"a052",
				"a051",
				"a050",
			]);
			expect(await feeds.listArchivePage(FEED, 2)).toEqual([]);
			// Every feed has its own counter.
			expect((await feeds.getFeedState("en/subjects/energy")).count).toBe(53);
			expect((await feeds.getFeedState("en/partners/science-news")).count).toBe(53);
			expect((await feeds.getFeedState("ja/latest")).count).toBe(0);
			// The feed itself is the newest 50 by its own order, whatever the archive holds.
			expect((await feeds.listFeed(FEED, 50)).map((item) => item.articleId)[0]).toBe("a052");
			expect(await feeds.listFeed(FEED, 50)).toHaveLength(50);
		});

		it("keeps a row's ordinal when its item changes, and marks that page stale", async () => {
			const { articles, feeds } = await makeStores();
			const v1 = numbered(1);
			await commitNew(articles, numbered(0));
			await commitNew(articles, v1);
			const v2 = numbered(1, { headline: "corrected", revision: 2 });
			await articles.commitArticleChange({
				article: articleChange(v2, 1, { feedPuts: feedEntriesFor(v2) }),
			});
			const state = await feeds.getFeedState(FEED);
			expect(state.count).toBe(2);
			expect(state.stalePages.map((stale) => stale.page)).toEqual([0]);
			expect((await feeds.listArchivePage(FEED, 0)).map((item) => item.headline)).toEqual([
				"corrected",
				v1.headline,
			]);
		});

		it("marks the pages of rows whose items changed unseen (a translation came), none for rows not stored", async () => {
			const { articles, feeds } = await makeStores();
			const all = Array.from({ length: 53 }, (_, i) => numbered(i));
			for (const article of all) await commitNew(articles, article);
			const first = await feeds.getFeedState(FEED);
			await feeds.markArchiveRendered(FEED, { renderedPages: 2, stalePages: first.stalePages });
			await feeds.markRowsStale([
				...positionsOf(all[1] ?? numbered(1)),
				...positionsOf(numbered(99)),
			]);
			const state = await feeds.getFeedState(FEED);
			expect(state.stalePages.map((stale) => stale.page)).toEqual([0]);
			expect((await feeds.getFeedState("en/subjects/energy")).stalePages).toHaveLength(1);
			// Rendered since: the mark goes as a commit's does.
			await feeds.markArchiveRendered(FEED, { renderedPages: 2, stalePages: state.stalePages });
			expect((await feeds.getFeedState(FEED)).stalePages).toEqual([]);
		});

		it("takes a removed row out of its archive page, marks the page, and dates the removal", async () => {
			const { articles, feeds } = await makeStores();
			const all = Array.from({ length: 3 }, (_, i) => numbered(i));
			for (const article of all) await commitNew(articles, article);
			const gone = all[1] ?? numbered(1);
			const at = "2026-03-01T12:00:00.000Z";
			await articles.commitArticleChange({
				article: articleChange({ ...gone, status: "withdrawn", revision: 2 }, 1, {
					newVersion: false,
					feedPuts: [],
					feedDeletes: positionsOf(gone),
					event: {
						at,
						action: "withdraw",
						by: "ops",
						reason: "order",
						version: 1,
						status: "withdrawn",
						permission: gone.permission,
					},
				}),
			});
			expect((await feeds.listArchivePage(FEED, 0)).map((item) => item.articleId)).toEqual([
				"a002",
				"a000",
			]);
			const state = await feeds.getFeedState(FEED);
			expect(state.stalePages.map((stale) => stale.page)).toEqual([0]);
			expect(state.lastRemovedAt).toBe(at);

			// Rendered: the mark goes, the date stays, renderedPages is kept and never lowered.
			await feeds.markArchiveRendered(FEED, { renderedPages: 1, stalePages: state.stalePages });
			const after = await feeds.getFeedState(FEED);
			expect(after).toMatchObject({ stalePages: [], renderedPages: 1, lastRemovedAt: at });
			await feeds.markArchiveRendered(FEED, { renderedPages: 0, stalePages: [] });
			expect((await feeds.getFeedState(FEED)).renderedPages).toBe(1);

			// Back again: a new ordinal, on the newest page.
			await articles.commitArticleChange({
				article: articleChange({ ...gone, revision: 3 }, 2, { newVersion: false }),
			});
			expect((await feeds.getFeedState(FEED)).count).toBe(4);
		});

		it("keeps a kill notice per feed and item, on the page it left, until the item comes back", async () => {
			const { articles, feeds } = await makeStores();
			const all = Array.from({ length: 3 }, (_, i) => numbered(i));
			for (const article of all) await commitNew(articles, article);
			const gone = all[1] ?? numbered(1);
			const id = feedEntriesFor(gone)[0]?.item.id ?? "";
			const when = "2026-03-01T12:00:00.000Z";
			await articles.commitArticleChange({
				article: articleChange({ ...gone, status: "withdrawn", revision: 2 }, 1, {
					newVersion: false,
					feedPuts: [],
					feedDeletes: positionsOf(gone).map((row) => ({
						...row,
						kill: { id, when, reason: "withdrawn" as const },
					})),
				}),
			});
			const [{ sortKey } = { sortKey: "" }] = positionsOf(gone);
			const tombstone = { id, when, reason: "withdrawn", page: 0, sortKey };
			expect((await feeds.getFeedState(FEED)).tombstones).toEqual([tombstone]);
			expect((await feeds.getFeedState("en/subjects/energy")).tombstones).toEqual([tombstone]);
			expect((await feeds.getFeedState("ja/latest")).tombstones).toEqual([]);
			// Rendering the archive leaves the notice.
			const state = await feeds.getFeedState(FEED);
			await feeds.markArchiveRendered(FEED, { renderedPages: 1, stalePages: state.stalePages });
			expect((await feeds.getFeedState(FEED)).tombstones).toEqual([tombstone]);

			// Back again: the row is new to the feed, takes its notice back, and marks the page
			// the notice was on, so that archive document is written again without it.
			await articles.commitArticleChange({
				article: articleChange({ ...gone, revision: 3 }, 2, { newVersion: false }),
			});
			const back = await feeds.getFeedState(FEED);
			expect(back.tombstones).toEqual([]);
			expect(back.stalePages.map((stale) => stale.page)).toEqual([0]);
			expect((await feeds.getFeedState("en/subjects/energy")).tombstones).toEqual([]);
		});

		it("lists a feed's kill notices newest first; a removal without a kill keeps none", async () => {
			const { articles, feeds } = await makeStores();
			const all = Array.from({ length: 3 }, (_, i) => numbered(i));
			for (const article of all) await commitNew(articles, article);
			const [a, b, c] = all.map((article) => ({
				article,
				id: feedEntriesFor(article)[0]?.item.id ?? "",
			}));
			const remove = async (
				one: typeof a,
				kill?: { when: string; reason: "permission revoked" | "canceled by the partner" },
			) => {
				if (!one) return;
				await articles.commitArticleChange({
					article: articleChange({ ...one.article, status: "withdrawn", revision: 2 }, 1, {
						newVersion: false,
						feedPuts: [],
						feedDeletes: positionsOf(one.article).map((row) => ({
							...row,
							...(kill ? { kill: { id: one.id, ...kill } } : {}),
						})),
					}),
				});
			};
			await remove(a, { when: "2026-03-01T00:00:00.000Z", reason: "permission revoked" });
			await remove(b, { when: "2026-03-02T00:00:00.000Z", reason: "canceled by the partner" });
			await remove(c);
			expect(
				(await feeds.getFeedState(FEED)).tombstones.map(({ id, reason }) => ({ id, reason })),
			).toEqual([
				{ id: b?.id, reason: "canceled by the partner" },
				{ id: a?.id, reason: "permission revoked" },
			]);
		});

		it("clears only the marks it saw: a page marked again since stays stale", async () => {
			const { articles, feeds } = await makeStores();
			const a = numbered(0);
			await commitNew(articles, a);
			const a2 = numbered(0, { headline: "two", revision: 2 });
			await articles.commitArticleChange({ article: articleChange(a2, 1) });
			const seen = await feeds.getFeedState(FEED);
			const a3 = numbered(0, { headline: "three", revision: 3 });
			await articles.commitArticleChange({ article: articleChange(a3, 2) });
			await feeds.markArchiveRendered(FEED, { renderedPages: 0, stalePages: seen.stalePages });
			expect((await feeds.getFeedState(FEED)).stalePages.map((stale) => stale.page)).toEqual([0]);
		});

		it("lists feeds once, sorted, and says which listing was new", async () => {
			const { feeds } = await makeStores();
			expect(await feeds.listFeedKeys()).toEqual([]);
			expect(await feeds.listFeedKey("en/subjects/energy")).toBe(true);
			expect(await feeds.listFeedKey(FEED)).toBe(true);
			expect(await feeds.listFeedKey(FEED)).toBe(false);
			expect(await feeds.listFeedKeys()).toEqual([
				{ feedKey: FEED },
				{ feedKey: "en/subjects/energy" },
			]);
			expect((await feeds.getFeedState(FEED)).listed).toBe(true);
		});

		it("keeps the name a feed is listed under, and renames it", async () => {
			const { feeds } = await makeStores();
			const subject = "zh/subjects/china";
			expect(await feeds.listFeedKey(subject, "中国")).toBe(true);
			expect(await feeds.listFeedKeys()).toEqual([{ feedKey: subject, name: "中国" }]);
			expect(await feeds.listFeedKey(subject, "中华")).toBe(false);
			expect(await feeds.listFeedKeys()).toEqual([{ feedKey: subject, name: "中华" }]);
			expect(await feeds.getFeedState(subject)).toMatchObject({ listed: true, listedName: "中华" });
		});

		it("reads the newest rows of a busy feed across its partitions, in order", async () => {
			const { articles, feeds } = await makeStores();
			const all = Array.from({ length: 30 }, (_, i) => numbered((i * 7) % 30));
			await Promise.all(all.map((article) => commitNew(articles, article)));
			const newest = await feeds.listFeed(FEED, 12);
			expect(newest.map((item) => item.articleId)).toEqual(
				Array.from({ length: 12 }, (_, i) => `a${String(29 - i).padStart(3, "0")}`),
			);
			expect((await feeds.getFeedState(FEED)).count).toBe(30);
		});
	});
}
