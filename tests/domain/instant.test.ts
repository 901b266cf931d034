import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isFullDate, parseDateTime } from "#shared/domain/instant.ts";

const EARLIEST = Date.parse("0000-01-01T00:00:00Z");
const LATEST = Date.parse("9999-12-31T23:59:59.999Z");

describe("parseDateTime", () => {
	it("reads back every instant of the years 0000-9999 as toISOString writes it", () => {
		fc.assert(
			fc.property(fc.integer({ min: EARLIEST, max: LATEST }), (time) => {
				expect(parseDateTime(new Date(time).toISOString())).toEqual({ ok: true, time });
			}),
		);
	});

	it("applies the offset, and does not map the years 0-99 to 1900-1999", () => {
		expect(parseDateTime("0050-01-01T09:00:00+09:00")).toEqual({
			ok: true,
			time: Date.parse("0050-01-01T00:00:00Z"),
		});
		expect(parseDateTime("0099-12-31T23:59:59.9999-00:30")).toEqual({
			ok: true,
			time: Date.parse("0100-01-01T00:29:59.999Z"),
		});
	});

	it("takes a space for the T only when asked", () => {
		expect(parseDateTime("2024-01-01 00:00:00Z").ok).toBe(false);
		expect(parseDateTime("2024-01-01 00:00:00Z", { allowSpace: true }).ok).toBe(true);
	});

	it("never throws, and accepts only what Date reads as the same instant", () => {
		fc.assert(
			fc.property(
				fc.oneof(
					fc.string(),
					fc
						.tuple(
							fc.integer({ min: 0, max: 9999 }),
							fc.integer({ min: 0, max: 13 }),
							fc.integer({ min: 0, max: 32 }),
							fc.integer({ min: 0, max: 25 }),
							fc.integer({ min: 0, max: 61 }),
							fc.integer({ min: 0, max: 61 }),
							fc.constantFrom("", ".5", ".123", ".9999"),
							fc.constantFrom("Z", "z", "+00:00", "-23:59", "+24:00", "+09:00"),
							fc.constantFrom("T", "t"),
						)
						.map(
							([y, mo, d, h, mi, s, fraction, zone, t]) =>
								`${String(y).padStart(4, "0")}-${String(mo).padStart(2, "0")}-${String(d).padStart(2, "0")}${t}${String(h).padStart(2, "0")}:${String(mi).padStart(2, "0")}:${String(s).padStart(2, "0")}${fraction}${zone}`,
						),
				),
				(text) => {
					const parsed = parseDateTime(text);
					if (parsed.ok) {
						expect(parsed.time).toBe(Date.parse(text));
						expect(new Date(parsed.time).toISOString()).toMatch(/^\d{4}-/);
					}
				},
			),
		);
	});
});

describe("isFullDate", () => {
	it("takes days that exist, in any year 0000-9999", () => {
		expect(isFullDate("0050-02-20")).toBe(true);
		expect(isFullDate("0000-02-29")).toBe(true);
		expect(isFullDate("0100-02-29")).toBe(false);
		expect(isFullDate("2024-13-01")).toBe(false);
	});
});
