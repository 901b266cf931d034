import { parseDateTime } from "./instant.ts";
import type { Manifest } from "./manifest.ts";
import type { BundleWarning } from "./report.ts";

/**
 * How far ahead of our receipt a partner's `firstCreated` or `versionCreated` may be: the
 * partner's clock may run a little fast, but an article cannot have been written later than it
 * reached us.
 */
export const CLOCK_SKEW_MS = 5 * 60_000;

/**
 * Bounds the manifest's dates by what we know (bundle.md): a `firstCreated` or
 * `versionCreated` more than {@link CLOCK_SKEW_MS} after `receivedAt` becomes `receivedAt`,
 * and a `versionCreated` before `firstCreated` becomes `firstCreated`; each change is one
 * `DATE_CLAMPED` warning naming the field and what the partner wrote. Without this, a date in
 * 9999 holds the top of Latest News for good. `embargoUntil` is left alone: its future only
 * keeps the article out of sight.
 */
export function boundPartnerDates(
	manifest: Manifest,
	receivedAt: Date,
): { manifest: Manifest; warnings: BundleWarning[] } {
	const warnings: BundleWarning[] = [];
	const received = receivedAt.getTime();
	const latest = received + CLOCK_SKEW_MS;
	const timeOf = (value: string) => {
		const parsed = parseDateTime(value);
		// The manifest was validated by the same parser: this only keeps the types honest.
		if (!parsed.ok) throw new RangeError(`not an RFC 3339 date-time: ${value}`);
		return parsed.time;
	};
	const clampToReceipt = (field: "firstCreated" | "versionCreated"): string => {
		const value = manifest[field];
		if (Number.isNaN(received) || timeOf(value) <= latest) return value;
		const bound = receivedAt.toISOString();
		warnings.push({
			code: "DATE_CLAMPED",
			message: `${field} ${value} is later than the upload was received; it is taken as ${bound}`,
			path: field,
		});
		return bound;
	};
	const firstCreated = clampToReceipt("firstCreated");
	let versionCreated = clampToReceipt("versionCreated");
	if (timeOf(versionCreated) < timeOf(firstCreated)) {
		warnings.push({
			code: "DATE_CLAMPED",
			message: `versionCreated ${manifest.versionCreated} is before firstCreated; it is taken as ${firstCreated}`,
			path: "versionCreated",
		});
		versionCreated = firstCreated;
	}
	return { manifest: { ...manifest, firstCreated, versionCreated }, warnings };
}
