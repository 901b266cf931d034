import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BundleRejectedError } from "#shared/domain/errors.ts";
import { parseManifest } from "#shared/domain/manifest.ts";
import { EXAMPLES, makeManifest } from "../helpers/bundles.ts";

const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

function issuesOf(bytes: Uint8Array) {
	try {
		parseManifest(bytes);
	} catch (error) {
		if (error instanceof BundleRejectedError) return error.issues;
		throw error;
	}
	return [];
}

describe("parseManifest", () => {
	it("accepts every example manifest", () => {
		for (const name of [
			"hitachi-china-en",
			"hitachi-china-zh",
			"hitachi-china-en-v2",
			"pending-unknown-agreement",
		]) {
			const bytes = readFileSync(join(EXAMPLES, "bundles", name, "manifest.json"));
			expect(parseManifest(bytes).rights.agreement).toMatch(/^sn-jst-/);
		}
	});

	it("defaults pubStatus, subjects and images, and drops unknown fields at every level", () => {
		const manifest = parseManifest(
			encode(
				makeManifest({
					subjects: undefined,
					images: [{ file: "a.png", extra: 1 }],
					extra: { x: 1 },
					rights: { ...(makeManifest().rights as object), extra: 1 },
					original: { language: "ja", extra: 1 },
				}),
			),
		);
		expect(manifest.pubStatus).toBe("usable");
		expect(manifest.subjects).toEqual([]);
		expect(manifest).not.toHaveProperty("extra");
		for (const part of [manifest.images[0], manifest.rights, manifest.original]) {
			expect(part).not.toHaveProperty("extra");
		}
		expect(parseManifest(encode(makeManifest({ images: undefined }))).images).toEqual([]);
	});

	it("drops any unknown value, at any key, whatever it holds", () => {
		fc.assert(
			fc.property(fc.string(), fc.jsonValue(), (key, value) => {
				fc.pre(!(key in makeManifest()));
				const issues = issuesOf(encode(makeManifest({ [key]: value })));
				// Only nesting past the depth limit can make an unknown field fail.
				expect(issues.every((i) => i.code === "MANIFEST_INVALID" && i.path?.startsWith(key))).toBe(
					true,
				);
				if (issues.length === 0) {
					expect(Object.keys(parseManifest(encode(makeManifest({ [key]: value }))))).not.toContain(
						key,
					);
				}
			}),
		);
	});

	it("bounds every text field's length, in characters", () => {
		const base = makeManifest();
		const rights = base.rights as Record<string, unknown>;
		const original = { language: "ja" };
		const image = { file: "images/photo.png" };
		const cases: [string, number, (value: string) => Record<string, unknown>][] = [
			["headline", 300, (v) => ({ headline: v })],
			["summary", 1000, (v) => ({ summary: v })],
			["byline", 300, (v) => ({ byline: v })],
			["images[0].caption", 1000, (v) => ({ images: [{ ...image, caption: v }] })],
			["images[0].credit", 300, (v) => ({ images: [{ ...image, credit: v }] })],
			["images[0].alt", 1000, (v) => ({ images: [{ ...image, alt: v }] })],
			["rights.holder", 300, (v) => ({ rights: { ...rights, holder: v } })],
			["rights.translator", 300, (v) => ({ rights: { ...rights, translator: v } })],
			["rights.agreement", 128, (v) => ({ rights: { ...rights, agreement: v } })],
			["rights.notice", 1000, (v) => ({ rights: { ...rights, notice: v } })],
			["original.headline", 300, (v) => ({ original: { ...original, headline: v } })],
			["original.publication", 300, (v) => ({ original: { ...original, publication: v } })],
		];
		for (const [path, max, place] of cases) {
			expect(issuesOf(encode(makeManifest(place("😀".repeat(max)))))).toEqual([]);
			expect(issuesOf(encode(makeManifest(place("😀".repeat(max + 1)))))).toEqual([
				expect.objectContaining({ code: "MANIFEST_INVALID", path }),
			]);
		}
		const url = (n: number) => `https://example.org/${"u".repeat(n - 20)}`;
		expect(issuesOf(encode(makeManifest({ original: { ...original, url: url(2048) } })))).toEqual(
			[],
		);
		expect(
			issuesOf(encode(makeManifest({ original: { ...original, url: url(2049) } }))),
		).toMatchObject([{ path: "original.url" }]);
		// Long paths in names of at most 200 UTF-8 bytes each ("é" is two bytes).
		const dirs = `${"é".repeat(90)}/${"é".repeat(90)}/`;
		const html = (n: number) => `${dirs}${"é".repeat(n - 187)}.html`;
		expect(issuesOf(encode(makeManifest({ body: html(255) })))).toEqual([]);
		expect(issuesOf(encode(makeManifest({ body: html(256) })))).toMatchObject([{ path: "body" }]);
		const png = (n: number) => `${dirs}${"é".repeat(n - 186)}.png`;
		expect(issuesOf(encode(makeManifest({ images: [{ file: png(255) }] })))).toEqual([]);
		expect(issuesOf(encode(makeManifest({ images: [{ file: png(256) }] })))).toMatchObject([
			{ path: "images[0].file" },
		]);
		expect(issuesOf(encode(makeManifest({ body: `${"é".repeat(97)}.html` })))).toEqual([]);
		expect(issuesOf(encode(makeManifest({ body: `${"é".repeat(98)}.html` })))).toMatchObject([
			{ path: "body", message: "body has a name longer than 200 bytes in UTF-8" },
		]);
		const tag = "en-Latn-GB-aaaaaaaa-bbbbbbbb-cccccc";
		expect(tag).toHaveLength(35);
		expect(issuesOf(encode(makeManifest({ language: tag })))).toEqual([]);
		expect(issuesOf(encode(makeManifest({ language: `${tag}a` })))).toMatchObject([
			{ path: "language" },
		]);
	});

	it("takes at most 50 images and 20 distinct subjects, a subject named twice counting once", () => {
		const images = (n: number) => Array.from({ length: n }, () => ({ file: "images/photo.png" }));
		expect(issuesOf(encode(makeManifest({ images: images(50) })))).toEqual([]);
		expect(issuesOf(encode(makeManifest({ images: images(51) })))).toEqual([
			expect.objectContaining({ code: "MANIFEST_INVALID", path: "images" }),
		]);
		const subjects = (n: number) => Array.from({ length: n }, (_, i) => `s${i}`);
		const twice = [...subjects(20), ...subjects(20)];
		expect(parseManifest(encode(makeManifest({ subjects: twice }))).subjects).toEqual(subjects(20));
		expect(issuesOf(encode(makeManifest({ subjects: subjects(21) })))).toEqual([
			expect.objectContaining({ code: "MANIFEST_INVALID", path: "subjects" }),
		]);
	});

	it("rejects nesting deeper than 10 levels anywhere, with its path", () => {
		const nest = (levels: number): unknown => {
			let value: unknown = 1;
			for (let i = 0; i < levels; i++) value = [value];
			return value;
		};
		// The manifest is level 1, `notes` level 2: eight more arrays reach level 10.
		expect(issuesOf(encode(makeManifest({ notes: nest(9) })))).toEqual([]);
		expect(issuesOf(encode(makeManifest({ notes: nest(10) })))).toEqual([
			expect.objectContaining({ code: "MANIFEST_INVALID", path: `notes${"[0]".repeat(9)}` }),
		]);
		expect(
			issuesOf(encode(makeManifest({ images: [{ file: "a.png", caption: nest(8) }] }))),
		).toEqual([
			expect.objectContaining({
				code: "MANIFEST_INVALID",
				path: `images[0].caption${"[0]".repeat(7)}`,
			}),
		]);
	});

	it("rejects a manifest over 128 KiB as TOO_LARGE", () => {
		const padded = (size: number) => {
			const json = JSON.stringify(makeManifest({ notes: "" }));
			return JSON.stringify(makeManifest({ notes: "n".repeat(size - json.length) }));
		};
		expect(issuesOf(new TextEncoder().encode(padded(131_072)))).toEqual([]);
		expect(issuesOf(new TextEncoder().encode(padded(131_073)))).toEqual([
			expect.objectContaining({ code: "TOO_LARGE", path: "manifest.json" }),
		]);
	});

	it("rejects format and bidi characters in file references only, not in text", () => {
		for (const bad of ["\u202e", "\u2066", "\u200b", "\u200e", "\ufeff", "\u00ad"]) {
			const issues = issuesOf(
				encode(
					makeManifest({
						body: `a${bad}.html`,
						images: [{ file: `b${bad}.png` }],
						headline: `x${bad}y`,
					}),
				),
			);
			expect(issues).toEqual([
				expect.objectContaining({ code: "MANIFEST_INVALID", path: "body" }),
				expect.objectContaining({ code: "MANIFEST_INVALID", path: "images[0].file" }),
			]);
		}
	});

	it("rejects bytes that are not UTF-8 or not JSON with MANIFEST_INVALID_JSON", () => {
		expect(issuesOf(Uint8Array.from([0x7b, 0xff, 0xfe, 0x7d]))[0]?.code).toBe(
			"MANIFEST_INVALID_JSON",
		);
		expect(issuesOf(new TextEncoder().encode("{ not json")).map((i) => i.code)).toEqual([
			"MANIFEST_INVALID_JSON",
		]);
	});

	it("reports one MANIFEST_INVALID per failing field, with its path", () => {
		const issues = issuesOf(
			encode(
				makeManifest({
					id: "Bad ID",
					version: 0,
					headline: "",
					firstCreated: "yesterday",
					images: [{ file: "a.gif" }, { file: "b.png", caption: 3 }],
					rights: { holder: "H" },
				}),
			),
		);
		expect(issuesOf.length).toBeGreaterThan(0);
		expect(issues.every((i) => i.code === "MANIFEST_INVALID")).toBe(true);
		expect(issues.map((i) => i.path).sort()).toEqual(
			[
				"firstCreated",
				"headline",
				"id",
				"images[0].file",
				"images[1].caption",
				"rights.agreement",
				"version",
			].sort(),
		);
		expect(issues.find((i) => i.path === "rights.agreement")?.message).toBe(
			"rights.agreement is required",
		);
	});

	it("requires every required field", () => {
		const paths = issuesOf(encode({})).map((i) => i.path);
		for (const field of [
			"schema",
			"id",
			"version",
			"language",
			"headline",
			"body",
			"firstCreated",
			"versionCreated",
			"rights",
		]) {
			expect(paths).toContain(field);
		}
	});

	it("rejects control characters other than tab and newline in any text field", () => {
		expect(issuesOf(encode(makeManifest({ headline: "Tab\tand\nnewline" })))).toEqual([]);
		for (const bad of ["\u0000", "\u0007", "\r", "\u001b", "\u007f", "\u0085", "\ud800"]) {
			const issues = issuesOf(
				encode(
					makeManifest({
						summary: `x${bad}y`,
						rights: { ...(makeManifest().rights as object), holder: `H${bad}` },
					}),
				),
			);
			expect(issues.map((i) => i.path)).toEqual(["summary", "rights.holder"]);
		}
	});

	it("checks language tags and date-times", () => {
		expect(issuesOf(encode(makeManifest({ language: "zh-Hant" })))).toEqual([]);
		expect(issuesOf(encode(makeManifest({ language: "english" })))[0]?.path).toBe("language");
		expect(issuesOf(encode(makeManifest({ versionCreated: "2024-01-10T09:00:00" })))[0]?.path).toBe(
			"versionCreated",
		);
		expect(issuesOf(encode(makeManifest({ embargoUntil: "2024-02-30T00:00:00Z" })))[0]?.path).toBe(
			"embargoUntil",
		);
	});

	it("reads date-times as strict RFC 3339: years 0000-9999, hours 00-23, no leap second", () => {
		const issue = (value: string) =>
			issuesOf(encode(makeManifest({ firstCreated: value, versionCreated: value })))[0];
		for (const valid of [
			"0001-01-01T00:00:00Z",
			"0050-06-15T12:00:00+09:00",
			"0099-12-31T23:59:59Z",
			"0000-01-01T00:00:00Z",
			"2024-02-29T23:59:59.999999-23:59",
			"9999-12-31T23:59:59Z",
		]) {
			expect(issue(valid), valid).toBeUndefined();
		}
		for (const [invalid, why] of [
			["2024-01-01T24:00:00Z", "hour 24"],
			["2024-01-01T23:60:00Z", "minute 60"],
			["2024-01-01T23:59:60Z", "leap second"],
			["2023-02-29T00:00:00Z", "day 29"],
			["0100-02-29T00:00:00Z", "day 29"],
			["2024-01-01T00:00:00+24:00", "offset"],
			["0000-01-01T00:00:00+01:00", "0000 to 9999"],
			["9999-12-31T23:59:59-00:01", "0000 to 9999"],
		] as const) {
			const found = issue(invalid);
			expect(found?.path, invalid).toBe("firstCreated");
			expect(found?.message, invalid).toContain(why);
		}
		expect(
			issuesOf(encode(makeManifest({ original: { language: "ja", publishedAt: "0050-02-20" } }))),
		).toEqual([]);
	});

	it("refuses language tags with extension or private-use subtags, saying so", () => {
		for (const tag of ["en-x-evil", "en-US-u-ca-buddhist", "en-t-ja", "en-a-bbb", "zh-Hant-x-a"]) {
			const [issue] = issuesOf(encode(makeManifest({ language: tag })));
			expect(issue?.path, tag).toBe("language");
			expect(issue?.message, tag).toContain("extension or private-use");
			const [original] = issuesOf(encode(makeManifest({ original: { language: tag } })));
			expect(original?.path, tag).toBe("original.language");
		}
		for (const tag of ["en", "EN-us", "zh-Hant-TW", "es-419", "sl-rozaj"]) {
			expect(issuesOf(encode(makeManifest({ language: tag }))), tag).toEqual([]);
		}
	});

	it("counts headline length in characters, not UTF-16 units", () => {
		expect(issuesOf(encode(makeManifest({ headline: "😀".repeat(300) })))).toEqual([]);
		expect(issuesOf(encode(makeManifest({ headline: "😀".repeat(301) })))[0]?.path).toBe(
			"headline",
		);
	});

	it("never throws anything but a BundleRejectedError, whatever the bytes", () => {
		fc.assert(
			fc.property(
				fc.oneof(
					fc.uint8Array({ maxLength: 200 }),
					fc.json().map((s) => new TextEncoder().encode(s)),
				),
				(bytes) => {
					try {
						parseManifest(bytes);
					} catch (error) {
						expect(error).toBeInstanceOf(BundleRejectedError);
					}
				},
			),
		);
	});

	it("gives every issue a stable code and a message for any JSON object", () => {
		fc.assert(
			fc.property(
				fc.dictionary(fc.constantFrom(...Object.keys(makeManifest())), fc.jsonValue()),
				(partial) => {
					for (const issue of issuesOf(encode(makeManifest(partial)))) {
						expect(issue.code).toBe("MANIFEST_INVALID");
						expect(issue.message.length).toBeGreaterThan(0);
					}
				},
			),
		);
	});
});

describe("subjectNames", () => {
	const withNames = (subjectNames: unknown) =>
		makeManifest({ subjects: ["green-technology", "china"], subjectNames });

	it("names subjects in the bundle's language, and is optional", () => {
		const names = { china: "中国", "green-technology": "绿色技术" };
		expect(parseManifest(encode(withNames(names))).subjectNames).toEqual(names);
		expect(parseManifest(encode(makeManifest())).subjectNames).toBeUndefined();
	});

	it("refuses a name of a subject not listed, an empty or overlong name, and a non-object", () => {
		expect(issuesOf(encode(withNames({ chin: "中国", china: "" })))).toEqual([
			{
				code: "MANIFEST_INVALID",
				message: "subjectNames.china must have at least 1 character(s)",
				path: "subjectNames.china",
			},
			{
				code: "MANIFEST_INVALID",
				message: 'subjectNames.chin names a subject that is not in subjects: "chin"',
				path: "subjectNames.chin",
			},
		]);
		expect(issuesOf(encode(withNames({ chin: "中国" })))).toEqual([
			{
				code: "MANIFEST_INVALID",
				message: 'subjectNames.chin names a subject that is not in subjects: "chin"',
				path: "subjectNames.chin",
			},
		]);
		expect(issuesOf(encode(withNames({ china: "中".repeat(101) }))).map((i) => i.message)).toEqual([
			"subjectNames.china must have at most 100 characters",
		]);
		expect(issuesOf(encode(withNames(["中国"]))).map((i) => i.message)).toEqual([
			'subjectNames must be an object naming subjects, e.g. {"china": "中国"}',
		]);
	});
});
