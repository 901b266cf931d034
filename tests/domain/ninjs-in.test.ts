import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { readBundleContent } from "#shared/domain/bundle-content.ts";
import { BundleRejectedError } from "#shared/domain/errors.ts";
import { openBundle } from "#shared/domain/read-bundle.ts";
import type { BundleWarning } from "#shared/domain/report.ts";
import { GENERATED, generateValidator } from "../../schemas/ninjs/generate-validator.ts";
import { exampleBundle, makeBundle, makeManifest, PNG } from "../helpers/bundles.ts";

const EXAMPLE = JSON.parse(
	readFileSync(
		new URL("../../examples/bundles/hitachi-china-en-ninjs/ninjs.json", import.meta.url),
		"utf8",
	),
);

async function read(files: Record<string, Uint8Array | string | undefined>) {
	return readBundleContent(
		await openBundle(makeBundle({ files: { "manifest.json": undefined, ...files } })),
	);
}

async function rejection(files: Record<string, Uint8Array | string | undefined>) {
	const error = await read(files).then(
		() => undefined,
		(thrown: unknown) => thrown,
	);
	if (!(error instanceof BundleRejectedError)) throw new Error(`not rejected: ${String(error)}`);
	return error.issues;
}

const ninjs = (overrides: Record<string, unknown>) =>
	JSON.stringify({ ...EXAMPLE, associations: [], ...overrides });

describe("ninjs 3.1 bundles", () => {
	it("the committed validator is what the pinned schema compiles to", () => {
		expect(readFileSync(GENERATED, "utf8")).toBe(generateValidator());
	});

	it("map to the same article as the manifest of the same bundle", async () => {
		const fromNinjs = await readBundleContent(
			await openBundle(await exampleBundle("hitachi-china-en-ninjs")),
		);
		const fromManifest = await readBundleContent(
			await openBundle(await exampleBundle("hitachi-china-en")),
		);
		const { id, body: _body, ...manifest } = fromNinjs.manifest;
		const { id: manifestId, body: _manifestBody, ...expected } = fromManifest.manifest;
		expect(id).toBe(`${manifestId}-ninjs`);
		expect(manifest).toEqual({
			...expected,
			original: {
				language: "ja",
				publication: "The Science News",
				publishedAt: "2023-02-17T00:00:00+09:00",
			},
		});
		expect(fromNinjs.bodyHtml).toBe(fromManifest.bodyHtml);
		expect(fromNinjs.images.map(({ bytes: _, ...image }) => image)).toEqual(
			fromManifest.images.map(({ bytes: _, ...image }) => image),
		);
		// What the mapping leaves out is said, never dropped silently.
		expect(fromNinjs.warnings).toContainEqual(
			expect.objectContaining({ code: "NINJS_FIELD_NOT_USED", path: "ninjs.json:urgency" }),
		);
	});

	it("refuses a bundle with both manifest.json and ninjs.json", async () => {
		const issues = await rejection({
			"manifest.json": JSON.stringify(makeManifest()),
			"ninjs.json": ninjs({}),
		});
		expect(issues).toEqual([expect.objectContaining({ code: "MANIFEST_AND_NINJS" })]);
	});

	it("names the schema path of a document that fails the ninjs schema", async () => {
		const issues = await rejection({ "ninjs.json": ninjs({ pubStatus: "gone", urgency: 12 }) });
		expect(issues.map((issue) => issue.code)).toEqual(["NINJS_INVALID", "NINJS_INVALID"]);
		expect(issues.map((issue) => issue.path).sort()).toEqual([
			"ninjs.json/pubStatus",
			"ninjs.json/urgency",
		]);
		expect(issues.map((issue) => issue.message).sort()[0]).toMatch(
			/^ninjs.json\/pubStatus must be equal to one of the allowed values \(schema #\/properties\/pubStatus\/enum\)$/,
		);
	});

	it("applies the manifest's rules, naming the ninjs fields", async () => {
		const issues = await rejection({
			"ninjs.json": ninjs({ headlines: undefined, rightsInfo: undefined, version: "v1" }),
		});
		expect(issues.map((issue) => [issue.code, issue.path])).toEqual(
			expect.arrayContaining([
				["MANIFEST_INVALID", "ninjs.json:headlines"],
				["MANIFEST_INVALID", "ninjs.json:version"],
				["MANIFEST_INVALID", "ninjs.json:rightsInfo.linkedRights"],
			]),
		);
	});

	it("reads a photo from the bundle and warns of one it cannot", async () => {
		const content = await read({
			"ninjs.json": ninjs({
				associations: [
					{
						name: "photo1",
						type: "picture",
						uri: "urn:x:photo",
						renditions: [{ name: "original", href: "bundle:images/photo.png" }],
					},
					{
						name: "elsewhere",
						type: "picture",
						uri: "urn:x:remote",
						renditions: [{ name: "web", href: "https://cdn.example/x.png" }],
					},
				],
			}),
		});
		expect(content.images.map((image) => image.file)).toEqual(["images/photo.png"]);
		expect(content.warnings).toContainEqual(
			expect.objectContaining({ code: "NINJS_FIELD_NOT_USED", path: "ninjs.json:associations[1]" }),
		);
	});

	describe("names where in ninjs.json each problem of the body and photos is", () => {
		// The HTML body is the second: the report names the one the mapping took.
		const bodies = (html: string) => [
			{ contentType: "text/plain", value: "Plain text." },
			{ contentType: "text/html", value: html },
		];
		// The file is the photo's second rendition, the first being on the partner's CDN.
		const photoAt = (file: string, descriptions: object[] = []) => [
			{
				name: "photo1",
				type: "picture",
				uri: "urn:x:photo",
				descriptions,
				renditions: [
					{ name: "web", href: "https://cdn.example/x.png" },
					{ name: "original", href: `bundle:${file}` },
				],
			},
		];
		const href = "ninjs.json:associations[0].renditions[1].href";
		const rejected = [
			{
				problem: "a body with no text",
				code: "BODY_INVALID",
				ninjs: { bodies: bodies("<script>alert(1)</script>") },
				manifest: {},
				files: { "article.html": "<script>alert(1)</script>" },
				paths: ["ninjs.json:bodies[1]", "body"],
			},
			{
				problem: "a photo not in the zip",
				code: "IMAGE_MISSING",
				ninjs: { associations: photoAt("images/gone.png") },
				manifest: { images: [{ file: "images/gone.png" }] },
				files: {},
				paths: [href, "images[0].file"],
			},
			{
				problem: "a photo of the wrong type",
				code: "IMAGE_TYPE",
				ninjs: { associations: photoAt("images/photo.jpg") },
				manifest: { images: [{ file: "images/photo.jpg" }] },
				files: { "images/photo.jpg": PNG },
				paths: [href, "images[0].file"],
			},
			{
				problem: "a photo not named as one",
				code: "MANIFEST_INVALID",
				ninjs: { associations: photoAt("images/photo.gif") },
				manifest: { images: [{ file: "images/photo.gif" }] },
				files: {},
				paths: [href, "images[0].file"],
			},
			{
				problem: "a caption too long",
				code: "MANIFEST_INVALID",
				ninjs: {
					associations: photoAt("images/photo.png", [
						{ role: "alternative", value: "Alt text" },
						{ role: "caption", value: "c".repeat(1001) },
					]),
				},
				manifest: { images: [{ file: "images/photo.png", caption: "c".repeat(1001) }] },
				files: {},
				paths: ["ninjs.json:associations[0].descriptions[1].value", "images[0].caption"],
			},
		] as const;
		it.each(rejected)("$problem", async ({ code, ninjs: fields, manifest, files, paths }) => {
			const fromNinjs = await rejection({ "ninjs.json": ninjs(fields), ...files });
			const fromManifest = await rejection({
				"manifest.json": JSON.stringify(makeManifest(manifest)),
				...files,
			});
			expect(fromNinjs.map((issue) => [issue.code, issue.path])).toEqual([[code, paths[0]]]);
			expect(fromManifest.map((issue) => [issue.code, issue.path])).toEqual([[code, paths[1]]]);
		});

		it("an inline image that is not one of the photos", async () => {
			const html = '<p>Text.</p><img src="images/elsewhere.png">';
			const dropped = (warnings: readonly BundleWarning[]) =>
				warnings.filter((warning) => warning.code === "INLINE_IMAGE_DROPPED");
			const fromNinjs = await read({
				"ninjs.json": ninjs({ bodies: bodies(html), associations: photoAt("images/photo.png") }),
			});
			const fromManifest = await read({
				"manifest.json": JSON.stringify(makeManifest()),
				"article.html": html,
			});
			expect(dropped(fromNinjs.warnings).map((warning) => warning.path)).toEqual([
				"ninjs.json:bodies[1]",
			]);
			expect(dropped(fromManifest.warnings).map((warning) => warning.path)).toEqual(["body"]);
		});
	});

	it("says which file is missing when neither is there", async () => {
		const issues = await rejection({});
		expect(issues[0]?.code).toBe("MANIFEST_MISSING");
		expect(issues[0]?.message).toMatch(/ninjs\.json/);
	});
});
