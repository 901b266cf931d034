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

	it("defaults pubStatus, subjects and images, and keeps unknown fields", () => {
		const manifest = parseManifest(
			encode(makeManifest({ subjects: undefined, images: undefined, extra: { x: 1 } })),
		);
		expect(manifest.pubStatus).toBe("usable");
		expect(manifest.subjects).toEqual([]);
		expect(manifest.images).toEqual([]);
		expect((manifest as Record<string, unknown>).extra).toEqual({ x: 1 });
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
