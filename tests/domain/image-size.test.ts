import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { readBundleContent } from "#shared/domain/bundle-content.ts";
import { BundleRejectedError } from "#shared/domain/errors.ts";
import { imageLimits, readImageSize } from "#shared/domain/media.ts";
import { openBundle } from "#shared/domain/read-bundle.ts";
import { makeBundle, makeManifest, PNG } from "../helpers/bundles.ts";
import {
	exifGpsSegment,
	jpegOfSize,
	pngOfSize,
	vp8Chunk,
	vp8lChunk,
	vp8xChunk,
	webpOf,
} from "../helpers/images.ts";

async function issuesOf(file: string, bytes: Uint8Array) {
	const bundle = makeBundle({
		manifest: makeManifest({ images: [{ file }] }),
		files: { "images/photo.png": undefined, [file]: bytes },
	});
	try {
		await readBundleContent(await openBundle(bundle));
		return [];
	} catch (error) {
		if (error instanceof BundleRejectedError) return error.issues;
		throw error;
	}
}

describe("readImageSize", () => {
	it("reads the width and height of PNG, JPEG and WebP headers without decoding", () => {
		expect(readImageSize(PNG)).toEqual({ width: 1, height: 1 });
		expect(readImageSize(pngOfSize(30_000, 30_000))).toEqual({ width: 30_000, height: 30_000 });
		expect(readImageSize(jpegOfSize(8000, 6000, [exifGpsSegment()]))).toEqual({
			width: 8000,
			height: 6000,
		});
		expect(readImageSize(jpegOfSize(640, 480, [], 0xc2))).toEqual({ width: 640, height: 480 });
		expect(readImageSize(webpOf([vp8Chunk(1024, 768)]))).toEqual({ width: 1024, height: 768 });
		expect(readImageSize(webpOf([vp8lChunk(16_384, 3)]))).toEqual({ width: 16_384, height: 3 });
		expect(readImageSize(webpOf([vp8xChunk(100_000, 1000), vp8Chunk(10, 10)]))).toEqual({
			width: 100_000,
			height: 1000,
		});
	});

	it("gives no size for a header that does not hold one", () => {
		expect(readImageSize(PNG.subarray(0, 20))).toBeUndefined();
		expect(readImageSize(Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10]))).toBeUndefined();
		expect(readImageSize(pngOfSize(0, 10))).toBeUndefined();
		expect(readImageSize(webpOf([]))).toBeUndefined();
	});

	it("never throws, whatever the bytes, and never reads a size of zero", () => {
		const headers = [PNG, pngOfSize(300, 200), jpegOfSize(300, 200), webpOf([vp8xChunk(3, 2)])];
		fc.assert(
			fc.property(
				fc.oneof(
					fc.uint8Array({ maxLength: 300 }),
					// Valid headers, cut short and with bytes changed: the reader's hard cases.
					fc
						.tuple(
							fc.constantFrom(...headers),
							fc.nat({ max: 200 }),
							fc.array(fc.tuple(fc.nat({ max: 200 }), fc.nat({ max: 255 })), { maxLength: 5 }),
						)
						.map(([header, cut, changes]) => {
							const bytes = header.slice(0, cut);
							for (const [at, value] of changes) if (at < bytes.length) bytes[at] = value;
							return bytes;
						}),
				),
				(bytes) => {
					const size = readImageSize(bytes);
					if (size) {
						expect(size.width).toBeGreaterThan(0);
						expect(size.height).toBeGreaterThan(0);
					}
				},
			),
		);
	});
});

describe("photos over the size limits", () => {
	it("rejects a 30000x30000 PNG (900 megapixels) as IMAGE_TOO_LARGE", async () => {
		expect(await issuesOf("images/photo.png", pngOfSize(30_000, 30_000))).toEqual([
			{
				code: "IMAGE_TOO_LARGE",
				path: "images[0].file",
				message: expect.stringContaining("30000×30000"),
			},
		]);
	});

	it("rejects a JPEG or WebP over 40 megapixels, and a side over 20000 pixels", async () => {
		const over = [
			["images/a.jpg", jpegOfSize(8000, 6000)],
			["images/a.webp", webpOf([vp8xChunk(10_000, 5000), vp8Chunk(10, 10)])],
			["images/a.webp", webpOf([vp8lChunk(16_384, 16_384)])],
			["images/a.png", pngOfSize(20_001, 10)],
		] as const;
		for (const [file, bytes] of over) {
			expect((await issuesOf(file, bytes)).map((i) => i.code)).toEqual(["IMAGE_TOO_LARGE"]);
		}
		expect(imageLimits).toEqual({ maxPixels: 40_000_000, maxSide: 20_000 });
	});

	it("accepts a photo at the limits", async () => {
		expect(await issuesOf("images/a.png", pngOfSize(20_000, 2000))).toEqual([]);
		expect(await issuesOf("images/a.jpg", jpegOfSize(7000, 5000))).toEqual([]);
	});

	it("rejects as IMAGE_TYPE a photo whose header gives no size", async () => {
		const issues = await issuesOf("images/a.png", PNG.subarray(0, 16));
		expect(issues.map((i) => [i.code, i.path])).toEqual([["IMAGE_TYPE", "images[0].file"]]);
	});
});
