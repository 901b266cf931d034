import { latin1, u16be, u16le, u32be, u32le } from "./bytes.ts";

/**
 * The attribute that marks an inline image as a photo of the bundle: it holds the photo's
 * file name, and only the article page turns it into a public URL, when the agreement
 * permits photos. The sanitizer alone writes it: a partner's own is dropped.
 */
export const BUNDLE_IMAGE_ATTR = "data-bundle-file";

/** Content types we accept for images, told by magic bytes rather than by file name. */
export type ImageType = "image/jpeg" | "image/png" | "image/webp";

/** The image type the bytes really are, or `undefined` when they are none we accept. */
export function sniffImageType(bytes: Uint8Array): ImageType | undefined {
	if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return "image/jpeg";
	const png = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
	if (png.every((b, i) => bytes[i] === b)) return "image/png";
	if (bytes.length >= 12 && latin1(bytes, 0) === "RIFF" && latin1(bytes, 8) === "WEBP")
		return "image/webp";
	return undefined;
}

/** The type a file name promises, by its extension. */
export function imageTypeOfName(name: string): ImageType | undefined {
	const ext = name.toLowerCase().split(".").pop();
	if (ext === "jpg" || ext === "jpeg") return "image/jpeg";
	if (ext === "png") return "image/png";
	if (ext === "webp") return "image/webp";
	return undefined;
}

/**
 * The largest photo we publish. A PNG of a few hundred kilobytes can declare 30000×30000
 * pixels, 3.6 GB once decoded: every reader's browser would decode it for a thumbnail.
 */
export const imageLimits = {
	/** Width times height: 40 megapixels is more than any camera a partner uses. */
	maxPixels: 40_000_000,
	/** Either side, in pixels: a strip 1 pixel high and 40 million wide is no photo either. */
	maxSide: 20_000,
} as const;

/** Width and height in pixels, as an image's header declares them. */
export interface ImageSize {
	width: number;
	height: number;
}

const u24le = (b: Uint8Array, at: number) => u16le(b, at) + (b[at + 2] ?? 0) * 65_536;

function sized(width: number, height: number): ImageSize | undefined {
	return width > 0 && height > 0 ? { width, height } : undefined;
}

// The IHDR chunk comes first (PNG §5.6): width and height, 4 bytes each, big-endian.
function pngSize(b: Uint8Array): ImageSize | undefined {
	if (b.length < 24 || latin1(b, 12) !== "IHDR") return undefined;
	return sized(u32be(b, 16), u32be(b, 20));
}

/** Start-of-frame markers (T.81 Table B.1): 0xC0–0xCF but DHT (C4), JPG (C8) and DAC (CC). */
function isStartOfFrame(marker: number): boolean {
	return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

// Walks the segments from SOI to the frame header, as a decoder does; anything else on the way
// (garbage between segments, scan data before a frame) gives no size rather than a guess.
function jpegSize(b: Uint8Array): ImageSize | undefined {
	let at = 2;
	while (at < b.length) {
		if (b[at] !== 0xff) return undefined;
		while (b[at] === 0xff) at++;
		const marker = b[at++];
		if (marker === undefined) return undefined;
		if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) continue;
		if (marker === 0xd8 || marker === 0xd9 || marker === 0xda || marker === 0x00) return undefined;
		if (at + 2 > b.length) return undefined;
		const length = u16be(b, at);
		if (length < 2) return undefined;
		if (isStartOfFrame(marker)) {
			if (length < 7 || at + 7 > b.length) return undefined;
			return sized(u16be(b, at + 5), u16be(b, at + 3));
		}
		at += length;
	}
	return undefined;
}

// The first chunk says (WebP container spec): VP8X holds the canvas, VP8 a key frame, VP8L
// a lossless bitstream header.
function webpSize(b: Uint8Array): ImageSize | undefined {
	const data = 20;
	switch (latin1(b, 12)) {
		case "VP8X":
			if (b.length < data + 10) return undefined;
			return sized(u24le(b, data + 4) + 1, u24le(b, data + 7) + 1);
		case "VP8 ":
			if (b.length < data + 10) return undefined;
			if (b[data + 3] !== 0x9d || b[data + 4] !== 0x01 || b[data + 5] !== 0x2a) return undefined;
			return sized(u16le(b, data + 6) & 0x3fff, u16le(b, data + 8) & 0x3fff);
		case "VP8L": {
			if (b.length < data + 5 || b[data] !== 0x2f) return undefined;
			const bits = u32le(b, data + 1);
			return sized((bits & 0x3fff) + 1, ((bits >>> 14) & 0x3fff) + 1);
		}
		default:
			return undefined;
	}
}

/**
 * The size an image declares in its header, read without decoding it: PNG's IHDR, JPEG's
 * start-of-frame segment, WebP's VP8X, VP8 or VP8L header. `undefined` when the bytes are
 * none of these or their header gives no size. Never throws.
 */
export function readImageSize(bytes: Uint8Array): ImageSize | undefined {
	switch (sniffImageType(bytes)) {
		case "image/png":
			return pngSize(bytes);
		case "image/jpeg":
			return jpegSize(bytes);
		case "image/webp":
			return webpSize(bytes);
		default:
			return undefined;
	}
}
