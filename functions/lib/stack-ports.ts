import { S3SiteInventory } from "#shared/adapters/s3/s3-site-inventory.ts";
import type { StackPorts } from "#shared/ports/options.ts";
import type { SiteInventory } from "#shared/ports/publishing.ts";
import { type Deployment, ingestPorts, schedulePorts } from "./ports.ts";
import { viewsPorts } from "./views-ports.ts";

/** Every adapter of one deployment: what the ops CLI and whole-pipeline tests reach. */
export function stackPorts(deployment: Deployment): StackPorts & { siteInventory: SiteInventory } {
	return {
		...ingestPorts(deployment),
		...schedulePorts(deployment),
		...viewsPorts(deployment),
		siteInventory: new S3SiteInventory(deployment.s3, deployment.siteBucket),
	};
}
