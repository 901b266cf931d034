import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { readImageSize } from "#shared/domain/media.ts";
import { stripImageMetadata } from "#shared/domain/strip-image-metadata.ts";
import { JPEG, PNG } from "../helpers/bundles.ts";
import {
	ascii,
	exifGpsSegment,
	exifSegment,
	exifTiff,
	jpegOfSize,
	jpegSegment,
	pngChunk,
	pngOfSize,
	riffChunk,
	vp8Chunk,
	vp8xChunk,
	webpOf,
	xmpSegment,
} from "../helpers/images.ts";

const contains = (bytes: Uint8Array, text: string) =>
	Buffer.from(bytes).includes(Buffer.from(text, "latin1"));

/** The JPEG markers of the segments before the scan, in order. */
function jpegMarkers(bytes: Uint8Array): number[] {
	const markers: number[] = [];
	let at = 2;
	while (at + 4 <= bytes.length && bytes[at] === 0xff) {
		const marker = bytes[at + 1] ?? 0;
		markers.push(marker);
		if (marker === 0xda) break;
		at += 2 + (((bytes[at + 2] ?? 0) << 8) | (bytes[at + 3] ?? 0));
	}
	return markers;
}

/** The PNG chunk types, in order. */
function pngChunks(bytes: Uint8Array): string[] {
	const types: string[] = [];
	for (let at = 8; at + 8 <= bytes.length; ) {
		const length = Buffer.from(bytes).readUInt32BE(at);
		types.push(String.fromCharCode(...bytes.subarray(at + 4, at + 8)));
		at += 12 + length;
	}
	return types;
}

/** The WebP chunk fourccs, in order. */
function webpChunks(bytes: Uint8Array): string[] {
	const types: string[] = [];
	for (let at = 12; at + 8 <= bytes.length; ) {
		const size = Buffer.from(bytes).readUInt32LE(at + 4);
		types.push(String.fromCharCode(...bytes.subarray(at, at + 4)));
		at += 8 + size + (size % 2);
	}
	return types;
}

describe("stripImageMetadata", () => {
	it("drops a JPEG's Exif (with its GPS position) and XMP, keeping JFIF, ICC and the picture", () => {
		const icc = jpegSegment(0xe2, [...ascii("ICC_PROFILE"), 0, 1, 1, 1, 2, 3]);
		const original = jpegOfSize(4000, 3000, [exifGpsSegment(), icc, xmpSegment()]);
		expect(contains(original, "Exif")).toBe(true);
		const stripped = stripImageMetadata(original);
		expect(contains(stripped, "Exif")).toBe(false);
		expect(contains(stripped, "GPSLatitude")).toBe(false);
		expect(contains(stripped, "xmpmeta")).toBe(false);
		expect(jpegMarkers(stripped)).toEqual([0xe0, 0xe2, 0xc0, 0xda]);
		expect(readImageSize(stripped)).toEqual({ width: 4000, height: 3000 });
		// Everything from the scan on is the picture itself, byte for byte.
		expect(Buffer.from(stripped).subarray(-12)).toEqual(Buffer.from(original).subarray(-12));
	});

	it("keeps a JPEG's orientation, in an Exif block of its own with nothing else", () => {
		const stripped = stripImageMetadata(jpegOfSize(30, 20, [exifSegment({ orientation: 6 })]));
		expect(jpegMarkers(stripped)).toEqual([0xe0, 0xe1, 0xc0, 0xda]);
		const expected = jpegSegment(0xe1, [
			...ascii("Exif"),
			0,
			0,
			...exifTiff({ orientation: 6, gps: false }),
		]);
		expect(Buffer.from(stripped).includes(Buffer.from(expected))).toBe(true);
		expect(contains(stripped, "N\0")).toBe(false);
	});

	it("drops a PNG's eXIf, tEXt, iTXt (XMP) and zTXt chunks", () => {
		const original = pngOfSize(30, 20, [
			pngChunk("eXIf", exifTiff()),
			pngChunk("tEXt", [...ascii("Comment"), 0, ...ascii("shot at home")]),
			pngChunk("iTXt", [...ascii("XML:com.adobe.xmp"), 0, 0, 0, 0, 0, ...ascii("<x:xmpmeta/>")]),
			pngChunk("zTXt", [...ascii("Raw"), 0, 0, 0x78, 0x9c, 3, 0]),
			pngChunk("sRGB", [0]),
		]);
		const stripped = stripImageMetadata(original);
		expect(pngChunks(stripped)).toEqual(["IHDR", "sRGB", "IDAT", "IEND"]);
		expect(contains(stripped, "xmpmeta")).toBe(false);
	});

	it("drops a WebP's EXIF and XMP chunks and clears their VP8X flags", () => {
		const original = webpOf([
			vp8xChunk(30, 20, 0x08 | 0x04 | 0x10),
			riffChunk("ICCP", [1, 2, 3]),
			vp8Chunk(30, 20),
			riffChunk("EXIF", exifTiff()),
			riffChunk("XMP ", ascii("<x:xmpmeta/>")),
		]);
		const stripped = stripImageMetadata(original);
		expect(webpChunks(stripped)).toEqual(["VP8X", "ICCP", "VP8 "]);
		expect(stripped[20]).toBe(0x10);
		expect(Buffer.from(stripped).readUInt32LE(4)).toBe(stripped.length - 8);
		expect(readImageSize(stripped)).toEqual({ width: 30, height: 20 });
	});

	it("gives an image without metadata back as it is", () => {
		for (const image of [PNG, JPEG, jpegOfSize(3, 2), webpOf([vp8Chunk(3, 2)])]) {
			expect([...stripImageMetadata(image)]).toEqual([...image]);
		}
	});

	it("never throws and never makes an image larger, whatever the bytes", () => {
		const images = [
			jpegOfSize(30, 20, [exifSegment({ orientation: 3 }), xmpSegment()]),
			pngOfSize(3, 2, [
				pngChunk("eXIf", exifTiff({ orientation: 8 })),
				pngChunk("tEXt", [65, 0, 66]),
			]),
			webpOf([
				vp8xChunk(3, 2, 0x0c),
				vp8Chunk(3, 2),
				riffChunk("EXIF", exifTiff({ orientation: 2 })),
			]),
		];
		fc.assert(
			fc.property(
				fc.oneof(
					fc.uint8Array({ maxLength: 300 }),
					fc
						.tuple(
							fc.constantFrom(...images),
							fc.nat({ max: 400 }),
							fc.array(fc.tuple(fc.nat({ max: 400 }), fc.nat({ max: 255 })), { maxLength: 6 }),
						)
						.map(([image, cut, changes]) => {
							const bytes = image.slice(0, cut);
							for (const [at, value] of changes) if (at < bytes.length) bytes[at] = value;
							return bytes;
						}),
				),
				(bytes) => {
					expect(stripImageMetadata(bytes).length).toBeLessThanOrEqual(bytes.length);
				},
			),
			{ numRuns: 2000 },
		);
	});
});
