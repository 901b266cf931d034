import type { BundleIssue } from "./errors.ts";

export type VersionDecision =
	| { kind: "store" }
	| { kind: "duplicate" }
	| { kind: "reject"; issue: BundleIssue };

/** bundle.md "Versions": what an upload of `version` with hash `sha256` does to what is stored. */
export function decideVersion(
	stored: { version: number; sha256: string } | undefined,
	version: number,
	sha256: string,
): VersionDecision {
	if (!stored || version > stored.version) return { kind: "store" };
	if (version < stored.version) {
		return {
			kind: "reject",
			issue: {
				code: "STALE_VERSION",
				message: `version ${version} is older than the stored version ${stored.version}`,
				path: "version",
			},
		};
	}
	if (sha256 === stored.sha256) return { kind: "duplicate" };
	return {
		kind: "reject",
		issue: {
			code: "VERSION_CONFLICT",
			message: `version ${version} is already stored with different content; raise the version to replace it`,
			path: "version",
		},
	};
}
