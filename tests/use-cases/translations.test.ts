import { XMLValidator } from "fast-xml-parser";
import { describe, expect, it } from "vitest";
import { InMemoryAgreementStore } from "#shared/adapters/memory/in-memory-agreement-store.ts";
import { makeAgreement } from "../helpers/agreements.ts";
import { makeBundle, makeManifest } from "../helpers/bundles.ts";
import {
	type Alternates,
	expectReciprocal,
	expectSitemapAgrees,
	pageAlternates,
	sitemapAlternates,
} from "../helpers/hreflang.ts";
import { memoryWorld } from "../helpers/memory-services.ts";
import { publicKeys } from "../helpers/site.ts";

const NOW = new Date("2026-03-01T00:00:00Z");
const SITE = "https://site.test";
const ID = "2023-02-green-league";
const OPS = { by: "ops", reason: "complaint" };

// An agreement of its own for the third language: the demo agreement covers en and zh.
const FRENCH = makeAgreement({ agreementId: "sn-fr-2026", languages: ["fr"] });

// RFC 5646's shape (language, script, region, variants), checked beside what ICU accepts.
/** The URL a site key is served at: a folder's `index.html` at the folder. */
const urlOf = (key: string) => `${SITE}/${key.replace(/(^|\/)index\.html$/, "$1")}`;

async function translatedWorld() {
	const world = await memoryWorld({ clock: () => NOW });
	const seeding = new InMemoryAgreementStore(world.tables);
	const revision = await seeding.putAgreement(FRENCH, {
		at: NOW,
		action: "grant",
		by: "test",
		reason: "a third language",
	});
	await seeding.settleChange(FRENCH.agreementId, revision);
	const wired = world.services();
	const publish = async (language: string, headline: string, agreement = "sn-jst-2023") => {
		const manifest = makeManifest({
			id: ID,
			language,
			headline,
			// Written in English first: its version is every other's x-default.
			original: { language: "en", publication: "The Science News" },
			rights: { ...(makeManifest().rights as object), agreement },
		});
		const event = await world.putUpload(
			`incoming/science-news/${ID}-${language}.zip`,
			makeBundle({ manifest }),
		);
		expect((await wired.ingestUpload(event))?.report.status).toBe("published");
	};
	return { world, wired, publish };
}

type World = Awaited<ReturnType<typeof translatedWorld>>["world"];

/** Every `<link rel="alternate" hreflang>` of every HTML page the site serves, by page URL. */
async function hreflangGraph(world: World): Promise<Map<string, Alternates>> {
	const graph = new Map<string, Alternates>();
	for (const key of await publicKeys(world.site)) {
		if (!world.site.head(key)?.contentType?.startsWith("text/html")) continue;
		const links = pageAlternates((await world.text(key)) ?? "", key);
		if (links.size > 0) graph.set(urlOf(key), links);
	}
	return graph;
}

async function expectSitemapAgreesIn(world: World, graph: Map<string, Alternates>) {
	expectSitemapAgrees(sitemapAlternates((await world.text("sitemap.xml")) ?? ""), graph);
}

const page = (language: string) => `${SITE}/${language}/articles/science-news/${ID}`;

describe("an article's language versions link each other", () => {
	it("publishes en, then zh, then fr: every page's hreflang links are reciprocal, the original is x-default", async () => {
		const { world, publish } = await translatedWorld();
		await publish("en", "Green league");
		await publish("zh", "绿色联盟");
		await publish("fr", "Ligue verte", FRENCH.agreementId);

		const graph = await hreflangGraph(world);
		expectReciprocal(graph);
		await expectSitemapAgreesIn(world, graph);
		const expected = new Map([
			["en", page("en")],
			["fr", page("fr")],
			["zh", page("zh")],
			["x-default", page("en")],
		]);
		for (const language of ["en", "zh", "fr"]) expect(graph.get(page(language))).toEqual(expected);
		// The front pages are each other's versions, the home page their x-default.
		expect(graph.get(`${SITE}/zh/`)).toEqual(
			new Map([
				["en", `${SITE}/en/`],
				["fr", `${SITE}/fr/`],
				["zh", `${SITE}/zh/`],
				["x-default", `${SITE}/`],
			]),
		);

		// The switcher names the others in their own language.
		const en = (await world.text(`en/articles/science-news/${ID}`)) ?? "";
		expect(en).toContain(`<a href="${page("zh")}" hreflang="zh" lang="zh">中文</a>`);
		expect(en).toContain(`<a href="${page("fr")}" hreflang="fr" lang="fr">français</a>`);
		const zhFront = (await world.text("zh/index.html")) ?? "";
		expect(zhFront).toContain(`<a href="${SITE}/en/" hreflang="en" lang="en">English</a>`);
	});

	it("the feeds of en, published first, carry its translations once zh is published", async () => {
		const { world, publish } = await translatedWorld();
		await publish("en", "Green league");
		await publish("zh", "绿色联盟");

		const atom = (await world.text("feeds/en/latest.atom")) ?? "";
		expect(atom).toContain(
			`<link rel="alternate" type="text/html" hreflang="zh" href="${page("zh")}"/>`,
		);
		const json = JSON.parse((await world.text("feeds/zh/latest.json")) ?? "{}");
		expect(json.items[0]._syndicate.translations).toEqual([{ language: "en", url: page("en") }]);
		// Not in the feed documents of a partner's or a subject's only: every feed lists the item.
		const partner = (await world.text("feeds/en/partners/science-news.atom")) ?? "";
		expect(partner).toContain(`hreflang="zh" href="${page("zh")}"`);
	});

	it("a sitemap lists every public page with its alternates, well formed, as application/xml", async () => {
		const { world, publish } = await translatedWorld();
		await publish("en", "Green league");
		await publish("zh", "绿色联盟");

		const xml = (await world.text("sitemap.xml")) ?? "";
		expect(world.site.head("sitemap.xml")?.contentType).toBe("application/xml");
		expect(XMLValidator.validate(xml)).toBe(true);
		expect(xml).toContain('xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"');
		expect(xml).toContain('xmlns:xhtml="http://www.w3.org/1999/xhtml"');
		const sitemap = sitemapAlternates(xml);
		expect([...sitemap.keys()]).toEqual([
			`${SITE}/`,
			`${SITE}/en/`,
			`${SITE}/zh/`,
			page("en"),
			page("zh"),
		]);
		// In order: the versions, then the original's as x-default.
		expect([...(sitemap.get(page("zh")) ?? [])]).toEqual([
			["en", page("en")],
			["zh", page("zh")],
			["x-default", page("en")],
		]);
	});

	it("a feed row written before rows named the original's language: the sitemap reads its article", async () => {
		const { world, wired, publish } = await translatedWorld();
		await publish("en", "Green league");
		await publish("zh", "绿色联盟");
		for (const rows of [...world.tables.feeds.values(), ...world.tables.archives.values()]) {
			for (const item of rows.values()) delete item.originalLanguage;
		}
		await wired.publishTargets(["sitemap"]);

		const sitemap = sitemapAlternates((await world.text("sitemap.xml")) ?? "");
		expect(sitemap.get(page("zh"))?.get("x-default")).toBe(page("en"));
		await expectSitemapAgreesIn(world, await hreflangGraph(world));
	});

	it("a translation of an article in a full archive page: the archive documents name it", async () => {
		const { world, wired, publish } = await translatedWorld();
		await publish("en", "Green league");
		// Enough newer articles that the first is in a full archive page, never rendered again
		// unless marked stale.
		for (let n = 1; n <= 55; n++) {
			const id = `2023-03-filler-${n}`;
			const manifest = makeManifest({ id, headline: `Filler ${n}` });
			const event = await world.putUpload(
				`incoming/science-news/${id}-en.zip`,
				makeBundle({ manifest }),
			);
			expect((await wired.ingestUpload(event))?.report.status).toBe("published");
		}
		const archive = "feeds/en/latest/archive/1.atom";
		expect((await world.text(archive)) ?? "").toContain(page("en"));
		expect((await world.text(archive)) ?? "").not.toContain(page("zh"));

		await publish("zh", "绿色联盟");
		expect((await world.text(archive)) ?? "").toContain(
			`<link rel="alternate" type="text/html" hreflang="zh" href="${page("zh")}"/>`,
		);
		const json = JSON.parse((await world.text("feeds/en/latest/archive/1.json")) ?? "{}");
		const en = json.items.find((item: { url: string }) => item.url === page("en"));
		expect(en._syndicate.translations).toEqual([{ language: "zh", url: page("zh") }]);

		// And when it goes, they name it no longer.
		await wired.withdraw({ partnerId: "science-news", articleId: ID, language: "zh", ...OPS });
		expect((await world.text(archive)) ?? "").not.toContain(page("zh"));
	});

	it("takes zh down: en and fr no longer link it, the graph stays reciprocal, the sitemap drops it", async () => {
		const { world, wired, publish } = await translatedWorld();
		await publish("en", "Green league");
		await publish("zh", "绿色联盟");
		await publish("fr", "Ligue verte", FRENCH.agreementId);
		await wired.withdraw({ partnerId: "science-news", articleId: ID, language: "zh", ...OPS });

		const graph = await hreflangGraph(world);
		expectReciprocal(graph);
		await expectSitemapAgreesIn(world, graph);
		expect(graph.has(page("zh"))).toBe(false);
		for (const language of ["en", "fr"]) {
			expect(graph.get(page(language))).toEqual(
				new Map([
					["en", page("en")],
					["fr", page("fr")],
					["x-default", page("en")],
				]),
			);
		}
		expect((await world.text("feeds/en/latest.atom")) ?? "").not.toContain(page("zh"));
		expect((await world.text("sitemap.xml")) ?? "").not.toContain(page("zh"));
	});

	it("takes the original down: no x-default, for there is no page of the original", async () => {
		const { world, wired, publish } = await translatedWorld();
		await publish("en", "Green league");
		await publish("zh", "绿色联盟");
		await wired.withdraw({ partnerId: "science-news", articleId: ID, language: "en", ...OPS });

		const graph = await hreflangGraph(world);
		expectReciprocal(graph);
		await expectSitemapAgreesIn(world, graph);
		expect(graph.get(page("zh"))).toEqual(new Map([["zh", page("zh")]]));
	});
});
