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
// Samples per pixel side: edges anti-aliased by coverage, the same pixels on every machine.
// A large icon needs fewer for smooth edges, and it is drawn when a publisher first needs it.
function samplesFor(height: number): number {
	return height > 256 ? 2 : 4;
}

type Shape = (x: number, y: number) => boolean;

/** Inside a rectangle of `w` × `h` at the origin with corners rounded by `r`. */
function roundedRect(w: number, h: number, r: number): Shape {
	return (x, y) => {
		const dx = Math.max(r - x, x - (w - r), 0);
		const dy = Math.max(r - y, y - (h - r), 0);
		return dx * dx + dy * dy <= r * r && x >= 0 && y >= 0 && x <= w && y <= h;
	};
}

/**
 * The feed symbol in a unit square: a dot in the lower left and two quarter rings around it,
 * as feed readers have drawn feeds for twenty years.
 */
const feedSymbol: Shape = (x, y) => {
	const ox = 0.26;
	const oy = 0.74;
	const d = Math.hypot(x - ox, y - oy);
	if (d <= 0.085) return true;
	const ring = (d >= 0.29 && d <= 0.4) || (d >= 0.5 && d <= 0.61);
	return ring && x >= ox - 0.085 && y <= oy + 0.085;
};

// Straight lines of "text" beside the symbol on a logo, in units of its height.
const TEXT_LINES = [
	{ y: 0.3, bar: roundedRect(0.8, 0.09, 0.045) },
	{ y: 0.5, bar: roundedRect(0.65, 0.09, 0.045) },
	{ y: 0.7, bar: roundedRect(0.72, 0.09, 0.045) },
];

function textLines(x: number, y: number): boolean {
	return TEXT_LINES.some((line) => line.bar(x - 1.05, y - (line.y - 0.045)));
}

/** RGBA pixels of an icon: the site's blue, rounded, with the feed symbol in white. */
function draw(spec: IconSpec): Uint8Array {
	const { width, height } = spec;
	const unit = height;
	const background = roundedRect(width / unit, 1, 0.1875);
	const foreground: Shape =
		spec.shape === "mark"
			? feedSymbol
			: (x, y) => feedSymbol((x - 0.1) / 0.8, (y - 0.1) / 0.8) || textLines(x, y);
	const samples = samplesFor(height);
	const pixels = new Uint8Array(width * height * 4);
	for (let py = 0; py < height; py++) {
		for (let px = 0; px < width; px++) {
			let inside = 0;
			let white = 0;
			for (let sy = 0; sy < samples; sy++) {
				for (let sx = 0; sx < samples; sx++) {
					const x = (px + (sx + 0.5) / samples) / unit;
					const y = (py + (sy + 0.5) / samples) / unit;
					if (!background(x, y)) continue;
					inside += 1;
					if (foreground(x, y)) white += 1;
				}
			}
			const at = (py * width + px) * 4;
			if (inside === 0) continue;
			const share = white / inside;
			for (let c = 0; c < 3; c++) {
				pixels[at + c] = Math.round((BLUE[c] ?? 0) * (1 - share) + (WHITE[c] ?? 0) * share);
			}
			pixels[at + 3] = Math.round((255 * inside) / (samples * samples));
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
	const parts = [
		new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
		chunk("IHDR", header),
		chunk("IDAT", deflateSync(rows, { level: 9 })),
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
