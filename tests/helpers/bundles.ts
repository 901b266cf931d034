import { join } from "node:path";
import { type Zippable, zipSync } from "fflate";
import { packBundle } from "../../local/pack-bundle.ts";

export const EXAMPLES = join(import.meta.dirname, "../../examples");

/** A 1×1 PNG: the smallest bytes that pass the magic-byte check. */
export const PNG = Uint8Array.from(
	Buffer.from(
		"iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==",
		"base64",
	),
);
/** The header of a 1×1 JPEG (SOI, JFIF, frame header): what the magic-byte and size checks read. */
export const JPEG = Uint8Array.from([
	0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0, 0xff, 0xc0,
	0, 0x0b, 8, 0, 1, 0, 1, 1, 1, 0x11, 0, 0xff, 0xd9,
]);

/** A valid manifest; each test overrides what it is about. */
export function makeManifest(overrides: Record<string, unknown> = {}): Record<string, unknown> {
	return {
		schema: "syndication-bundle/1",
		id: "2024-01-test-article",
		version: 1,
		language: "en",
		headline: "A test headline",
		summary: "A short teaser.",
		body: "article.html",
		firstCreated: "2024-01-10T09:00:00+09:00",
		versionCreated: "2024-01-10T09:00:00+09:00",
		subjects: ["energy"],
		images: [{ file: "images/photo.png", caption: "A photo", credit: "Someone", alt: "Alt text" }],
		rights: {
			holder: "The Science News Ltd.",
			translator: "JST",
			agreement: "sn-jst-2023",
			notice: "Unauthorized reproduction of the article and photographs is prohibited.",
		},
		...overrides,
	};
}

/** Zips a manifest with a body and a photo, plus or minus any files. */
export function makeBundle(
	options: {
		manifest?: Record<string, unknown>;
		files?: Record<string, Uint8Array | string | undefined>;
	} = {},
): Uint8Array {
	const files: Record<string, Uint8Array | string | undefined> = {
		"manifest.json": JSON.stringify(options.manifest ?? makeManifest()),
		"article.html": "<p>Body text of the article.</p>",
		"images/photo.png": PNG,
		...options.files,
	};
	const zippable: Zippable = {};
	for (const [path, content] of Object.entries(files)) {
		if (content === undefined) continue;
		zippable[path] = typeof content === "string" ? new TextEncoder().encode(content) : content;
	}
	return zipSync(zippable);
}

/** One of the example bundles in `examples/bundles/`, zipped. */
export function exampleBundle(name: string): Promise<Uint8Array> {
	return packBundle(join(EXAMPLES, "bundles", name));
}
