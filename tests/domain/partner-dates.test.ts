import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseManifest } from "#shared/domain/manifest.ts";
import { boundPartnerDates, CLOCK_SKEW_MS } from "#shared/domain/partner-dates.ts";
import { makeManifest } from "../helpers/bundles.ts";

const RECEIVED = new Date("2026-03-01T00:00:00Z");
const EARLIEST = Date.parse("0000-01-01T00:00:00Z");
const LATEST = Date.parse("9999-12-31T23:59:59.999Z");

function manifestWith(firstCreated: number, versionCreated: number) {
	return parseManifest(
		new TextEncoder().encode(
			JSON.stringify(
				makeManifest({
					firstCreated: new Date(firstCreated).toISOString(),
					versionCreated: new Date(versionCreated).toISOString(),
				}),
			),
		),
	);
}

describe("boundPartnerDates", () => {
	it("leaves no date past the receipt's allowance, nor a version before the first, and says so", () => {
		const instant = fc.integer({ min: EARLIEST, max: LATEST });
		fc.assert(
			fc.property(instant, instant, (first, version) => {
				const manifest = manifestWith(first, version);
				const { manifest: bounded, warnings } = boundPartnerDates(manifest, RECEIVED);
				const [f, v] = [Date.parse(bounded.firstCreated), Date.parse(bounded.versionCreated)];
				expect(f).toBeLessThanOrEqual(RECEIVED.getTime() + CLOCK_SKEW_MS);
				expect(v).toBeLessThanOrEqual(RECEIVED.getTime() + CLOCK_SKEW_MS);
				expect(v).toBeGreaterThanOrEqual(f);
				const changed = [
					bounded.firstCreated !== manifest.firstCreated,
					bounded.versionCreated !== manifest.versionCreated,
				].filter(Boolean).length;
				expect(warnings.length).toBeGreaterThanOrEqual(changed);
				expect(warnings.every((w) => w.code === "DATE_CLAMPED")).toBe(true);
				if (changed === 0) expect(warnings).toEqual([]);
			}),
		);
	});
});
