import { randomUUID } from "node:crypto";
import { type CloudFrontClient, CreateInvalidationCommand } from "@aws-sdk/client-cloudfront";
import type { SiteCache } from "../../ports.ts";

// CloudFront takes at most 3,000 paths in flight per distribution; stay well inside one batch.
const PATHS_PER_BATCH = 1000;

/** A CloudFront distribution as a {@link SiteCache}: one invalidation per batch of paths. */
export class CloudFrontSiteCache implements SiteCache {
	constructor(
		private readonly client: CloudFrontClient,
		private readonly distributionId: string,
	) {}

	async invalidate(paths: readonly string[]): Promise<void> {
		for (let start = 0; start < paths.length; start += PATHS_PER_BATCH) {
			const items = paths.slice(start, start + PATHS_PER_BATCH);
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
}
