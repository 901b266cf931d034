import { latin1, le32, u16be, u16le, u32be, u32le } from "./bytes.ts";
import { sniffImageType } from "./media.ts";

// Kept small and free of dependencies: the ingest and publish functions carry it, each
// within its bundle budget.

const EXIF_HEADER = [0x45, 0x78, 0x69, 0x66, 0, 0]; // "Exif\0\0"

/**
 * A TIFF block holding only the orientation its IFD0 gives (2–8), or `undefined` when there is
 * none: browsers turn photos by it, so dropping it would show a phone's portrait photo on its
 * side. Its 26 bytes are never more than a block that held the same entry and headers.
 */
function orientationOnly(tiff: Uint8Array): number[] | undefined {
	const little = latin1(tiff, 0, 2) === "II";
	const u16 = (at: number) => (little ? u16le : u16be)(tiff, at);
	const u32 = (at: number) => (little ? u32le : u32be)(tiff, at);
	if (!little && latin1(tiff, 0, 2) !== "MM") return undefined;
	const ifd = u32(4);
	for (let entry = ifd + 2, end = entry + 12 * u16(ifd); entry < end; entry += 12) {
		if (entry + 12 > tiff.length) return undefined;
		// One SHORT: anything else is no orientation a browser would apply either.
		const value = u16(entry + 8);
		if (u16(entry) === 0x0112 && u16(entry + 2) === 3 && u32(entry + 4) === 1)
			return value >= 2 && value <= 8
				? [
						0x49,
						0x49,
						42,
						0,
						...le32(8),
						1,
						0,
						0x12,
						1,
						3,
						0,
						...le32(1),
						value,
						0,
						0,
						0,
						0,
						0,
						0,
						0,
					]
				: undefined;
	}
	return undefined;
}

const startsExif = (b: Uint8Array) => EXIF_HEADER.every((byte, i) => b[i] === byte);

function concat(parts: readonly (Uint8Array | number[])[]): Uint8Array {
	const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
	let at = 0;
	for (const part of parts) {
		out.set(part, at);
		at += part.length;
	}
	return out;
}

/**
 * JPEG: APP1 (Exif, XMP) and APP13 (Photoshop's IPTC, with places and names) go; APP0 (JFIF),
 * APP2 (ICC profile), APP14 (Adobe) and the rest stay. Only the segments before the first scan
 * are walked: encoders write metadata there.
 */
function stripJpeg(b: Uint8Array): Uint8Array | undefined {
	const parts: (Uint8Array | number[])[] = [b.subarray(0, 2)];
	let at = 2;
	while (at + 4 <= b.length && b[at] === 0xff && b[at + 1] !== 0xda) {
		const marker = b[at + 1] ?? 0;
		// A fill byte, or a standalone marker (no length).
		const standalone = marker === 0x01 || (marker >= 0xd0 && marker <= 0xd9);
		const end =
			marker === 0xff ? at + 1 : standalone ? at + 2 : at + 2 + Math.max(2, u16be(b, at + 2));
		if (end > b.length) return undefined;
		if (marker === 0xe1 || marker === 0xed) {
			const data = b.subarray(at + 4, end);
			const tiff = marker === 0xe1 && startsExif(data) && orientationOnly(data.subarray(6));
			if (tiff) parts.push([0xff, 0xe1, 0, tiff.length + 8, ...EXIF_HEADER, ...tiff]);
		} else {
			parts.push(b.subarray(at, end));
		}
		at = end;
	}
	parts.push(b.subarray(at));
	return concat(parts);
}

/** PNG: `eXIf` and the text chunks (`tEXt`, `zTXt`, `iTXt`, where XMP lives) go. */
function stripPng(b: Uint8Array): Uint8Array | undefined {
	const parts: Uint8Array[] = [b.subarray(0, 8)];
	// Bytes after IEND are no part of the image, but can carry anything: they go too.
	for (let at = 8, type = ""; at < b.length && type !== "IEND"; ) {
		const end = at + 12 + u32be(b, at);
		if (end > b.length) return undefined;
		type = latin1(b, at + 4);
		if (!["eXIf", "tEXt", "iTXt", "zTXt"].includes(type)) parts.push(b.subarray(at, end));
		at = end;
	}
	return concat(parts);
}

/**
 * WebP: the `XMP ` chunk goes and `EXIF` keeps the orientation only (or goes); the VP8X flags
 * announcing what went are cleared, since a reader finding a flag without its chunk may refuse
 * the file.
 */
function stripWebp(b: Uint8Array): Uint8Array | undefined {
	const parts: (Uint8Array | number[])[] = [];
	let keptExif = false;
	for (let at = 12; at < b.length; ) {
		const size = u32le(b, at + 4);
		const end = at + 8 + size + (size % 2);
		if (end > b.length) return undefined;
		const fourcc = latin1(b, at);
		const data = b.subarray(at + 8, at + 8 + size);
		if (fourcc === "EXIF") {
			// Some writers put JPEG's "Exif\0\0" in front of the TIFF block.
			const tiff = orientationOnly(startsExif(data) ? data.subarray(6) : data);
			if (tiff && !keptExif) parts.push([0x45, 0x58, 0x49, 0x46, tiff.length, 0, 0, 0], tiff);
			keptExif ||= tiff !== undefined;
		} else if (fourcc !== "XMP ") {
			parts.push(fourcc === "VP8X" ? Uint8Array.from(b.subarray(at, end)) : b.subarray(at, end));
		}
		at = end;
	}
	const [first] = parts;
	if (first instanceof Uint8Array && latin1(first, 0) === "VP8X")
		first[8] = (first[8] ?? 0) & ~(keptExif ? 0x04 : 0x0c);
	const body = concat(parts);
	return concat([[0x52, 0x49, 0x46, 0x46, ...le32(body.length + 4)], b.subarray(8, 12), body]);
}

const STRIPPERS = { "image/jpeg": stripJpeg, "image/png": stripPng, "image/webp": stripWebp };

/**
 * The image without the metadata that can say where and by whom it was taken (Exif with its
 * GPS position, XMP, IPTC, PNG text), for publishing: the archived upload keeps the original.
 * Only the orientation is kept, since browsers turn the picture by it. Bytes it cannot walk
 * through (not JPEG, PNG or WebP, or cut short) come back as they are, and so does an image
 * with nothing to strip. Never throws, and never returns more bytes than it was given.
 */
export function stripImageMetadata(bytes: Uint8Array): Uint8Array {
	const type = sniffImageType(bytes);
	const stripped = type && STRIPPERS[type](bytes);
	return stripped && stripped.length < bytes.length ? stripped : bytes;
}
