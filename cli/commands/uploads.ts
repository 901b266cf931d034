import type { Command } from "commander";
import { parseUploadKey } from "#shared/domain/report.ts";
import { makeReprocessUpload, UploadNotFoundError } from "#shared/use-cases/reprocess-upload.ts";
import { CliError } from "../cli-error.ts";
import { openStack, withStack, withStackOptions } from "../context.ts";
import type { StackOptions } from "../open-stack.ts";
import { printJson, printTable } from "./output.ts";

function requireUploadKey(key: string): string {
	if (!parseUploadKey(key)) {
		throw new CliError(`"${key}" is not an upload key: uploads go to incoming/{partnerId}/…`);
	}
	return key;
}

/** `uploads show <key>` and `uploads reprocess <key>`. */
export function registerUploadCommands(program: Command): Command {
	const uploads = program
		.command("uploads")
		.description("what partners uploaded, and their reports");
	withStackOptions(
		uploads
			.command("show")
			.description("every upload to a key, oldest first, with its report")
			.argument("<key>", "the object key, e.g. incoming/science-news/2023/a.zip")
			.option("--json", "print JSON"),
	).action(async (key: string, options: StackOptions & { json?: boolean }) => {
		requireUploadKey(key);
		const ctx = await openStack(options);
		try {
			const records = await ctx.uploadRecords.listUploads(key);
			if (options.json)
				return printJson(records.map(({ uploadId, report }) => ({ uploadId, report })));
			if (records.length === 0) return console.log(`no upload to ${key} has been processed`);
			printTable(
				["UPLOAD", "RECEIVED", "STATUS", "ARTICLE", "ERRORS"],
				records.map(({ uploadId, report }) => [
					uploadId,
					report.receivedAt,
					report.status,
					report.articleId ? `${report.articleId} v${report.version} (${report.language})` : "-",
					report.errors.map((e) => e.code).join(", ") || "-",
				]),
			);
			console.log(`the report at the key describes the last row`);
		} finally {
			ctx.destroy();
		}
	});

	withStackOptions(
		uploads
			.command("reprocess")
			.description(
				"run ingest again for the newest upload stored at a key (idempotent: an upload already processed keeps its decision and is published again)",
			)
			.argument("<key>", "the object key, e.g. incoming/science-news/2023/a.zip")
			.option("--json", "print JSON"),
	).action(async (key: string, options: StackOptions & { json?: boolean }) => {
		requireUploadKey(key);
		await withStack(options, async (ctx) => {
			const reprocess = makeReprocessUpload({
				newestVersion: ctx.newestUpload,
				ingest: ctx.ingestUpload,
			});
			let outcome: Awaited<ReturnType<typeof reprocess>>;
			try {
				outcome = await reprocess(key);
			} catch (error) {
				if (error instanceof UploadNotFoundError)
					throw new CliError(`no upload is stored at ${key} in ${ctx.name}`);
				throw error;
			}
			const { upload, result } = outcome;
			if (options.json) {
				return printJson({
					key,
					versionId: upload.versionId ?? null,
					status: result.report.status,
					report: result.reportKey,
					errors: result.report.errors,
				});
			}
			const article = result.report.articleId
				? ` (${result.report.articleId} v${result.report.version}, ${result.report.language})`
				: "";
			console.log(
				`reprocessed ${key}${upload.versionId ? ` version ${upload.versionId}` : ""}: ${result.report.status}${article}; report at ${result.reportKey}`,
			);
			for (const issue of result.report.errors) console.log(`  ${issue.code}: ${issue.message}`);
		});
	});
	return uploads;
}
