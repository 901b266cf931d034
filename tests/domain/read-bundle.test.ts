import fc from "fast-check";
import { zipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { readBundleContent } from "#shared/domain/bundle-content.ts";
import { type BundleIssue, BundleRejectedError } from "#shared/domain/errors.ts";
import {
	type Bundle,
	bundleLimits,
	checkEntryPath,
	openBundle,
} from "#shared/domain/read-bundle.ts";
import { exampleBundle, JPEG, makeBundle, makeManifest, PNG } from "../helpers/bundles.ts";

async function rejection(work: Promise<unknown>): Promise<BundleIssue[]> {
	try {
		await work;
	} catch (error) {
		if (error instanceof BundleRejectedError) return [...error.issues];
		throw error;
	}
	throw new Error("expected a rejection");
}

const read = async (zip: Uint8Array) => readBundleContent(await openBundle(zip));

describe("openBundle", () => {
	it("reads the real example article", async () => {
		const content = await read(await exampleBundle("hitachi-china-en"));
		expect(content.manifest.id).toBe("2023-02-hitachi-china-green-league");
		expect(content.bodyHtml).toContain("Green Development League");
		expect(content.images).toMatchObject([{ file: "images/forum.png", contentType: "image/png" }]);
	});

	it("never fails with anything but a bundle error, whatever the bytes", async () => {
		const valid = makeBundle();
		await fc.assert(
			fc.asyncProperty(
				fc.uint8Array({ maxLength: 64 }),
				fc.nat(valid.length - 1),
				async (noise, at) => {
					// Random bytes, and a valid zip with random bytes written over part of it.
					for (const bytes of [
						noise,
						Uint8Array.from([...valid.slice(0, at), ...noise, ...valid.slice(at + noise.length)]),
					]) {
						try {
							await readBundleContent(await openBundle(bytes));
						} catch (error) {
							expect(error).toBeInstanceOf(BundleRejectedError);
						}
					}
				},
			),
			{ numRuns: 200 },
		);
	});

	it("rejects what is not a zip with NOT_A_ZIP", async () => {
		expect(await rejection(openBundle(new TextEncoder().encode("hello")))).toMatchObject([
			{ code: "NOT_A_ZIP" },
		]);
		expect(await rejection(openBundle(new Uint8Array()))).toMatchObject([{ code: "NOT_A_ZIP" }]);
	});

	it("rejects unsafe entry paths with UNSAFE_PATH, naming each", async () => {
		for (const path of ["../evil.txt", "a/../../b", "/etc/passwd", "C:/x.txt", "a\\b.txt"]) {
			const zip = makeBundle({ files: { [path]: "x" } });
			expect(await rejection(openBundle(zip))).toEqual([
				expect.objectContaining({ code: "UNSAFE_PATH", path }),
			]);
		}
	});

	it("refuses any entry path holding a control or format character", () => {
		fc.assert(
			fc.property(
				fc.string({ unit: "grapheme-ascii" }),
				fc.string({ unit: "grapheme-ascii" }),
				fc.constantFrom(
					"\u0000",
					"\u0085",
					"\u061c",
					"\u200b",
					"\u200f",
					"\u202d",
					"\u2068",
					"\ufeff",
				),
				(before, after, bad) => {
					expect(checkEntryPath(`a${before}${bad}${after}.png`)).toBeDefined();
				},
			),
		);
		expect(checkEntryPath("images/caf\u00e9 50% #1?.png")).toBeUndefined();
	});

	it("knows entries by one name: ./ segments dropped, Unicode NFC", async () => {
		const bundle = await openBundle(
			makeBundle({ files: { "./images/./cafe\u0301.png": PNG, "manifest.json": undefined } }),
		);
		expect(bundle.paths).toEqual(["article.html", "images/photo.png", "images/caf\u00e9.png"]);
		for (const name of ["images/caf\u00e9.png", "./images/cafe\u0301.png"]) {
			expect(bundle.has(name)).toBe(true);
			expect(bundle.size(name)).toBe(PNG.byteLength);
			expect(await bundle.read(name)).toEqual(Buffer.from(PNG));
		}
		expect(bundle.size("images/gone.png")).toBeUndefined();
	});

	it("rejects symbolic links with UNSAFE_PATH", async () => {
		const zip = zipSync({
			"manifest.json": new TextEncoder().encode(JSON.stringify(makeManifest())),
			"images/link.png": [
				new TextEncoder().encode("/etc/passwd"),
				{ os: 3, attrs: (0o120777 << 16) >>> 0 },
			],
		});
		expect(await rejection(openBundle(zip))).toMatchObject([
			{ code: "UNSAFE_PATH", path: "images/link.png" },
		]);
	});

	it("rejects too many entries before reading any", async () => {
		const files = Object.fromEntries(
			Array.from({ length: bundleLimits.maxEntries + 1 }, (_, i) => [`f${i}.txt`, "x"]),
		);
		expect(await rejection(openBundle(makeBundle({ files })))).toMatchObject([
			{ code: "TOO_MANY_ENTRIES" },
		]);
	});

	it("rejects oversized bundles and entries with TOO_LARGE", async () => {
		const limits = {
			...bundleLimits,
			maxEntryBytes: 1000,
			maxUncompressedBytes: 5000,
			maxCompressedBytes: 2000,
		};
		const big = "x".repeat(1500);
		expect(
			await rejection(openBundle(makeBundle({ files: { "big.txt": big } }), limits)),
		).toMatchObject([{ code: "TOO_LARGE", path: "big.txt" }]);
		const many = Object.fromEntries(
			Array.from({ length: 6 }, (_, i) => [`f${i}.txt`, "y".repeat(900)]),
		);
		expect(await rejection(openBundle(makeBundle({ files: many }), limits))).toMatchObject([
			{ code: "TOO_LARGE" },
		]);
		expect(await rejection(openBundle(new Uint8Array(2001), limits))).toMatchObject([
			{ code: "TOO_LARGE" },
		]);
	});

	it("refuses to inflate an entry past its declared size (zip bomb)", async () => {
		const zip = makeBundle({ files: { "article.html": `<p>${"a".repeat(10_000)}</p>` } });
		// Lie in the central directory: declare the body as 20 bytes uncompressed.
		const buf = Buffer.from(zip);
		let offset = buf.lastIndexOf(Buffer.from("article.html"));
		while (offset > 0 && buf.readUInt32LE(offset - 46) !== 0x02014b50)
			offset = buf.lastIndexOf(Buffer.from("article.html"), offset - 1);
		buf.writeUInt32LE(20, offset - 46 + 24);
		expect(await rejection(read(buf))).toMatchObject([{ code: "TOO_LARGE", path: "article.html" }]);
	});
});

describe("readBundleContent", () => {
	it("needs manifest.json at the root", async () => {
		const zip = makeBundle({ files: { "manifest.json": undefined, "sub/manifest.json": "{}" } });
		expect(await rejection(read(zip))).toMatchObject([{ code: "MANIFEST_MISSING" }]);
	});

	it("finds a manifest written as ./manifest.json", async () => {
		const zip = makeBundle({
			files: { "manifest.json": undefined, "./manifest.json": JSON.stringify(makeManifest()) },
		});
		expect((await read(zip)).manifest.id).toBe("2024-01-test-article");
	});

	it("rejects a manifest over 128 KiB from its declared size, before inflating it", async () => {
		const bundle: Bundle = {
			paths: ["manifest.json"],
			has: (path) => path === "manifest.json",
			size: (path) => (path === "manifest.json" ? 128 * 1024 + 1 : undefined),
			read: () => Promise.reject(new Error("must not inflate")),
		};
		expect(await rejection(readBundleContent(bundle))).toEqual([
			expect.objectContaining({ code: "TOO_LARGE", path: "manifest.json" }),
		]);
	});

	it("reports a missing body and every bad image at once", async () => {
		const manifest = makeManifest({
			images: [
				{ file: "images/gone.png" },
				{ file: "images/fake.jpg" },
				{ file: "images/photo.png" },
				{ file: "images/png.jpg" },
			],
		});
		const zip = makeBundle({
			manifest,
			files: {
				"article.html": undefined,
				"images/fake.jpg": "not an image",
				"images/png.jpg": PNG,
			},
		});
		expect(await rejection(read(zip))).toEqual([
			expect.objectContaining({ code: "BODY_MISSING", path: "body" }),
			expect.objectContaining({ code: "IMAGE_MISSING", path: "images[0].file" }),
			expect.objectContaining({ code: "IMAGE_TYPE", path: "images[1].file" }),
			expect.objectContaining({ code: "IMAGE_TYPE", path: "images[3].file" }),
		]);
	});

	it("accepts a JPEG named .jpeg and a body path with ./", async () => {
		const manifest = makeManifest({ body: "./article.html", images: [{ file: "images/a.jpeg" }] });
		const content = await read(makeBundle({ manifest, files: { "images/a.jpeg": JPEG } }));
		expect(content.images[0]?.contentType).toBe("image/jpeg");
	});

	it("sanitises the body and rejects one with no text left as BODY_INVALID", async () => {
		const content = await read(
			makeBundle({
				files: {
					"article.html":
						'<p onclick="x()">Hi <script>alert(1)</script><a href="javascript:x">l</a></p>',
				},
			}),
		);
		expect(content.bodyHtml).toBe('<p>Hi <a rel="nofollow noopener">l</a></p>');
		const empty = makeBundle({ files: { "article.html": "<script>alert(1)</script>" } });
		expect(await rejection(read(empty))).toMatchObject([{ code: "BODY_INVALID" }]);
		const latin1 = makeBundle({
			files: { "article.html": Uint8Array.from([0x3c, 0x70, 0x3e, 0xe9, 0x3c]) },
		});
		expect(await rejection(read(latin1))).toMatchObject([{ code: "BODY_INVALID" }]);
	});
});
