import type { BundleIssue } from "./errors.ts";

export type ReportStatus =
	| "published"
	| "pending-permission"
	| "embargoed"
	| "withdrawn"
	| "duplicate"
	| "rejected";

/**
 * Stable warning codes (docs/bundle.md): the bundle was accepted, but something in it was
 * changed on the way in. Partners match on them, so never rename one.
 */
export const warningCodes = [
	"INLINE_IMAGE_REWRITTEN",
	"INLINE_IMAGE_DROPPED",
	"DATE_CLAMPED",
	"NINJS_FIELD_NOT_USED",
] as const;

export type WarningCode = (typeof warningCodes)[number];

/** Something the partner should know about an accepted bundle. */
export interface BundleWarning {
	code: WarningCode;
	message: string;
	/** Where: a manifest path (`body`) or a zip entry. */
	path?: string;
}

/** The per-upload report of bundle.md, written beside the upload under `reports/`. */
export interface Report {
	bundle: string;
	/** `null` only when the upload was too large to read. */
	sha256: string | null;
	status: ReportStatus;
	articleId?: string;
	version?: number;
	language?: string;
	errors: BundleIssue[];
	/** Present when something was changed on the way in; absent when there is nothing to say. */
	warnings?: BundleWarning[];
	/**
	 * For `pending-permission` and `embargoed`: which agreement was checked, why the article
	 * is not public, what would make it public, and for an embargo the instant it goes public.
	 */
	permission?: {
		agreement: string | null;
		decision: "granted" | "pending" | "revoked" | "expired";
		reason: string;
		unblock?: string;
		publicAt?: string;
	};
	receivedAt: string;
	processedAt: string;
}

/** Where an upload lives: `incoming/{partnerId}/{rest}`. */
export interface UploadLocation {
	partnerId: string;
	rest: string;
}

/** Splits an ingest key; `undefined` for keys outside `incoming/{partnerId}/`. */
export function parseUploadKey(key: string): UploadLocation | undefined {
	const match = /^incoming\/([^/]+)\/(.+)$/.exec(key);
	if (!match?.[1] || !match[2] || match[2].endsWith("/")) return undefined;
	return { partnerId: match[1], rest: match[2] };
}

/** `incoming/science-news/2023/a.zip` → `reports/science-news/2023/a.zip.json`. */
export function reportKey(location: UploadLocation): string {
	return `reports/${location.partnerId}/${location.rest}.json`;
}
