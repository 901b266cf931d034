import { crc32 } from "node:zlib";

const be32 = (n: number) => [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
const le32 = (n: number) => [n & 255, (n >>> 8) & 255, (n >>> 16) & 255, (n >>> 24) & 255];
const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));

/** One PNG chunk: length, type, data and its CRC. */
export function pngChunk(type: string, data: readonly number[] = []): number[] {
	const body = Uint8Array.from([...ascii(type), ...data]);
	return [...be32(data.length), ...body, ...be32(crc32(body))];
}

/**
 * A PNG that declares `width`×`height` in its IHDR, with `chunks` before its (tiny, not
 * decodable at that size) IDAT: what a header reader sees of a real one.
 */
export function pngOfSize(width: number, height: number, chunks: number[][] = []): Uint8Array {
	return Uint8Array.from([
		0x89,
		0x50,
		0x4e,
		0x47,
		0x0d,
		0x0a,
		0x1a,
		0x0a,
		...pngChunk("IHDR", [...be32(width), ...be32(height), 8, 6, 0, 0, 0]),
		...chunks.flat(),
		...pngChunk("IDAT", [0x78, 0x9c, 0x63, 0, 0, 0, 1, 0, 1]),
		...pngChunk("IEND"),
	]);
}

/** A JPEG segment: marker and, but for standalone markers, its length and data. */
export function jpegSegment(marker: number, data: readonly number[]): number[] {
	const length = data.length + 2;
	return [0xff, marker, (length >>> 8) & 255, length & 255, ...data];
}

/**
 * An Exif TIFF block (little-endian) as cameras write it: IFD0 with the orientation if given,
 * and a GPS IFD holding a latitude (35° 41′ N, Tokyo) unless `gps` is false.
 */
export function exifTiff(options: { orientation?: number; gps?: boolean } = {}): number[] {
	const gps = options.gps ?? true;
	const entries: number[][] = [];
	if (options.orientation !== undefined) {
		entries.push([0x12, 0x01, 3, 0, ...le32(1), options.orientation, 0, 0, 0]);
	}
	const ifd0Size = 2 + 12 * (entries.length + (gps ? 1 : 0)) + 4;
	const gpsAt = 8 + ifd0Size;
	// The GPS IFD: 2 entries (2 + 24 + 4 bytes), then the latitude's three rationals.
	const latitudeAt = gpsAt + 30;
	if (gps) entries.push([0x25, 0x88, 4, 0, ...le32(1), ...le32(gpsAt)]);
	const gpsIfd = gps
		? [
				2,
				0,
				...[1, 0, 2, 0, ...le32(2), ...ascii("N"), 0, 0, 0],
				...[2, 0, 5, 0, ...le32(3), ...le32(latitudeAt)],
				...le32(0),
				...[35, 1, 41, 1, 0, 1].flatMap(le32),
			]
		: [];
	return [
		...ascii("II"),
		42,
		0,
		...le32(8),
		entries.length,
		0,
		...entries.flat(),
		...le32(0),
		...gpsIfd,
	];
}

/** The APP1 segment of an Exif block (see {@link exifTiff}). */
export function exifSegment(options: { orientation?: number; gps?: boolean } = {}): number[] {
	return jpegSegment(0xe1, [...ascii("Exif"), 0, 0, ...exifTiff(options)]);
}

/** The APP1 segment of an Exif block holding a GPS position, as a phone writes it. */
export function exifGpsSegment(): number[] {
	return exifSegment();
}

/** An APP1 XMP packet with a location in it. */
export function xmpSegment(): number[] {
	return jpegSegment(0xe1, [
		...ascii("http://ns.adobe.com/xap/1.0/"),
		0,
		...ascii('<x:xmpmeta><rdf:Description exif:GPSLatitude="35,41.0N"/></x:xmpmeta>'),
	]);
}

/** A JPEG (baseline, `sof` 0xc0, or progressive, 0xc2) of `width`×`height` after `segments`. */
export function jpegOfSize(
	width: number,
	height: number,
	segments: number[][] = [],
	sof = 0xc0,
): Uint8Array {
	return Uint8Array.from([
		0xff,
		0xd8,
		...jpegSegment(0xe0, [...ascii("JFIF"), 0, 1, 1, 0, 0, 1, 0, 1, 0, 0]),
		...segments.flat(),
		...jpegSegment(sof, [
			8,
			(height >>> 8) & 255,
			height & 255,
			(width >>> 8) & 255,
			width & 255,
			1,
			1,
			0x11,
			0,
		]),
		...jpegSegment(0xda, [1, 1, 0, 0, 0x3f, 0]),
		0x00,
		0xff,
		0xd9,
	]);
}

/** A RIFF chunk, padded to an even size. */
export function riffChunk(fourcc: string, data: readonly number[]): number[] {
	return [...ascii(fourcc), ...le32(data.length), ...data, ...(data.length % 2 ? [0] : [])];
}

/** A WebP file of these chunks. */
export function webpOf(chunks: number[][]): Uint8Array {
	const body = [...ascii("WEBP"), ...chunks.flat()];
	return Uint8Array.from([...ascii("RIFF"), ...le32(body.length), ...body]);
}

/** A lossy VP8 chunk's key-frame header of `width`×`height`. */
export function vp8Chunk(width: number, height: number): number[] {
	return riffChunk("VP8 ", [
		0x10,
		0x02,
		0x00,
		0x9d,
		0x01,
		0x2a,
		width & 255,
		(width >>> 8) & 0x3f,
		height & 255,
		(height >>> 8) & 0x3f,
		0,
		0,
	]);
}

/** A lossless VP8L chunk's header of `width`×`height` (1 to 16384 each). */
export function vp8lChunk(width: number, height: number): number[] {
	const bits = ((width - 1) & 0x3fff) | (((height - 1) & 0x3fff) << 14);
	return riffChunk("VP8L", [0x2f, ...le32(bits), 0]);
}

/** A VP8X chunk: `flags` (0x08 EXIF, 0x04 XMP, …) and a canvas of `width`×`height`. */
export function vp8xChunk(width: number, height: number, flags = 0): number[] {
	const w = width - 1;
	const h = height - 1;
	return riffChunk("VP8X", [
		flags,
		0,
		0,
		0,
		w & 255,
		(w >>> 8) & 255,
		(w >>> 16) & 255,
		h & 255,
		(h >>> 8) & 255,
		(h >>> 16) & 255,
	]);
}

export { ascii };
