import { SQSClient } from "@aws-sdk/client-sqs";
import type { Command } from "commander";
import { S3UploadInventory } from "#shared/adapters/s3/s3-upload-inventory.ts";
import { SqsUploadQueue } from "#shared/adapters/sqs/sqs-upload-queue.ts";
import type { UploadInventory, UploadQueue } from "#shared/ports.ts";
import { makeReconcileUploads, type ReconcileResult } from "#shared/use-cases/reconcile-uploads.ts";
import { dataPaths } from "../../local/data-dir.ts";
import { FolderUploadQueue } from "../../local/folder-upload-queue.ts";
import { LocalUploadInventory } from "../../local/local-upload-inventory.ts";
import { LocalVersionStore } from "../../local/version-store.ts";
import { CliError, openStack, type StackOptions, withStackOptions } from "../context.ts";
import { printJson } from "./output.ts";

type ReconcileOptions = StackOptions & { queueUrl?: string; json?: boolean };

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
			.option("--queue-url <url>", "a deployed stack's ingest queue (with --table)")
			.option("--json", "print the counts as JSON"),
	).action(async (options: ReconcileOptions) => {
		if (options.table && !options.queueUrl)
			throw new CliError("with --table, also give --queue-url (the ingest queue)");
		const ctx = await openStack(options);
		const sqs = options.table ? new SQSClient({}) : undefined;
		try {
			let inventory: UploadInventory;
			let queue: UploadQueue;
			let bucket: string;
			if (ctx.local) {
				const { endpoints } = ctx.local;
				const paths = dataPaths(endpoints.dataDir ?? ctx.local.dataDir);
				inventory = new LocalUploadInventory(new LocalVersionStore(paths.versions));
				queue = new FolderUploadQueue(paths.queue);
				bucket = endpoints.ingestBucket;
			} else {
				bucket = options.ingestBucket ?? "";
				inventory = new S3UploadInventory(ctx.s3, bucket);
				queue = new SqsUploadQueue(sqs ?? new SQSClient({}), options.queueUrl ?? "");
			}
			const reconcile = makeReconcileUploads({
				inventory,
				uploads: ctx.uploadRecords,
				queue,
				bucket,
				region: await ctx.s3.config.region(),
			});
			const result = await reconcile();
			if (options.json) printJson(result);
			else console.log(summary(result));
		} finally {
			sqs?.destroy();
			ctx.destroy();
		}
	});
}
