import type { Command } from "commander";
import { parseUploadKey } from "#shared/domain/report.ts";
import { CliError, openStack, type StackOptions, withStackOptions } from "../context.ts";
import { printJson, printTable } from "./output.ts";

/** `uploads show <key>`: every upload ever made to a key, and its report. */
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
		if (!parseUploadKey(key)) {
			throw new CliError(`"${key}" is not an upload key: uploads go to incoming/{partnerId}/…`);
		}
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
	return uploads;
}
