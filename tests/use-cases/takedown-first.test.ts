import { describe, expect, it } from "vitest";
import { InMemoryAgreementStore } from "#shared/adapters/memory/in-memory-agreement-store.ts";
import {
	InMemoryArticleStore,
	InMemoryFeedStore,
} from "#shared/adapters/memory/in-memory-article-store.ts";
import { InMemoryObjectStore } from "#shared/adapters/memory/in-memory-object-store.ts";
import { InMemoryPublishLedger } from "#shared/adapters/memory/in-memory-publish-ledger.ts";
import { InMemoryTables } from "#shared/adapters/memory/in-memory-tables.ts";
import { InMemoryUploadStore } from "#shared/adapters/memory/in-memory-upload-store.ts";
import type { Article, ArticleRef } from "#shared/domain/article.ts";
import type { ArticleCommit, CommitResult } from "#shared/ports/articles.ts";
import { makeManageAgreements } from "#shared/use-cases/manage-agreements.ts";
import { makeBundle, makeManifest } from "../helpers/bundles.ts";
import { composeProcess } from "../helpers/compose-process.ts";
import { isTakenDown } from "../helpers/site.ts";

const SITE = "https://site.test";
const NOW = new Date("2026-03-01T00:00:00Z");
const OPS = { by: "ops", reason: "complaint" };
const ARTICLES = ["a-1", "a-2", "a-3"];

/** An article store whose batch commits wait until the test lets them through. */
class GatedArticleStore extends InMemoryArticleStore {
	reached!: Promise<void>;
	private arrive!: () => void;
	private gate!: Promise<void>;
	open!: () => void;

	constructor(tables: InMemoryTables) {
		super(tables);
		this.close();
	}

	close(): void {
		this.reached = new Promise((resolve) => {
			this.arrive = resolve;
		});
		this.gate = new Promise((resolve) => {
			this.open = resolve;
		});
	}

	/** Batch reads after the next `count` wait until `release` is called. */
	holdReadsAfter(count: number): { release: () => void } {
		let release!: () => void;
		this.readGate = new Promise((resolve) => {
			release = resolve;
		});
		this.readsBeforeHold = count;
		return { release };
	}
	private readGate: Promise<void> | undefined;
	private readsBeforeHold = 0;

	override async getArticles(refs: readonly ArticleRef[]): Promise<Article[]> {
		if (this.readGate && this.readsBeforeHold-- <= 0) await this.readGate;
		return super.getArticles(refs);
	}

	override async commitArticleChanges(commits: readonly ArticleCommit[]): Promise<CommitResult[]> {
		this.arrive();
		await this.gate;
		return super.commitArticleChanges(commits);
	}
}

async function publishedSite(ids: readonly string[] = ARTICLES) {
	const tables = new InMemoryTables();
	const articles = new GatedArticleStore(tables);
	articles.open();
	const uploads = new InMemoryObjectStore();
	const site = new InMemoryObjectStore();
	const clock = () => NOW;
	const wired = composeProcess(
		{
			uploads,
			site,
			articles,
			feeds: new InMemoryFeedStore(tables),
			uploadRecords: new InMemoryUploadStore(tables),
			agreements: new InMemoryAgreementStore(tables),
			agreementChanges: new InMemoryAgreementStore(tables),
			ledger: new InMemoryPublishLedger(tables),
		},
		{ siteUrl: SITE, owner: "takedown-first", clock },
	);
	const manage = makeManageAgreements({
		agreements: wired.agreements,
		changes: wired.agreementChanges,
		reevaluate: wired.reevaluateAgreement,
		clock,
	});
	await manage.addPartner({ partnerId: "science-news", name: "The Science News Ltd." });
	const grant = (scope: ("text" | "images")[]) =>
		manage.grantAgreement(
			{
				agreementId: "sn-jst-2023",
				partnerId: "science-news",
				holder: "The Science News Ltd.",
				translator: "JST",
				languages: ["en"],
				scope,
				from: "2020-01-01T00:00:00Z",
			},
			OPS,
		);
	await grant(["text", "images"]);
	for (const [i, id] of ids.entries()) {
		const bytes = makeBundle({ manifest: makeManifest({ id }) });
		const key = `incoming/science-news/${id}.zip`;
		await uploads.put(key, bytes);
		const result = await wired.ingestUpload({
			key,
			size: bytes.byteLength,
			eTag: `etag-${i}`,
			sequencer: String(i + 1),
			eventTime: NOW.toISOString(),
		});
		expect(result?.report.status).toBe("published");
	}
	const text = async (key: string) => {
		const object = await site.get(key);
		return object && "bytes" in object ? new TextDecoder().decode(object.bytes) : undefined;
	};
	const shown = async () => ({
		pages: (
			await Promise.all(
				ids.map(async (id) => {
					const key = `en/articles/science-news/${id}`;
					return (await site.get(key)) !== undefined && !(await isTakenDown(site, key));
				}),
			)
		).filter(Boolean).length,
		photos: (
			await Promise.all(ids.map((id) => site.get(`media/en/science-news/${id}/images/photo.png`)))
		).filter(Boolean).length,
		inLatest: (
			(JSON.parse((await text("feeds/en/latest.json")) ?? "{}").items ?? []) as {
				id: string;
				image?: string;
			}[]
		).filter((item) => ids.some((id) => item.id.includes(`:${id}:`))),
	});
	return { articles, manage, shown, grant, text };
}

describe("a takedown an agreement causes shows before its articles are re-decided", () => {
	it("revoke: pages, photos and listings are gone while the article commits still wait", async () => {
		const { articles, manage, shown, text } = await publishedSite();
		expect((await shown()).pages).toBe(3);
		expect((await shown()).inLatest).toHaveLength(3);

		articles.close();
		const revoking = manage.revokeAgreement("sn-jst-2023", OPS);
		await articles.reached;
		// Nothing re-decided yet: the articles are still stored as published.
		const during = await shown();
		expect(during.pages).toBe(0);
		expect(during.photos).toBe(0);
		expect(during.inLatest).toHaveLength(0);
		for (const key of ["en/index.html", "index.html", "feeds/en/partners/science-news.rss"]) {
			const body = (await text(key)) ?? "";
			for (const id of ARTICLES) expect(body, key).not.toContain(id);
		}

		articles.open();
		const result = await revoking;
		expect(result.reevaluated.changed).toBe(3);
		const after = await shown();
		expect(after.pages).toBe(0);
		expect(after.inLatest).toHaveLength(0);
	});

	it("images out of scope: photos leave pages and feeds before the commits, the text stays", async () => {
		const { articles, grant, shown, text } = await publishedSite();
		expect((await shown()).photos).toBe(3);

		articles.close();
		const amending = grant(["text"]);
		await articles.reached;
		const during = await shown();
		expect(during.photos).toBe(0);
		expect(during.pages).toBe(3);
		expect(during.inLatest).toHaveLength(3);
		expect(during.inLatest.every((item) => item.image === undefined)).toBe(true);
		expect(await text("en/articles/science-news/a-1")).not.toContain("photo.png");

		articles.open();
		await amending;
		expect((await shown()).photos).toBe(0);
	});

	it("many articles: the first hundred's takedown is out while the rest are still being read", async () => {
		const ids = Array.from({ length: 150 }, (_, i) => `m-${String(i).padStart(3, "0")}`);
		const { articles, manage, shown } = await publishedSite(ids);
		expect((await shown()).pages).toBe(150);

		// The first batch read goes through; the second waits until the test has looked.
		const held = articles.holdReadsAfter(1);
		const revoking = manage.revokeAgreement("sn-jst-2023", OPS);
		await expect.poll(async () => (await shown()).pages, { timeout: 5000, interval: 20 }).toBe(50);
		const during = await shown();
		expect(during.photos).toBe(50);
		// The feeds rendered for the first batch already leave out every revoked article.
		expect(during.inLatest).toHaveLength(0);

		held.release();
		const result = await revoking;
		expect(result.reevaluated.changed).toBe(150);
		expect((await shown()).pages).toBe(0);
	});
});
