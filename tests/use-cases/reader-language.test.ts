import { describe, expect, it } from "vitest";
import { InMemoryAgreementStore } from "#shared/adapters/memory/in-memory-agreement-store.ts";
import { makeManageAgreements } from "#shared/use-cases/manage-agreements.ts";
import { makeAgreement } from "../helpers/agreements.ts";
import { makeBundle, makeManifest } from "../helpers/bundles.ts";
import { memoryWorld } from "../helpers/memory-services.ts";

// Issue 23 §2: a Chinese reader reads a Chinese page, feed and OPML wholly in Chinese where the
// partner gave the words (the notice, the subjects' names), and the partner by its name.

const NOW = new Date("2026-03-01T00:00:00Z");
const PAGE = "zh/articles/science-news/a1";
const ZH_NOTICE = "未经许可，禁止转载本文及照片。";
const ENGLISH_NOTICE = "Unauthorized reproduction of the article and photographs is prohibited.";

async function publishChinese(
	options: { notices?: Record<string, string>; manifest?: Record<string, unknown> } = {},
) {
	const world = await memoryWorld({ clock: () => NOW });
	if (options.notices) {
		const store = new InMemoryAgreementStore(world.tables);
		const revision = await store.putAgreement(makeAgreement({ notices: options.notices }), {
			at: NOW,
			action: "amend",
			by: "test",
			reason: "the notice in Chinese",
		});
		await store.settleChange("sn-jst-2023", revision);
	}
	const manifest = makeManifest({
		id: "a1",
		language: "zh",
		headline: "日立加入绿色发展联盟",
		summary: "日立宣布开展合作。",
		subjects: ["green-technology", "china"],
		...options.manifest,
	});
	const event = await world.putUpload("incoming/science-news/a1.zip", makeBundle({ manifest }));
	expect((await world.services().ingestUpload(event))?.report.status).toBe("published");
	const text = async (key: string) => (await world.text(key)) ?? "";
	return { world, page: await text(PAGE), text };
}

describe("a Chinese article, published", () => {
	it("prints the attribution and the notice in Chinese when the agreement gives the notice in Chinese", async () => {
		const { page, text } = await publishChinese({ notices: { zh: ZH_NOTICE } });
		const line = `本文由JST经The Science News Ltd.许可翻译。${ZH_NOTICE}`;
		expect(page).toContain(`<p class="attribution">${line}</p>`);
		expect(page).not.toContain(ENGLISH_NOTICE);
		const ninjs = JSON.parse(await text(`${PAGE}.ninjs.json`));
		expect(ninjs).toMatchObject({ usageTerms: line, copyrightNotice: ZH_NOTICE });
		const feed = await text("feeds/zh/latest.atom");
		expect(feed).toContain(`<rights type="text">${line}</rights>`);
		expect(feed).toContain(`&lt;p class=&quot;attribution&quot;&gt;${line}`);
	});

	it("keeps the attribution English, marked so, when the agreement has no Chinese notice", async () => {
		const { page, text } = await publishChinese();
		expect(page).toContain(
			`<p class="attribution" lang="en">This article has been translated by JST with permission from The Science News Ltd. ${ENGLISH_NOTICE}</p>`,
		);
		const ninjs = JSON.parse(await text(`${PAGE}.ninjs.json`));
		expect(ninjs.copyrightNotice).toBe(ENGLISH_NOTICE);
		const feed = await text("feeds/zh/latest.atom");
		expect(feed).toContain('<rights type="text" xml:lang="en">This article has been translated');
		expect(feed).toContain("&lt;p class=&quot;attribution&quot; lang=&quot;en&quot;&gt;");
	});

	it("follows an amendment that adds the Chinese notice: its articles are decided again", async () => {
		const { world, text } = await publishChinese();
		const wired = world.services();
		const manage = makeManageAgreements({
			agreements: new InMemoryAgreementStore(world.tables),
			changes: wired.agreementChanges,
			reevaluate: wired.reevaluateAgreement,
			clock: () => NOW,
			owner: "ops",
		});
		const {
			notices: _none,
			status: _status,
			validFrom,
			validUntil: _open,
			...terms
		} = makeAgreement();
		await manage.grantAgreement(
			{ ...terms, from: validFrom, notices: { zh: ZH_NOTICE } },
			{ by: "ops", reason: "the partner sent its notice in Chinese" },
		);
		expect(await text(PAGE)).toContain(
			`<p class="attribution">本文由JST经The Science News Ltd.许可翻译。${ZH_NOTICE}</p>`,
		);
		expect(await text("feeds/zh/latest.atom")).toContain(`<rights type="text">本文由JST`);
	});

	it("titles its feeds, and words their items' links, in Chinese", async () => {
		const { text } = await publishChinese();
		const rss = await text("feeds/zh/latest.rss");
		expect(rss).toContain("<title>Syndicate: 最新消息 · 中文</title>");
		expect(rss).toContain(
			"<description>最新消息 · 中文：经各文章版权所有者许可翻译并转载的文章。</description>",
		);
		const json = JSON.parse(await text("feeds/zh/latest.json"));
		expect(json.items[0].content_html).toContain(">阅读全文</a>");
		expect(`${rss}${JSON.stringify(json)}`).not.toMatch(/Read the full article|Latest News|Photo:/);
	});

	it("names its subjects as the manifest does, and the partner by its registered name", async () => {
		const { page, text } = await publishChinese({
			manifest: { subjectNames: { china: "中国", "green-technology": "绿色技术" } },
		});
		expect(page).toContain("<li>主题：中国 — <a ");
		expect(page).toContain("<li>主题：绿色技术 — <a ");
		expect(page).toContain("<li>The Science News Ltd. 的全部文章 — <a ");
		expect(page).not.toMatch(/主题：china|science-news 的全部文章|：[^<]*: <a/);
		expect(await text("feeds/zh/subjects/china.rss")).toContain(
			"<title>Syndicate: 主题：中国 · 中文</title>",
		);
		expect(await text("feeds/zh/partners/science-news.rss")).toContain(
			"<title>Syndicate: The Science News Ltd. 的全部文章 · 中文</title>",
		);
		const ninjs = JSON.parse(await text(`${PAGE}.ninjs.json`));
		expect(ninjs.subjects).toContainEqual({ name: "中国", literal: "china", rel: "about" });
		const opml = await text("feeds/index.opml");
		expect(opml).toContain('text="主题：中国 · 中文"');
		expect(opml).toContain('text="The Science News Ltd. 的全部文章 · 中文"');
		expect(opml).not.toContain("From science-news");
	});

	it("shows a subject the manifest does not name as its slug made readable", async () => {
		const { page, text } = await publishChinese();
		expect(page).toContain("<li>主题：Green technology — <a ");
		expect(await text("feeds/index.opml")).toContain('text="主题：Green technology · 中文"');
	});
});
