import { XMLParser, XMLValidator } from "fast-xml-parser";
import { describe, expect, it } from "vitest";
import { FEED_DOCUMENT_MAX_BYTES } from "#shared/domain/render/feed-full-text.ts";
import type { GrantInput } from "#shared/use-cases/agreement-input.ts";
import { makeAgreement } from "../helpers/agreements.ts";
import { makeBundle, makeManifest } from "../helpers/bundles.ts";
import { tickingWorld } from "../helpers/memory-services.ts";

const SITE = "https://site.test";
const OPS = { by: "ops", reason: "issue 23" };
const PHOTO = `${SITE}/media/en/science-news/a1/images/photo.png`;
// An inline photo, a relative link, and text that would end a CDATA section.
const BODY =
	'<p>The whole translation, first paragraph.</p><figure><img src="images/photo.png" alt="Inline alt"><figcaption>At the lab</figcaption></figure><p>See <a href="related">the related story</a>; a ]]&gt; b.</p>';
const ATTRIBUTION =
	"This article has been translated by JST with permission from The Science News Ltd. Unauthorized reproduction of the article and photographs is prohibited.";

const xml = new XMLParser({
	ignoreAttributes: false,
	attributeNamePrefix: "@",
	htmlEntities: true,
	isArray: (name) => ["item", "entry"].includes(name),
});

type Node = Record<string, unknown>;

/** The demo agreement as a grant states it, with any term changed. */
function grantOf(overrides: Partial<GrantInput> = {}): GrantInput {
	const agreement = makeAgreement();
	return {
		agreementId: agreement.agreementId,
		partnerId: agreement.partnerId,
		holder: agreement.holder,
		translator: agreement.translator,
		languages: agreement.languages,
		scope: agreement.scope,
		from: agreement.validFrom,
		notice: agreement.notice,
		...overrides,
	};
}

async function setUp() {
	const { world, services, manage } = await tickingWorld("2026-03-01T00:00:00Z");
	let count = 0;
	async function upload(id: string, body = BODY) {
		count += 1;
		const at = new Date(Date.parse("2026-02-01T00:00:00Z") + count * 60_000).toISOString();
		const event = await world.putUpload(
			`incoming/science-news/${id}-${count}.zip`,
			makeBundle({
				manifest: makeManifest({
					id,
					headline: `Headline ${id}`,
					firstCreated: at,
					versionCreated: at,
				}),
				files: { "article.html": body },
			}),
		);
		const result = await services.ingestUpload(event);
		expect(result?.report.status).toBe("published");
	}
	/** The content of each format's items, newest first, the documents checked as they parse. */
	async function contents(path = "feeds/en/latest") {
		const [rss = "", atom = "", json = ""] = await Promise.all(
			["rss", "atom", "json"].map(async (format) => {
				const text = await world.text(`${path}.${format}`);
				if (text === undefined) throw new Error(`no ${path}.${format}`);
				return text;
			}),
		);
		for (const text of [rss, atom]) {
			expect(XMLValidator.validate(text)).toBe(true);
			expect(text).not.toContain("CDATA");
		}
		const items = (xml.parse(rss).rss.channel.item ?? []) as Node[];
		const entries = (xml.parse(atom).feed.entry ?? []) as Node[];
		const jsonItems = (JSON.parse(json) as { items: Node[] }).items;
		return {
			rss: items.map((item) => String(item["content:encoded"])),
			atom: entries.map((entry) => String((entry.content as Node)["#text"])),
			json: jsonItems.map((item) => String(item.content_html)),
			bytes: [rss, atom, json].map((text) => new TextEncoder().encode(text).byteLength),
		};
	}
	return { world, manage, upload, contents };
}

const formats = ["rss", "atom", "json"] as const;

describe("full text in feeds where the agreement allows it (issue 23 §3)", () => {
	it("a full-text agreement puts the body, its attribution and its photo at an absolute URL into every format", async () => {
		const { manage, upload, contents } = await setUp();
		await manage.grantAgreement(grantOf({ fullTextInFeeds: true }), OPS);
		await upload("a1");
		const shown = await contents();
		for (const format of formats) {
			const [content = ""] = shown[format];
			expect(content, format).toContain("The whole translation, first paragraph.");
			expect(content, format).toContain(ATTRIBUTION);
			expect(content, format).toContain(`<img src="${PHOTO}" alt="Inline alt">`);
			expect(content, format).toContain("<small>Photo: Someone</small>");
			// A relative link, resolved as on the article's page.
			expect(content, format).toContain(
				`<a href="${SITE}/en/articles/science-news/related" rel="nofollow noopener">`,
			);
			// Text that would end a CDATA section arrives as the text it was.
			expect(content, format).toContain("a ]]&gt; b.");
			// The photo the body shows inline is not repeated above it.
			expect(content.split(PHOTO).length - 1, format).toBe(1);
			expect(content, format).not.toContain("Read the full article");
		}
	});

	it("a teaser agreement keeps the teaser and the link", async () => {
		const { upload, contents } = await setUp();
		await upload("a1");
		const shown = await contents();
		for (const format of formats) {
			const [content = ""] = shown[format];
			expect(content, format).not.toContain("The whole translation");
			expect(content, format).toContain("A short teaser.");
			expect(content, format).toContain(ATTRIBUTION);
			expect(content, format).toContain("Read the full article");
		}
	});

	it("a text-only agreement's full text has no photo", async () => {
		const { manage, upload, contents } = await setUp();
		await manage.grantAgreement(grantOf({ fullTextInFeeds: true, scope: ["text"] }), OPS);
		await upload("a1");
		const shown = await contents();
		for (const format of formats) {
			const [content = ""] = shown[format];
			expect(content, format).toContain("The whole translation, first paragraph.");
			expect(content, format).not.toContain("<img");
			expect(content, format).not.toContain("At the lab");
			expect(content, format).not.toContain("/media/");
		}
	});

	it("turning full text on, narrowing the scope and turning it off again renders the feeds again", async () => {
		const { manage, upload, contents } = await setUp();
		await upload("a1");
		const teaser = (content: string) => !content.includes("The whole translation");
		expect((await contents()).atom.every(teaser)).toBe(true);

		await manage.grantAgreement(grantOf({ fullTextInFeeds: true }), OPS);
		for (const path of [
			"feeds/en/latest",
			"feeds/en/partners/science-news",
			"feeds/en/subjects/energy",
		]) {
			const shown = await contents(path);
			for (const format of formats) {
				expect(shown[format][0], `${path} ${format}`).toContain("The whole translation");
				expect(shown[format][0], `${path} ${format}`).toContain(PHOTO);
			}
		}

		await manage.grantAgreement(grantOf({ fullTextInFeeds: true, scope: ["text"] }), OPS);
		for (const format of formats) {
			const [content = ""] = (await contents())[format];
			expect(content, format).toContain("The whole translation");
			expect(content, format).not.toContain("<img");
		}

		await manage.grantAgreement(grantOf(), OPS);
		const shown = await contents();
		for (const format of formats) expect(shown[format].every(teaser), format).toBe(true);
	});

	it("flipping the flag renders the archive documents again too", async () => {
		const { manage, upload, contents } = await setUp();
		for (let i = 1; i <= 52; i++) await upload(`a${i}`, "<p>Short whole text.</p>");
		const archive = "feeds/en/latest/archive/1";
		const whole = (content: string) => content.includes("Short whole text.");
		expect((await contents(archive)).atom.some(whole)).toBe(false);

		await manage.grantAgreement(grantOf({ fullTextInFeeds: true }), OPS);
		for (const path of ["feeds/en/latest", archive, "feeds/en/latest/archive/2"]) {
			const shown = await contents(path);
			for (const format of formats) {
				expect(shown[format].length, `${path} ${format}`).toBeGreaterThan(0);
				expect(shown[format].every(whole), `${path} ${format}`).toBe(true);
			}
		}

		await manage.grantAgreement(grantOf(), OPS);
		for (const format of formats) {
			expect((await contents(archive))[format].some(whole), format).toBe(false);
		}
	});

	it("a body larger than any feed document is left a teaser", async () => {
		const { manage, upload, contents } = await setUp();
		await manage.grantAgreement(grantOf({ fullTextInFeeds: true }), OPS);
		await upload("a1", `<p>${"Huge body. ".repeat(FEED_DOCUMENT_MAX_BYTES / 10)}</p>`);
		const shown = await contents();
		for (const format of formats) {
			const [content = ""] = shown[format];
			expect(content, format).not.toContain("Huge body.");
			expect(content, format).toContain("A short teaser.");
			expect(content, format).toContain("Read the full article");
		}
	});

	it("a feed of many large bodies stays under the limit in every format, keeping every item", async () => {
		const { manage, upload, contents } = await setUp();
		await manage.grantAgreement(grantOf({ fullTextInFeeds: true }), OPS);
		const paragraph = `<p>${"Lorem ipsum dolor sit amet & <consectetur>. ".repeat(100)}</p>`;
		const large = paragraph.replaceAll("<consectetur>", "&lt;consectetur&gt;").repeat(10);
		for (let i = 1; i <= 12; i++) await upload(`a${i}`, large);
		const shown = await contents();
		for (const bytes of shown.bytes) expect(bytes).toBeLessThan(FEED_DOCUMENT_MAX_BYTES);
		for (const format of formats) {
			// No archive holds them: every item stays, the newest whole, the rest teasers.
			expect(shown[format]).toHaveLength(12);
			const whole = shown[format].filter((content) => content.includes("Lorem ipsum"));
			expect(whole.length, format).toBeGreaterThan(0);
			expect(whole.length, format).toBeLessThan(12);
			expect(shown[format][0], format).toContain("Lorem ipsum");
		}
	});
});
