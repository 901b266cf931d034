import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { readBundleContent } from "#shared/domain/bundle-content.ts";
import { BundleRejectedError } from "#shared/domain/errors.ts";
import { openBundle } from "#shared/domain/read-bundle.ts";
import { GENERATED, generateValidator } from "../../schemas/ninjs/generate-validator.ts";
import { exampleBundle, makeBundle, makeManifest } from "../helpers/bundles.ts";

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
			expect.objectContaining({ code: "NINJS_FIELD_NOT_USED", path: "urgency" }),
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
			expect.objectContaining({ code: "NINJS_FIELD_NOT_USED", path: "associations[1]" }),
		);
	});

	it("says which file is missing when neither is there", async () => {
		const issues = await rejection({});
		expect(issues[0]?.code).toBe("MANIFEST_MISSING");
		expect(issues[0]?.message).toMatch(/ninjs\.json/);
	});
});
