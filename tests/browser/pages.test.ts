import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalStack, startEphemeralStack } from "../../local/stack.ts";
import { exampleBundle } from "../helpers/bundles.ts";
import { upload } from "../helpers/stack.ts";

// Debian's `chromium` (what .ci/run installs) first; CHROMIUM_PATH for any other.
const executablePath = [
	process.env.CHROMIUM_PATH,
	"/usr/bin/chromium",
	"/usr/bin/chromium-browser",
	"/usr/bin/google-chrome",
].find((path): path is string => path !== undefined && path !== "" && existsSync(path));

if (!executablePath) {
	console.warn(
		"SKIPPED tests/browser/pages.test.ts: no Chromium found (looked for $CHROMIUM_PATH, /usr/bin/chromium, /usr/bin/chromium-browser, /usr/bin/google-chrome). Install it with `apt-get install chromium fonts-wqy-zenhei`, as .ci/run does.",
	);
}

const SCREENSHOTS = join(import.meta.dirname, "../../docs/screenshots");
const ARTICLE = "2023-02-hitachi-china-green-league";
const WIDE = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };

let stack: LocalStack;
let browser: Browser;
// Every URL already checked, so each link is fetched once however many pages carry it.
const checked = new Map<string, number>();

/** What a page did while loading: console errors, failed requests, and its final status. */
interface Visit {
	page: Page;
	status: number;
	problems: string[];
}

async function visit(path: string, viewport: { width: number; height: number }): Promise<Visit> {
	const page = await browser.newPage({ viewport });
	const problems: string[] = [];
	page.on("console", (message) => {
		if (message.type() === "error") {
			problems.push(`console: ${message.text()} (${message.location().url})`);
		}
	});
	page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
	page.on("requestfailed", (request) => problems.push(`failed: ${request.url()}`));
	page.on("response", (response) => {
		const own = response.request().isNavigationRequest();
		if (!own && response.status() >= 400) problems.push(`${response.status()}: ${response.url()}`);
	});
	const response = await page.goto(`${stack.endpoints.edgeUrl}${path}`, { waitUntil: "load" });
	return { page, status: response?.status() ?? 0, problems };
}

/** Every link and linked resource of a page resolves: same-page anchors exist, the rest < 400. */
async function expectLinksResolve(page: Page): Promise<number> {
	// Expressions as strings: the tests are type-checked without the DOM library.
	const urls = await page.evaluate<string[]>(
		`[...document.querySelectorAll("a[href], link[href], img[src]")].map((e) => e.href || e.src)`,
	);
	const here = new URL(page.url());
	const broken: string[] = [];
	for (const raw of new Set(urls)) {
		const url = new URL(raw);
		if (url.origin === here.origin && url.pathname === here.pathname && url.hash) {
			const id = decodeURIComponent(url.hash.slice(1));
			if ((await page.locator(`[id="${id}"]`).count()) !== 1) broken.push(`${raw} (no #${id})`);
			continue;
		}
		// Only the site's own links: the examples link nothing outside it, and tests stay offline.
		expect(url.origin, `${raw} leaves the site`).toBe(new URL(stack.endpoints.edgeUrl).origin);
		const key = url.origin + url.pathname + url.search;
		let status = checked.get(key);
		if (status === undefined) {
			status = (await fetch(key, { redirect: "follow" })).status;
			checked.set(key, status);
		}
		if (status >= 400) broken.push(`${raw} → ${status}`);
	}
	expect(broken, `broken links on ${page.url()}`).toEqual([]);
	return urls.length;
}

/** The stylesheet applied (the CSP allows no other styles), and nothing scrolls sideways. */
async function expectReadable(page: Page, viewport: { width: number }): Promise<void> {
	const layout = await page.evaluate<{ scrollWidth: number; bodyMargin: string; sheets: number }>(
		`({
			scrollWidth: document.documentElement.scrollWidth,
			bodyMargin: getComputedStyle(document.body).marginTop,
			sheets: document.styleSheets.length,
		})`,
	);
	expect(layout.sheets).toBe(1);
	expect(layout.bodyMargin).toBe("0px");
	expect(layout.scrollWidth, `horizontal scroll at ${viewport.width}px`).toBeLessThanOrEqual(
		viewport.width,
	);
}

/**
 * Saves a screenshot for the README when there is none yet, or when UPDATE_SCREENSHOTS=1: the
 * pages show the edge's port, so a run would otherwise change the committed files every time.
 */
async function screenshot(page: Page, name: string): Promise<void> {
	const path = join(SCREENSHOTS, `${name}.png`);
	if (existsSync(path) && process.env.UPDATE_SCREENSHOTS !== "1") return;
	await page.screenshot({ path, fullPage: true });
}

describe.skipIf(!executablePath)("the pages in headless Chromium, through the local edge", () => {
	beforeAll(async () => {
		const { chromium } = await import("playwright-core");
		[stack, browser] = await Promise.all([
			startEphemeralStack(),
			chromium.launch({ executablePath, args: ["--no-sandbox"] }),
		]);
		await upload(stack, "incoming/science-news/en.zip", await exampleBundle("hitachi-china-en"));
		await upload(stack, "incoming/science-news/zh.zip", await exampleBundle("hitachi-china-zh"));
		await upload(
			stack,
			"incoming/science-news/en-v2.zip",
			await exampleBundle("hitachi-china-en-v2"),
		);
		await mkdir(SCREENSHOTS, { recursive: true });
	}, 180_000);
	afterAll(async () => {
		await browser?.close();
		await stack?.stop();
	});

	it("every page renders, in its language, with every link resolving and no console error", async () => {
		const pages = [
			{ path: "/", lang: "en", h1: "Latest News" },
			{ path: "/en/", lang: "en", h1: "Latest News" },
			{ path: "/zh/", lang: "zh", h1: "最新消息" },
			{ path: `/en/articles/science-news/${ARTICLE}`, lang: "en", h1: "Hitachi collaborates" },
			{ path: `/zh/articles/science-news/${ARTICLE}`, lang: "zh", h1: "日立与中国合作企业" },
		];
		for (const viewport of [WIDE, PHONE]) {
			for (const { path, lang, h1 } of pages) {
				const { page, status, problems } = await visit(path, viewport);
				expect(status, path).toBe(200);
				expect(await page.getAttribute("html", "lang")).toBe(lang);
				expect(await page.locator("h1").first().textContent()).toContain(h1);
				await expectReadable(page, viewport);
				if (viewport === WIDE) await expectLinksResolve(page);
				expect(problems, `${path} at ${viewport.width}px`).toEqual([]);
				await page.close();
			}
		}
	}, 180_000);

	it("each front page puts Recent Updates and Most Viewed beside Latest News, below it on a phone", async () => {
		const empty = { en: "No articles yet.", zh: "暂无文章。" };
		for (const lang of ["en", "zh"] as const) {
			for (const viewport of [WIDE, PHONE]) {
				const { page } = await visit(`/${lang}/`, viewport);
				const latest = await page
					.locator(`section[aria-labelledby="latest-${lang}"]`)
					.boundingBox();
				const aside = await page.locator("main aside").boundingBox();
				if (!latest || !aside)
					throw new Error("the front page has no Latest News or no side column");
				if (viewport === WIDE) expect(aside.x).toBeGreaterThan(latest.x + latest.width - 1);
				else expect(aside.y).toBeGreaterThanOrEqual(latest.y + latest.height - 1);
				for (const id of [`updated-${lang}`, `most-viewed-${lang}`]) {
					const section = page.locator(`section[aria-labelledby="${id}"]`);
					const items = await section.locator("li").count();
					// Filled once there are updates and views; until then it says so, and links no feed
					// (a feed with no items is not written).
					if (items === 0) expect(await section.textContent()).toContain(empty[lang]);
					const feeds = await section.locator('a[type="application/atom+xml"]').count();
					expect(feeds).toBe(items === 0 ? 0 : 1);
				}
				expect(await page.locator("#subscribe").textContent()).toContain("/feeds/index.opml");
				await screenshot(page, `front-${lang}-${viewport.width}`);
				await page.close();
			}
		}
	}, 60_000);

	it("the article page shows its photo, attribution and the way back; the Chinese one renders CJK", async () => {
		const en = await visit(`/en/articles/science-news/${ARTICLE}`, WIDE);
		const photoLoaded = await en.page.evaluate<boolean>(
			`[...document.querySelectorAll(".story img")].every((img) => img.complete && img.naturalWidth > 0)`,
		);
		expect(await en.page.locator(".story img").count()).toBe(1);
		expect(photoLoaded).toBe(true);
		expect(await en.page.locator(".story figcaption").first().textContent()).toContain(
			"Photo: The Science News Ltd.",
		);
		expect(await en.page.locator(".attribution").textContent()).toContain(
			"with permission from The Science News Ltd.",
		);
		await en.page.getByRole("link", { name: "Back to Latest News" }).click();
		expect(new URL(en.page.url()).pathname).toBe("/en/");
		await en.page.goBack();
		await en.page.close();

		const zh = await visit(`/zh/articles/science-news/${ARTICLE}`, PHONE);
		// The demo agreement gives its notice in Chinese: the whole attribution is Chinese.
		expect(await zh.page.locator(".attribution").getAttribute("lang")).toBeNull();
		expect(await zh.page.locator(".attribution").textContent()).toBe(
			"本文由JST经The Science News Ltd.许可翻译。未经许可，禁止转载本文及照片。",
		);
		expect(await zh.page.getByRole("link", { name: "返回最新消息" }).count()).toBe(1);
		// The headline is drawn with a font that has the Han characters, not as empty boxes.
		const cdp = await zh.page.context().newCDPSession(zh.page);
		await cdp.send("DOM.enable");
		await cdp.send("CSS.enable");
		const { root } = await cdp.send("DOM.getDocument");
		const { nodeId } = await cdp.send("DOM.querySelector", { nodeId: root.nodeId, selector: "h1" });
		const { fonts } = await cdp.send("CSS.getPlatformFontsForNode", { nodeId });
		const headline = (await zh.page.locator("h1").textContent()) ?? "";
		const han = [...headline].filter((c) => /\p{Script=Han}/u.test(c)).length;
		const cjkGlyphs = fonts
			.filter((font) =>
				/wenquanyi|cjk|han sans|noto sans (sc|tc|jp)|droid sans fallback/i.test(font.familyName),
			)
			.reduce((sum, font) => sum + font.glyphCount, 0);
		expect(cjkGlyphs, JSON.stringify(fonts)).toBeGreaterThanOrEqual(han);
		await zh.page.close();
	}, 60_000);

	it("an English article and its Chinese translation link each other, each wholly in its own language", async () => {
		const paths = {
			en: `/en/articles/science-news/${ARTICLE}`,
			zh: `/zh/articles/science-news/${ARTICLE}`,
		};
		// What a Chinese reader must not meet: the English interface, slugs, the partner's id.
		const english = [
			"Latest News",
			"Recent Updates",
			"Most Viewed",
			"Subscribe",
			"Follow this story",
			"Published",
			"Photo:",
			"Original",
			"translated by",
			"Unauthorized",
			"science-news",
			"green-technology",
		];
		for (const viewport of [WIDE, PHONE]) {
			for (const [lang, other] of [
				["en", "zh"],
				["zh", "en"],
			] as const) {
				const { page, problems } = await visit(paths[lang], viewport);
				// Each version names every public version, itself included, and no other.
				const alternates = await page.$$eval('head link[rel="alternate"][hreflang]', (links) =>
					links.map((link) => [
						link.getAttribute("hreflang"),
						new URL(link.getAttribute("href") ?? "").pathname,
					]),
				);
				expect(Object.fromEntries(alternates), paths[lang]).toEqual(paths);
				const data = JSON.parse(
					(await page.locator('script[type="application/ld+json"]').textContent()) ?? "{}",
				);
				expect(data).toMatchObject({ "@type": "NewsArticle", inLanguage: lang });
				if (lang === "zh") {
					const text = (await page.locator("body").textContent()) ?? "";
					for (const word of english)
						expect(text, `${word} on the Chinese page`).not.toContain(word);
					expect(text).toContain("The Science News Ltd. 的全部文章");
					expect(text).toContain("主题：中国");
				}
				await screenshot(page, `article-${lang}-${viewport.width}`);
				// The language switcher leads to the translation, in its language.
				const switcher = page.locator(`.lang-switch a[hreflang="${other}"]`);
				expect(await switcher.count(), `switcher on ${paths[lang]}`).toBe(1);
				await switcher.click();
				await page.waitForURL(`**${paths[other]}`);
				expect(await page.getAttribute("html", "lang")).toBe(other);
				expect(problems).toEqual([]);
				await page.close();
			}
		}
	}, 120_000);

	it("an unknown path gets the site's 404 page with the way back; /en goes to /en/", async () => {
		const missing = await visit("/en/articles/science-news/no-such-article", WIDE);
		expect(missing.status).toBe(404);
		expect(await missing.page.locator("h1").textContent()).toBe("Page not found");
		expect(await missing.page.locator('a[hreflang="zh"]').first().getAttribute("lang")).toBe("zh");
		await screenshot(missing.page, "404");
		await expectReadable(missing.page, WIDE);
		await expectLinksResolve(missing.page);
		expect(missing.problems.filter((p) => !p.includes("404"))).toEqual([]);
		await missing.page.close();

		const redirected = await visit("/en", PHONE);
		expect(redirected.status).toBe(200);
		expect(new URL(redirected.page.url()).pathname).toBe("/en/");
		await redirected.page.close();
	}, 60_000);

	it("a feed opened in a browser reads as a page of its items that says how to subscribe", async () => {
		const feeds = [
			{
				path: "/feeds/en/latest.rss",
				type: "application/rss+xml",
				title: "Syndicate: Latest News · English",
				preview: "This is a feed.",
			},
			{
				path: "/feeds/en/latest.atom",
				type: "application/atom+xml",
				title: "Syndicate: Latest News · English",
				preview: "This is a feed.",
			},
			{
				path: "/feeds/zh/latest.atom",
				type: "application/atom+xml",
				title: "Syndicate: 最新消息 · 中文",
				preview: "这是一个订阅源",
			},
		];
		for (const { path, type, title: feedTitle, preview } of feeds) {
			const page = await browser.newPage({ viewport: WIDE });
			const problems: string[] = [];
			page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
			page.on("response", (response) => {
				if (response.status() >= 400) problems.push(`${response.status()}: ${response.url()}`);
			});
			const served: Record<string, string> = {};
			// Chromium shows RSS and Atom media types as plain text, never applying their stylesheet;
			// Firefox and Safari read them as XML. The edge's answer is passed on as they read it:
			// the same bytes and headers (its content security policy too), typed as XML.
			await page.route(`**${path}`, async (route) => {
				const response = await route.fetch();
				Object.assign(served, response.headers());
				await route.fulfill({
					response,
					headers: { ...response.headers(), "content-type": "application/xml; charset=utf-8" },
				});
			});
			await page.goto(`${stack.endpoints.edgeUrl}${path}`, { waitUntil: "load" });
			expect(served["content-type"], path).toBe(`${type}; charset=utf-8`);
			const title = await page.locator("title").textContent();
			expect(title).toBe(feedTitle);
			expect(await page.locator("h1").textContent()).toBe(title);
			expect(await page.locator(".subscribe").textContent()).toContain(preview);
			expect(await page.locator(".subscribe .url").textContent()).toBe(
				`${stack.endpoints.edgeUrl}${path}`,
			);
			const items = page.locator(".items > li");
			expect(await items.count()).toBeGreaterThan(0);
			expect(await items.first().locator("a").getAttribute("href")).toMatch(/\/articles\//);
			expect(await items.first().locator(".meta").textContent()).toMatch(/\d{4}/);
			// The site's stylesheet, as the feed's CSP allows no other style.
			expect(await page.evaluate<number>("document.styleSheets.length")).toBe(1);
			await expectLinksResolve(page);
			expect(problems, path).toEqual([]);
			await page.close();
		}
	}, 60_000);
});
