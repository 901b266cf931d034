import { readFileSync } from "node:fs";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Article } from "#shared/domain/article.ts";
import { BUNDLE_IMAGE_ATTR } from "#shared/domain/media.ts";
import { ninjsPath, renderNinjs } from "#shared/domain/render/render-ninjs.ts";

const schema = JSON.parse(
	readFileSync(new URL("../../schemas/ninjs/ninjs-schema_3.1.json", import.meta.url), "utf8"),
);
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats.default(ajv);
// The schema refers to GeoJSON's for `places[].geometry`, which is not pinned (no network in
// tests) and which nothing we write uses: a stand-in resolves the reference.
ajv.addSchema({ $id: "https://geojson.org/schema/GeoJSON.json" });
const validate = ajv.compile(schema);

const SITE = "https://news.example.org";

function valid(document: unknown): string {
	return validate(document) ? "" : ajv.errorsText(validate.errors, { separator: "\n" });
}

const instant = fc
	.date({ min: new Date("2000-01-01"), max: new Date("2040-01-01"), noInvalidDate: true })
	.map((d) => d.toISOString());
const word = fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,20}$/);
const text = fc.string({ minLength: 1, maxLength: 40, unit: "grapheme" });
const language = fc.constantFrom("en", "zh-Hans", "ja", "de-CH", "pt-BR");

const articleArb: fc.Arbitrary<{ article: Article; bodyHtml: string }> = fc
	.record({
		articleId: word,
		partnerId: word,
		language,
		version: fc.integer({ min: 1, max: 99 }),
		pubStatus: fc.constantFrom("usable", "withheld", "canceled" as const),
		headline: text,
		summary: fc.option(text, { nil: undefined }),
		byline: fc.option(text, { nil: undefined }),
		firstCreated: instant,
		versionCreated: instant,
		embargoUntil: fc.option(instant, { nil: undefined }),
		subjects: fc.uniqueArray(word, { maxLength: 4 }),
		images: fc.uniqueArray(
			fc.record(
				{
					file: word.map((w) => `images/${w}.jpg`),
					contentType: fc.constantFrom("image/jpeg", "image/png", "image/webp" as const),
					bytes: fc.integer({ min: 1, max: 20_000_000 }),
					caption: text,
					credit: text,
					alt: text,
				},
				{ requiredKeys: ["file", "contentType", "bytes"] },
			),
			{ maxLength: 3, selector: (image) => image.file },
		),
		original: fc.option(
			fc.record(
				{
					language,
					headline: text,
					url: word.map((w) => `https://origin.example/${w}?q=1#x`),
					publication: text,
				},
				{ requiredKeys: ["language"] },
			),
			{ nil: undefined },
		),
		imagesAllowed: fc.boolean(),
		granted: fc.boolean(),
		body: fc.constantFrom(
			"<p>Text</p>",
			`<figure><img ${BUNDLE_IMAGE_ATTR}="FILE" alt="a"></figure>`,
		),
	})
	.map((r) => {
		const article = {
			partnerId: r.partnerId,
			articleId: r.articleId,
			language: r.language,
			version: r.version,
			sha256: "0".repeat(64),
			pubStatus: r.pubStatus,
			headline: r.headline,
			...(r.summary ? { summary: r.summary } : {}),
			...(r.byline ? { byline: r.byline } : {}),
			firstCreated: r.firstCreated,
			versionCreated: r.versionCreated,
			...(r.embargoUntil ? { embargoUntil: r.embargoUntil } : {}),
			subjects: r.subjects,
			images: r.images,
			...(r.original ? { original: r.original } : {}),
			rights: { holder: "H", agreement: "a-1" },
			bodyKey: "content/x/body.html",
			status: "published",
			permission: {
				agreementId: r.granted ? "a-1" : null,
				decision: r.granted ? "granted" : "pending",
				reason: "r",
				checkedAt: r.versionCreated,
				sha256: "0".repeat(64),
				attribution: "Published with permission from H.",
				...(r.granted ? { holder: "The Holder Ltd." } : {}),
				imagesAllowed: r.imagesAllowed,
			},
			revision: 1,
			bundleKey: "incoming/p/x.zip",
			archiveKey: "archive/p/x.zip",
			ingestedAt: r.versionCreated,
		} satisfies Article;
		return { article, bodyHtml: r.body.replace("FILE", r.images[0]?.file ?? "images/none.jpg") };
	});

describe("ninjs 3.1 documents", () => {
	it("are valid against the IPTC schema, whatever the article", () => {
		fc.assert(
			fc.property(articleArb, ({ article, bodyHtml }) => {
				const document = renderNinjs({ article, bodyHtml, siteUrl: SITE, notice: "No reuse." });
				expect(valid(document)).toBe("");
			}),
			{ numRuns: 300 },
		);
	});

	it("carry the rights the agreement grants, and photos only where it permits them", () => {
		fc.assert(
			fc.property(articleArb, ({ article, bodyHtml }) => {
				const document = renderNinjs({ article, bodyHtml, siteUrl: SITE });
				expect(document.uri).toBe(
					`urn:syndicate:article:${article.partnerId}:${article.articleId}:${article.language}`,
				);
				expect(document.usageTerms).toBe(article.permission.attribution);
				expect(document.copyrightHolder).toBe(article.permission.holder);
				const photos = (document.associations ?? []).filter((a) => a.rel === "photo");
				expect(photos).toHaveLength(article.permission.imagesAllowed ? article.images.length : 0);
				const body = document.bodies?.[0]?.value ?? "";
				expect(body).not.toContain(BUNDLE_IMAGE_ATTR);
				if (!article.permission.imagesAllowed) expect(body).not.toContain("<img");
				if (article.permission.agreementId) {
					expect(document.rightsInfo?.linkedRights).toBe(`${SITE}/agreements/a-1.jsonld`);
				}
			}),
			{ numRuns: 200 },
		);
	});

	it("lives beside the article page", () => {
		expect(ninjsPath({ partnerId: "science-news", articleId: "a1", language: "en" })).toBe(
			"/en/articles/science-news/a1.ninjs.json",
		);
	});

	it("the pinned schema rejects what it should (it is really applied)", () => {
		expect(valid({ uri: "not a uri" })).not.toBe("");
		expect(valid({ uri: "urn:x:y", pubStatus: "gone" })).not.toBe("");
		expect(valid({ uri: "urn:x:y", unknownField: 1 })).not.toBe("");
	});
});
