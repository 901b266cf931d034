/** Stable error codes of bundle.md: partners match on them, so never rename one. */
export const errorCodes = [
	"NOT_A_ZIP",
	"TOO_LARGE",
	"TOO_MANY_ENTRIES",
	"UNSAFE_PATH",
	"MANIFEST_MISSING",
	"MANIFEST_INVALID_JSON",
	"MANIFEST_INVALID",
	"NINJS_INVALID",
	"MANIFEST_AND_NINJS",
	"BODY_MISSING",
	"BODY_INVALID",
	"IMAGE_MISSING",
	"IMAGE_TYPE",
	"IMAGE_TOO_LARGE",
	"VERSION_CONFLICT",
	"STALE_VERSION",
	"UNKNOWN_PARTNER",
	"DUPLICATE_ENTRY",
	"UNSTORABLE",
] as const;

export type ErrorCode = (typeof errorCodes)[number];

/** One reason a bundle was rejected, as it appears in the partner's report. */
export interface BundleIssue {
	code: ErrorCode;
	message: string;
	/** Where: a manifest path (`images[2].file`) or a zip entry (`images/a.jpg`). */
	path?: string;
}

/** A bundle cannot be accepted; `issues` are written to the report as they are. */
export class BundleRejectedError extends Error {
	readonly code: ErrorCode;
	readonly issues: readonly [BundleIssue, ...BundleIssue[]];

	constructor(issues: readonly [BundleIssue, ...BundleIssue[]]) {
		super(issues.map((i) => `${i.code}: ${i.message}`).join("; "));
		this.name = "BundleRejectedError";
		this.code = issues[0].code;
		this.issues = issues;
	}
}

/** Shorthand for rejecting with a single issue. */
export function rejectBundle(code: ErrorCode, message: string, path?: string): never {
	throw new BundleRejectedError([path === undefined ? { code, message } : { code, message, path }]);
}
