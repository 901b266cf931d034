import { crc32, deflateSync } from "node:zlib";

/**
 * The site's feed icons and logos (docs/feeds.md, "Icons"), at fixed paths so every feed
 * document can name them: drawn here, so the published bytes come from code alone and a
 * publish that changes nothing writes nothing. `docs/icons/` holds copies to look at.
 */
export const FEED_ICONS = {
	/** JSON Feed's `icon`: square, 512 × 512 as the spec recommends. */
	icon: { path: "/icons/icon-512.png", width: 512, height: 512, shape: "mark" },
	/** JSON Feed's `favicon` and Atom's `<icon>`: small and square. */
	favicon: { path: "/icons/icon-64.png", width: 64, height: 64, shape: "mark" },
	/** Atom's `<logo>`: twice as wide as it is high. */
	logo: { path: "/icons/logo-288x144.png", width: 288, height: 144, shape: "logo" },
	/** RSS's `<image>`: GIF, JPEG or PNG, at most 144 wide and 400 high. */
	rssImage: { path: "/icons/logo-144x72.png", width: 144, height: 72, shape: "logo" },
} as const satisfies Record<string, IconSpec>;

/** `/favicon.ico`, which browsers ask for on their own (feeds name no `<link rel="icon">`). */
export const FAVICON_ICO = { path: "/favicon.ico", contentType: "image/x-icon" } as const;

const PNG = "image/png";

interface IconSpec {
	path: string;
	width: number;
	height: number;
	shape: "mark" | "logo";
}

/** One published image: its site path, media type and bytes. */
export interface IconFile {
	path: string;
	contentType: string;
	bytes: Uint8Array;
}

const BLUE = [0x0a, 0x4f, 0xbf] as const;
const WHITE = [0xff, 0xff, 0xff] as const;

/**
 * Signed distance from a point to a shape's edge, negative inside, in the units the shape is
 * drawn in. Anti-aliasing by distance costs one evaluation per pixel where supersampling
 * costs one per sample, and a publisher pays for the drawing on its first home render
 * (the ingest Lambda on each cold start). Only `+ - * / abs sqrt min max` go into it, all exact
 * in IEEE 754, so every machine draws the same pixels.
 */
type Field = (x: number, y: number) => number;

/** A rectangle of `w` × `h` at the origin with corners rounded by `r`. */
function roundedRect(w: number, h: number, r: number): Field {
	const hw = w / 2;
	const hh = h / 2;
	return (x, y) => {
		const qx = Math.abs(x - hw) - (hw - r);
		const qy = Math.abs(y - hh) - (hh - r);
		const ox = Math.max(qx, 0);
		const oy = Math.max(qy, 0);
		return Math.sqrt(ox * ox + oy * oy) + Math.min(Math.max(qx, qy), 0) - r;
	};
}

/**
 * The feed symbol in a unit square: a dot in the lower left and two quarter rings around it,
 * as feed readers have drawn feeds for twenty years.
 */
const feedSymbol: Field = (x, y) => {
	const ox = 0.26;
	const oy = 0.74;
	const dot = 0.085;
	const dx = x - ox;
	const dy = y - oy;
	const d = Math.sqrt(dx * dx + dy * dy);
	// Each ring is a band around its middle radius; both are cut square where the dot ends.
	const rings = Math.min(Math.abs(d - 0.345) - 0.055, Math.abs(d - 0.555) - 0.055);
	const quarter = Math.max(rings, ox - dot - x, y - (oy + dot));
	return Math.min(d - dot, quarter);
};

// Straight lines of "text" beside the symbol on a logo, in units of its height.
const TEXT_LINES = [
	{ y: 0.3, bar: roundedRect(0.8, 0.09, 0.045) },
	{ y: 0.5, bar: roundedRect(0.65, 0.09, 0.045) },
	{ y: 0.7, bar: roundedRect(0.72, 0.09, 0.045) },
];

function textLines(x: number, y: number): number {
	let distance = Number.POSITIVE_INFINITY;
	for (const line of TEXT_LINES) {
		distance = Math.min(distance, line.bar(x - 1.05, y - (line.y - 0.045)));
	}
	return distance;
}

/** How much of a pixel a shape covers, from the distance in pixels of its centre to the edge. */
function coverage(distance: number): number {
	return Math.min(Math.max(0.5 - distance, 0), 1);
}

/**
 * How many pixels along a row, from this one, a shape covers as much as this one. A distance
 * changes by at most one pixel per pixel, so a pixel wholly in or out, `distance` away from
 * the edge, is followed by more like it: most of an icon is drawn a run at a time, and the
 * same as if each pixel were measured.
 */
function steady(distance: number): number {
	const far = Math.abs(distance) - 0.5;
	return far >= 0 ? Math.floor(far) + 1 : 1;
}

/** RGBA pixels of an icon: the site's blue, rounded, with the feed symbol in white. */
function draw(spec: IconSpec): Uint8Array {
	const { width, height } = spec;
	const unit = height;
	const background = roundedRect(width / unit, 1, 0.1875);
	const foreground: Field =
		spec.shape === "mark"
			? feedSymbol
			: (x, y) => Math.min(0.8 * feedSymbol((x - 0.1) / 0.8, (y - 0.1) / 0.8), textLines(x, y));
	const pixels = new Uint8Array(width * height * 4);
	// One word per pixel, so a run is one fill whatever the machine's byte order.
	const words = new Uint32Array(pixels.buffer);
	const rgba = new Uint8Array(4);
	const word = new Uint32Array(rgba.buffer);
	for (let py = 0; py < height; py++) {
		const y = (py + 0.5) / unit;
		// Each shape is measured again only where its last measure stops holding.
		let inside = 0;
		let share = 0;
		let backgroundUntil = 0;
		let foregroundUntil = 0;
		let px = 0;
		while (px < width) {
			const x = (px + 0.5) / unit;
			if (px >= backgroundUntil) {
				const edge = background(x, y) * unit;
				inside = coverage(edge);
				backgroundUntil = px + steady(edge);
			}
			if (inside === 0) {
				px = backgroundUntil;
				continue;
			}
			if (px >= foregroundUntil) {
				const symbol = foreground(x, y) * unit;
				share = coverage(symbol);
				foregroundUntil = px + steady(symbol);
			}
			const end = Math.min(backgroundUntil, foregroundUntil, width);
			for (let c = 0; c < 3; c++) {
				rgba[c] = Math.round((BLUE[c] ?? 0) * (1 - share) + (WHITE[c] ?? 0) * share);
			}
			rgba[3] = Math.round(255 * inside);
			words.fill(word[0] ?? 0, py * width + px, py * width + end);
			px = end;
		}
	}
	return pixels;
}

function chunk(type: string, data: Uint8Array): Uint8Array {
	const out = new Uint8Array(12 + data.length);
	const view = new DataView(out.buffer);
	view.setUint32(0, data.length);
	out.set(new TextEncoder().encode(type), 4);
	out.set(data, 8);
	view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
	return out;
}

/** A PNG of 8-bit RGBA pixels, each row with filter 0. */
function encodePng(width: number, height: number, rgba: Uint8Array): Uint8Array {
	const header = new Uint8Array(13);
	const view = new DataView(header.buffer);
	view.setUint32(0, width);
	view.setUint32(4, height);
	header.set([8, 6, 0, 0, 0], 8);
	const rows = new Uint8Array(height * (width * 4 + 1));
	for (let y = 0; y < height; y++) {
		rows.set(rgba.subarray(y * width * 4, (y + 1) * width * 4), y * (width * 4 + 1) + 1);
	}
	// Level 9 spends 20 ms on the 512 px icon, five times level 6, to save 2 KB of it.
	const parts = [
		new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
		chunk("IHDR", header),
		chunk("IDAT", deflateSync(rows, { level: 6 })),
		chunk("IEND", new Uint8Array(0)),
	];
	return Buffer.concat(parts);
}

/** An ICO file holding one PNG (every browser since 2007 reads PNG inside ICO). */
function icoOf(size: number, png: Uint8Array): Uint8Array {
	const head = new Uint8Array(22);
	const view = new DataView(head.buffer);
	view.setUint16(2, 1, true);
	view.setUint16(4, 1, true);
	// Width and height 0 mean 256; 32 bits per pixel.
	head.set([size % 256, size % 256, 0, 0], 6);
	view.setUint16(10, 1, true);
	view.setUint16(12, 32, true);
	view.setUint32(14, png.length, true);
	view.setUint32(18, head.length, true);
	return Buffer.concat([head, png]);
}

/** The site paths of {@link feedIconFiles}, known without drawing them. */
export function feedIconPaths(): string[] {
	return [...Object.values(FEED_ICONS).map((spec) => spec.path), FAVICON_ICO.path];
}

let cached: readonly IconFile[] | undefined;

/** Every icon file the site publishes: the PNGs of {@link FEED_ICONS} and `/favicon.ico`. */
export function feedIconFiles(): readonly IconFile[] {
	if (cached) return cached;
	const pngs = Object.values(FEED_ICONS).map((spec) => ({
		path: spec.path,
		contentType: PNG,
		bytes: encodePng(spec.width, spec.height, draw(spec)),
	}));
	const small: IconSpec = { path: FAVICON_ICO.path, width: 32, height: 32, shape: "mark" };
	const ico = icoOf(32, encodePng(32, 32, draw(small)));
	cached = [...pngs, { path: FAVICON_ICO.path, contentType: FAVICON_ICO.contentType, bytes: ico }];
	return cached;
}
