import { describe, expect, it } from "vitest";
import type { Article } from "#shared/domain/article.ts";
import type { FeedPosition } from "#shared/domain/plan-article-change.ts";
import { feedEntriesFor } from "#shared/domain/targets.ts";
import { makeArticle } from "../helpers/articles.ts";
import {
	articleChange,
	at,
	collect,
	commitNew,
	type MakeTableStores,
	makeEvent,
	makeUpload,
	NOW,
	refOf,
} from "./fixtures.ts";

const FEED = "en/latest";

/**
 * What every {@link ArticleStore} (with the {@link FeedStore}, upload store and ledger on the
 * same table) does, whatever its backend: `makeStores` gives each test fresh, empty stores.
 */
export function describeArticleStoreContract(name: string, makeStores: MakeTableStores): void {
	describe(`ArticleStore contract: ${name}`, () => {
		it("commits a new article with its upload, pending change and feed rows, and reads them back", async () => {
			const { articles, feeds, uploads, ledger } = await makeStores();
			const article = makeArticle();
			const pending = { changeId: "upload:u1", targets: ["feed|en|latest", "home"] };
			const result = await articles.commitArticleChange({
				upload: makeUpload("u1"),
				article: articleChange(article),
				pending,
			});
			expect(result).toBe("committed");
			expect(await articles.getArticle(refOf(article))).toEqual(article);
			expect(await articles.listVersions(article)).toEqual([article]);
			expect(await uploads.getUpload(makeUpload("u1").key, "u1")).toEqual(makeUpload("u1"));
			expect(await ledger.listPending(10)).toEqual([pending]);
			// Latest News holds its first row; the partner's and subjects' feeds the others.
			expect(await feeds.listFeed(FEED, 50)).toEqual(
				feedEntriesFor(article)
					.filter((e) => e.feedKey === FEED)
					.map((e) => e.item),
			);
			expect(await feeds.listLanguages()).toEqual(["en"]);
			expect(await articles.getArticle({ ...refOf(article), language: "ja" })).toBeUndefined();
		});

		it("commits an upload record alone", async () => {
			const { articles, uploads } = await makeStores();
			const upload = makeUpload("u1", {
				report: { ...makeUpload("u1").report, status: "rejected" },
			});
			expect(await articles.commitArticleChange({ upload })).toBe("committed");
			expect(await uploads.getUpload(upload.key, "u1")).toEqual(upload);
			expect(await articles.commitArticleChange({ upload })).toBe("upload-exists");
		});

		it("keeps what it stored apart from the objects it was given and returned", async () => {
			const { articles, feeds } = await makeStores();
			const article = makeArticle();
			const change = articleChange(article);
			await articles.commitArticleChange({ article: change });
			article.headline = "changed by the caller";
			article.subjects.push("changed");
			const read = await articles.getArticle(article);
			if (!read) throw new Error("not stored");
			read.images.length = 0;
			const [item] = await feeds.listFeed(FEED, 1);
			if (item) item.headline = "changed";
			expect(await articles.getArticle(article)).toEqual(makeArticle());
			expect(await articles.listVersions(article)).toEqual([makeArticle()]);
			expect(await feeds.listFeed(FEED, 1)).toEqual(
				feedEntriesFor(makeArticle())
					.filter((e) => e.feedKey === FEED)
					.map((e) => e.item),
			);
		});

		it("refuses a second commit of the same upload, writing nothing of it", async () => {
			const { articles, feeds, uploads, ledger } = await makeStores();
			const first = { changeId: "upload:u1", targets: ["home"] };
			await articles.commitArticleChange({
				upload: makeUpload("u1"),
				article: articleChange(),
				pending: first,
			});
			const other = makeArticle({ articleId: "other", language: "fr" });
			const again = await articles.commitArticleChange({
				upload: makeUpload("u1", { targets: ["changed"] }),
				article: articleChange(other),
				pending: { changeId: "upload:u1-again", targets: ["home"] },
			});
			expect(again).toBe("upload-exists");
			expect(await articles.getArticle(other)).toBeUndefined();
			expect(await uploads.getUpload(makeUpload("u1").key, "u1")).toEqual(makeUpload("u1"));
			expect(await ledger.listPending(10)).toEqual([first]);
			expect(await feeds.listFeed("fr/latest", 10)).toEqual([]);
		});

		it("calls a redelivered upload 'upload-exists', though its article has moved on since", async () => {
			const { articles } = await makeStores();
			const commit = { upload: makeUpload("u1"), article: articleChange() };
			expect(await articles.commitArticleChange(commit)).toBe("committed");
			// The same plan again: its revision is stale now, but the upload is what failed first.
			expect(await articles.commitArticleChange(commit)).toBe("upload-exists");
		});

		it("refuses a commit made against a stale revision, writing nothing of it", async () => {
			const { articles, feeds, uploads, ledger } = await makeStores();
			const v1 = makeArticle();
			await articles.commitArticleChange({ upload: makeUpload("u1"), article: articleChange(v1) });

			// A second "new" article at the same ref: someone created it first.
			const rival = makeArticle({ headline: "rival", sha256: "1".repeat(64) });
			const refused = await articles.commitArticleChange({
				upload: makeUpload("u2"),
				article: articleChange(rival, null),
				pending: { changeId: "upload:u2", targets: ["home"] },
			});
			expect(refused).toBe("article-changed");
			expect(await uploads.getUpload(makeUpload("u2").key, "u2")).toBeUndefined();
			expect(await ledger.listPending(10)).toEqual([]);
			expect(await articles.getArticle(v1)).toEqual(v1);
			expect(await articles.listVersions(v1)).toEqual([v1]);
			expect((await feeds.listFeed(FEED, 10)).map((i) => i.headline)).toEqual([v1.headline]);

			const v2 = makeArticle({ version: 2, revision: 2, headline: "v2" });
			expect(await articles.commitArticleChange({ article: articleChange(v2, 1) })).toBe(
				"committed",
			);
			const v3 = makeArticle({ version: 3, revision: 3, headline: "v3" });
			expect(await articles.commitArticleChange({ article: articleChange(v3, 1) })).toBe(
				"article-changed",
			);
			expect(await articles.getArticle(v1)).toEqual(v2);
		});

		it("reads many articles at once, and only those that exist", async () => {
			const { articles } = await makeStores();
			const stored = Array.from({ length: 120 }, (_, i) => makeArticle({ articleId: `a${i}` }));
			await articles.commitArticleChanges(
				stored.map((article) => ({ article: articleChange(article, null) })),
			);
			const asked = [...stored.map(refOf), refOf(makeArticle({ articleId: "missing" }))];
			const found = await articles.getArticles(asked);
			expect(found.map((article) => article.articleId).sort()).toEqual(
				stored.map((article) => article.articleId).sort(),
			);
			expect(found.find((article) => article.articleId === "a7")).toEqual(stored[7]);
		});

		it("commits many changes at once, each all or nothing, and says which lost its lock", async () => {
			const { articles, feeds, ledger } = await makeStores();
			const v1 = Array.from({ length: 40 }, (_, i) => makeArticle({ articleId: `b${i}` }));
			await articles.commitArticleChanges(
				v1.map((article) => ({ article: articleChange(article, null) })),
			);
			// Article 5 moved on before the batch: only its commit is refused.
			const moved = makeArticle({ articleId: "b5", version: 2, revision: 2, headline: "moved" });
			await articles.commitArticleChange({ article: articleChange(moved, 1) });
			const v2 = v1.map((article) =>
				makeArticle({ articleId: article.articleId, version: 2, revision: 2, headline: "batch" }),
			);
			const results = await articles.commitArticleChanges(
				v2.map((article) => ({
					article: articleChange(article, 1),
					pending: { changeId: `batch:${article.articleId}`, targets: ["home"] },
				})),
			);
			expect(results[5]).toBe("article-changed");
			expect(results.filter((result) => result === "committed")).toHaveLength(39);
			expect((await articles.getArticle(refOf(moved)))?.headline).toBe("moved");
			expect((await articles.getArticle(refOf(v2[6] ?? moved)))?.headline).toBe("batch");
			expect((await ledger.listPending(100)).map((p) => p.changeId)).not.toContain("batch:b5");
			expect(await ledger.listPending(100)).toHaveLength(39);
			expect((await feeds.listFeed(FEED, 100)).filter((i) => i.headline === "batch")).toHaveLength(
				39,
			);
		});

		it("commits a decision only while the agreement it read is at that revision", async () => {
			const { articles, agreements } = await makeStores();
			const grant = { at: NOW, action: "grant" as const, by: "t", reason: "r" };
			const agreement = {
				agreementId: "sn-jst-2023",
				partnerId: "science-news",
				holder: "H",
				translator: "",
				languages: ["en"],
				scope: ["text" as const],
				validFrom: "2024-01-01T00:00:00Z",
				validUntil: null,
				notice: "",
				status: "active" as const,
			};
			const under = (agreementId: string, revision: number | null) => ({
				decidedUnder: { agreementId, revision },
			});
			const a = makeArticle({ articleId: "a" });
			// Decided while the agreement did not exist: applies only while it still does not.
			expect(
				await articles.commitArticleChange({
					article: articleChange(a, null, under("sn-jst-2023", null)),
				}),
			).toBe("committed");
			const revision = await agreements.putAgreement(agreement, grant);
			expect(revision).toBe(1);
			expect((await agreements.getAgreement("sn-jst-2023"))?.revision).toBe(1);
			const b = makeArticle({ articleId: "b" });
			expect(
				await articles.commitArticleChange({
					article: articleChange(b, null, under("sn-jst-2023", null)),
				}),
			).toBe("agreement-changed");
			expect(await articles.getArticle(b)).toBeUndefined();
			expect(
				await articles.commitArticleChange({
					article: articleChange(b, null, under("sn-jst-2023", 1)),
				}),
			).toBe("committed");
			await agreements.putAgreement({ ...agreement, status: "revoked" }, grant);
			// A batch: the commits decided under revision 1 are refused, the others go through.
			const batch = ["c", "d", "e"].map((id) => makeArticle({ articleId: id }));
			const results = await articles.commitArticleChanges([
				{ article: articleChange(batch[0], null, under("sn-jst-2023", 1)) },
				{ article: articleChange(batch[1], null, under("sn-jst-2023", 2)) },
				{ article: articleChange(batch[2], null, under("other", null)) },
			]);
			expect(results).toEqual(["agreement-changed", "committed", "committed"]);
			expect(await articles.getArticle(batch[0] ?? a)).toBeUndefined();
		});

		it("refuses a commit that expects a revision of an article it does not have", async () => {
			const { articles } = await makeStores();
			const article = makeArticle({ revision: 4 });
			expect(await articles.commitArticleChange({ article: articleChange(article, 3) })).toBe(
				"article-changed",
			);
			expect(await articles.getArticle(article)).toBeUndefined();
		});

		it("keeps every uploaded version, oldest first, apart from the current state", async () => {
			const { articles } = await makeStores();
			const v1 = makeArticle();
			const v2 = makeArticle({ version: 2, revision: 2, headline: "v2" });
			const v10 = makeArticle({ version: 10, revision: 3, headline: "v10" });
			await articles.commitArticleChange({ article: articleChange(v1) });
			await articles.commitArticleChange({ article: articleChange(v2, 1) });
			await articles.commitArticleChange({ article: articleChange(v10, 2) });
			// A decision on the current version (not an upload) keeps no version of its own.
			const withdrawn = { ...v10, status: "withdrawn" as const, revision: 4 };
			await articles.commitArticleChange({
				article: articleChange(withdrawn, 3, {
					newVersion: false,
					feedPuts: [],
					feedDeletes: positionsOf(v10),
				}),
			});
			expect(await articles.listVersions(v1)).toEqual([v1, v2, v10]);
			expect(await articles.getArticle(v1)).toEqual(withdrawn);
			expect(await articles.listVersions({ ...refOf(v1), articleId: "none" })).toEqual([]);
		});

		it("appends the commits' events to the history, oldest first", async () => {
			const { articles } = await makeStores();
			const v1 = makeArticle();
			const v2 = makeArticle({ version: 2, revision: 2 });
			const v3 = makeArticle({ version: 2, revision: 3, status: "withdrawn" });
			const v4 = makeArticle({ version: 2, revision: 4 });
			const first = makeEvent(v1);
			const second = makeEvent(v2, { at: at(60_000).toISOString() });
			// Two decisions at the same instant both stay, in the order they were committed.
			const third = makeEvent(v3, { at: second.at, action: "withdraw", by: "ops" });
			await articles.commitArticleChange({ article: articleChange(v1, null, { event: first }) });
			await articles.commitArticleChange({ article: articleChange(v2, 1, { event: second }) });
			await articles.commitArticleChange({
				article: articleChange(v3, 2, { newVersion: false, event: third }),
			});
			// A commit without an event (only the due instant moved) adds nothing.
			await articles.commitArticleChange({
				article: articleChange(v4, 3, { newVersion: false }),
			});
			expect(await articles.listHistory(v1)).toEqual([first, second, third]);
			expect(await articles.listHistory({ ...refOf(v1), language: "ja" })).toEqual([]);
		});

		it("lists the articles whose current version names an agreement", async () => {
			const { articles } = await makeStores();
			const a = makeArticle({ articleId: "a" });
			const b = makeArticle({ articleId: "b", language: "ja" });
			const c = makeArticle({ partnerId: "other-partner", articleId: "c" });
			// Named but not granted (the agreement may not exist yet): listed all the same.
			const pending = makeArticle({
				articleId: "p",
				status: "pending-permission",
				permission: { ...makeArticle().permission, agreementId: null, decision: "pending" },
			});
			const elsewhere = makeArticle({
				articleId: "d",
				rights: { ...makeArticle().rights, agreement: "another" },
			});
			for (const article of [a, b, c, pending, elsewhere]) await commitNew(articles, article);
			const named = await collect(articles.listByAgreement("sn-jst-2023"));
			expect(sortRefs(named)).toEqual(sortRefs([a, b, c, pending].map(refOf)));

			// A new version that names another agreement moves the article.
			const moved = makeArticle({
				articleId: "a",
				version: 2,
				revision: 2,
				rights: { ...a.rights, agreement: "another" },
			});
			await articles.commitArticleChange({ article: articleChange(moved, 1) });
			expect(sortRefs(await collect(articles.listByAgreement("sn-jst-2023")))).toEqual(
				sortRefs([b, c, pending].map(refOf)),
			);
			expect(sortRefs(await collect(articles.listByAgreement("another")))).toEqual(
				sortRefs([moved, elsewhere].map(refOf)),
			);
			expect(await collect(articles.listByAgreement("none"))).toEqual([]);
		});

		it("lists every article of an agreement, however many there are", async () => {
			const { articles } = await makeStores();
			const all = Array.from({ length: 25 }, (_, i) =>
				makeArticle({ articleId: `a${String(i).padStart(2, "0")}` }),
			);
			await Promise.all(all.map((article) => commitNew(articles, article)));
			const listed = await collect(articles.listByAgreement("sn-jst-2023"));
			expect(sortRefs(listed)).toEqual(sortRefs(all.map(refOf)));
		});

		it("lists a partner's articles by id and language, or all languages of one article", async () => {
			const { articles } = await makeStores();
			const aEn = makeArticle({ articleId: "a" });
			const aJa = makeArticle({ articleId: "a", language: "ja", headline: "a ja" });
			const a2 = makeArticle({ articleId: "a-2" });
			const b = makeArticle({ articleId: "b" });
			const otherPartner = makeArticle({ partnerId: "other", articleId: "a" });
			for (const article of [b, aJa, otherPartner, a2, aEn]) await commitNew(articles, article);
			const all = await collect(articles.listByPartner("science-news"));
			expect(all.map((s) => `${s.articleId}/${s.language}`)).toEqual([
				"a/en",
				"a/ja",
				"a-2/en",
				"b/en",
			]);
			// "a" is not a prefix match: "a-2" is another article.
			const one = await collect(articles.listByPartner("science-news", "a"));
			expect(one).toEqual([
				{
					partnerId: "science-news",
					articleId: "a",
					language: "en",
					version: 1,
					status: "published",
					headline: aEn.headline,
					agreementId: "sn-jst-2023",
					decision: "granted",
				},
				expect.objectContaining({ articleId: "a", language: "ja", headline: "a ja" }),
			]);
			expect(await collect(articles.listByPartner("science-news", "none"))).toEqual([]);
			expect(await collect(articles.listByPartner("nobody"))).toEqual([]);

			// The listing follows the article's current state.
			const withdrawn = { ...aEn, status: "withdrawn" as const, revision: 2 };
			await articles.commitArticleChange({
				article: articleChange(withdrawn, 1, { newVersion: false, feedPuts: [] }),
			});
			expect(await collect(articles.listByPartner("science-news", "a"))).toMatchObject([
				{ language: "en", status: "withdrawn" },
				{ language: "ja", status: "published" },
			]);
		});

		it("lists what is due at or before the instant, earliest first, at most `limit`", async () => {
			const { articles } = await makeStores();
			const t1 = at(60_000).toISOString();
			const t2 = at(120_000).toISOString();
			const t3 = at(180_000).toISOString();
			const embargoed = (articleId: string, dueAt: string) =>
				makeArticle({ articleId, status: "embargoed", dueAt, embargoUntil: dueAt });
			const due = [
				embargoed("third", t3),
				embargoed("first", t1),
				embargoed("second-a", t2),
				embargoed("second-b", t2),
			];
			for (const article of due) await commitNew(articles, article, { feedPuts: [] });
			await commitNew(articles, makeArticle({ articleId: "never" }));

			expect(await articles.listDue(NOW, 10)).toEqual([]);
			expect(await articles.listDue(new Date(Date.parse(t1) - 1), 10)).toEqual([]);
			expect(await articles.listDue(new Date(t1), 10)).toEqual([refOf(embargoed("first", t1))]);
			const listed = await articles.listDue(new Date(t3), 10);
			expect(listed.map((ref) => ref.articleId)).toEqual([
				"first",
				expect.stringMatching(/^second-/),
				expect.stringMatching(/^second-/),
				"third",
			]);
			expect(
				listed
					.slice(1, 3)
					.map((ref) => ref.articleId)
					.sort(),
			).toEqual(["second-a", "second-b"]);
			expect(await articles.listDue(at(86_400_000), 2)).toEqual(listed.slice(0, 2));
		});

		it("moves an article on the due index by its previous due instant, and takes it off", async () => {
			const { articles } = await makeStores();
			const t1 = at(60_000).toISOString();
			const t2 = at(120_000).toISOString();
			const v1 = makeArticle({ status: "embargoed", dueAt: t1 });
			await commitNew(articles, v1, { feedPuts: [] });

			const later = { ...v1, dueAt: t2, revision: 2 };
			await articles.commitArticleChange({
				article: articleChange(later, 1, { newVersion: false, feedPuts: [], previousDueAt: t1 }),
			});
			expect(await articles.listDue(new Date(t1), 10)).toEqual([]);
			expect(await articles.listDue(new Date(t2), 10)).toEqual([refOf(v1)]);

			// The same due instant again leaves the index as it is.
			const same = { ...later, revision: 3 };
			await articles.commitArticleChange({
				article: articleChange(same, 2, { newVersion: false, feedPuts: [], previousDueAt: t2 }),
			});
			expect(await articles.listDue(new Date(t2), 10)).toEqual([refOf(v1)]);

			const { dueAt: _, ...undue } = same;
			const released: Article = { ...undue, status: "published", revision: 4 };
			await articles.commitArticleChange({
				article: articleChange(released, 3, { newVersion: false, previousDueAt: t2 }),
			});
			expect(await articles.listDue(at(86_400_000), 10)).toEqual([]);
		});

		it("lists a feed newest first, at most `limit` items", async () => {
			const { articles, feeds } = await makeStores();
			const days = [3, 1, 4, 2, 5];
			await Promise.all(
				days.map((day) =>
					commitNew(
						articles,
						makeArticle({ articleId: `a${day}`, firstCreated: `2024-01-0${day}T00:00:00Z` }),
					),
				),
			);
			await commitNew(articles, makeArticle({ articleId: "ja", language: "ja" }));
			expect((await feeds.listFeed(FEED, 3)).map((i) => i.articleId)).toEqual(["a5", "a4", "a3"]);
			expect((await feeds.listFeed(FEED, 50)).map((i) => i.articleId)).toEqual([
				"a5",
				"a4",
				"a3",
				"a2",
				"a1",
			]);
			expect((await feeds.listFeed("ja/latest", 50)).map((i) => i.articleId)).toEqual(["ja"]);
			expect(await feeds.listFeed("de/latest", 50)).toEqual([]);
		});

		it("replaces a feed row it puts again, and removes the rows it deletes", async () => {
			const { articles, feeds } = await makeStores();
			const v1 = makeArticle();
			await commitNew(articles, v1);
			const v2 = makeArticle({ version: 2, revision: 2, headline: "second version" });
			await articles.commitArticleChange({ article: articleChange(v2, 1) });
			expect((await feeds.listFeed(FEED, 10)).map((i) => [i.headline, i.version])).toEqual([
				["second version", 2],
			]);

			const withdrawn = { ...v2, status: "withdrawn" as const, revision: 3 };
			await articles.commitArticleChange({
				article: articleChange(withdrawn, 2, {
					newVersion: false,
					feedPuts: [],
					feedDeletes: positionsOf(v2),
				}),
			});
			expect(await feeds.listFeed(FEED, 10)).toEqual([]);
		});

		it("lists every language that has had a public article, sorted", async () => {
			const { articles, feeds } = await makeStores();
			expect(await feeds.listLanguages()).toEqual([]);
			const ja = makeArticle({ articleId: "a", language: "ja" });
			await commitNew(articles, ja);
			await commitNew(articles, makeArticle({ articleId: "a", language: "en" }));
			await commitNew(articles, makeArticle({ articleId: "b", language: "en" }));
			// Never public: no feed row, so not a language of the site.
			await commitNew(
				articles,
				makeArticle({ articleId: "a", language: "de", status: "pending-permission" }),
				{ feedPuts: [] },
			);
			expect(await feeds.listLanguages()).toEqual(["en", "ja"]);

			const withdrawn = { ...ja, status: "withdrawn" as const, revision: 2 };
			await articles.commitArticleChange({
				article: articleChange(withdrawn, 1, {
					newVersion: false,
					feedPuts: [],
					feedDeletes: positionsOf(ja),
				}),
			});
			expect(await feeds.listLanguages()).toEqual(["en", "ja"]);
		});
	});
}

function positionsOf(article: Article): FeedPosition[] {
	return feedEntriesFor(article).map(({ feedKey, sortKey }) => ({ feedKey, sortKey }));
}

function sortRefs<T extends { partnerId: string; articleId: string; language: string }>(
	refs: T[],
): T[] {
	const key = (ref: T) => `${ref.partnerId}\n${ref.articleId}\n${ref.language}`;
	return [...refs].sort((a, b) => key(a).localeCompare(key(b)));
}
