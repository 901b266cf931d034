import type { Command } from "commander";
import type { UploadInventory } from "#shared/ports/uploads.ts";
import type { ReconcileResult } from "#shared/use-cases/reconcile-uploads.ts";
import { withStack, withStackOptions } from "../context.ts";
import type { StackOptions } from "../open-stack.ts";
import { printJson } from "./output.ts";

type ReconcileOptions = StackOptions & { json?: boolean };

function summary(result: ReconcileResult): string {
	return `${result.found} upload(s) under incoming/: ${result.recorded} processed, ${result.queued} queued for ingest, ${result.ignored} ignored (not under incoming/{partnerId}/)`;
}

/**
 * `uploads reconcile`: queues for ingest every stored upload that has no upload record (its
 * notification was lost). Locally it reads the stack's upload versions and writes into its
 * queue folder (delivered by the running stack, or on its next start); against AWS it lists
 * the ingest bucket's versions and sends to the ingest queue.
 */
export function registerReconcileCommand(uploads: Command): void {
	withStackOptions(
		uploads
			.command("reconcile")
			.description(
				"queue for ingest every upload under incoming/ that has no upload record (its notification was lost)",
			)
			.option("--json", "print the counts as JSON"),
	).action(async (options: ReconcileOptions) => {
		await withStack(options, async (ctx) => {
			// Loaded here, not at start-up: the S3 adapter brings the AWS SDK (cli/context.ts).
			const [{ S3UploadInventory }, { makeReconcileUploads }, { dataPaths }, local, versions] =
				await Promise.all([
					import("#shared/adapters/s3/s3-upload-inventory.ts"),
					import("#shared/use-cases/reconcile-uploads.ts"),
					import("../../local/data-dir.ts"),
					import("../../local/local-upload-inventory.ts"),
					import("../../local/version-store.ts"),
				]);
			const inventory: UploadInventory = ctx.local
				? new local.LocalUploadInventory(
						new versions.LocalVersionStore(
							dataPaths(ctx.local.endpoints.dataDir ?? ctx.local.dataDir).versions,
						),
					)
				: new S3UploadInventory(ctx.s3, ctx.ingestBucket);
			const reconcile = makeReconcileUploads({
				inventory,
				uploads: ctx.uploadRecords,
				queue: ctx.uploadQueue(),
				bucket: ctx.ingestBucket,
				region: await ctx.s3.config.region(),
			});
			const result = await reconcile();
			if (options.json) printJson(result);
			else console.log(summary(result));
		});
	});
}
