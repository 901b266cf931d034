import { randomUUID } from "node:crypto";
import { type CloudFrontClient, CreateInvalidationCommand } from "@aws-sdk/client-cloudfront";
import type { SiteCache } from "../../ports/publishing.ts";

// CloudFront takes at most 3,000 paths (15 wildcards) in flight per distribution: one
// publish asks for at most this many, so a few publishes at once still fit.
const MAX_PATHS = 500;

/**
 * `paths` as at most `max` invalidation paths covering all of them: while there are too many,
 * the deepest paths give way to a wildcard on their folder (`/media/en/p/a/*`), level by
 * level. Invalidating more than changed costs a refetch, never a stale copy.
 */
export function collapsePaths(paths: readonly string[], max: number): string[] {
	let current = [...new Set(paths)].sort();
	while (current.length > max) {
		const deepest = Math.max(...current.map(rank));
		if (deepest === 0) return ["/*"];
		current = [
			...new Set(current.map((path) => (rank(path) === deepest ? widen(path) : path))),
		].sort();
	}
	return current;
}

// The folder a path names or lies in: `/en/`, `/en/*` and `/en/x` are all in `/en`.
function folderOf(path: string): string {
	return path.slice(0, path.lastIndexOf("/"));
}

// How far `widen` can still go: two steps a folder level, one fewer for a wildcard.
function rank(path: string): number {
	const depth = folderOf(path).split("/").length - 1;
	return 2 * depth + (path.endsWith("/*") ? 0 : 1);
}

// A path gives way to its folder's wildcard; a folder's wildcard to its parent's.
function widen(path: string): string {
	const folder = folderOf(path);
	return path.endsWith("/*") ? `${folderOf(folder)}/*` : `${folder}/*`;
}

/** A CloudFront distribution as a {@link SiteCache}: one invalidation per publish. */
export class CloudFrontSiteCache implements SiteCache {
	constructor(
		private readonly client: CloudFrontClient,
		private readonly distributionId: string,
	) {}

	async invalidate(paths: readonly string[]): Promise<void> {
		if (paths.length === 0) return;
		const items = collapsePaths(paths, MAX_PATHS);
		await this.client.send(
			new CreateInvalidationCommand({
				DistributionId: this.distributionId,
				InvalidationBatch: {
					CallerReference: randomUUID(),
					Paths: { Quantity: items.length, Items: items },
				},
			}),
		);
	}
}
