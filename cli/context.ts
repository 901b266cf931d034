import { userInfo } from "node:os";
import type { Command } from "commander";
import type { CliContext, StackOptions } from "./open-stack.ts";

/** Adds the options that choose the stack: the local one by default, or a deployed one. */
export function withStackOptions(command: Command): Command {
	return command
		.option("--data <dir>", "the local stack's data folder", ".data")
		.option(
			"--stage <name>",
			"a deployed stage, found by its stack outputs (AWS credentials and region as usual)",
		)
		.option("--region <region>", "the AWS region of --stage (default: AWS_REGION or your profile)")
		.option("--table <name>", "a deployed stack's DynamoDB table, instead of --stage")
		.option("--ingest-bucket <name>", "with --table: the ingest bucket")
		.option("--site-bucket <name>", "with --table: the site bucket")
		.option("--site-url <url>", "with --table: the public site URL")
		.option("--queue-url <url>", "with --table: the ingest queue")
		.option("--dead-letter-queue-url <url>", "with --table: the ingest dead-letter queue");
}

/**
 * Opens the stack the options name (cli/open-stack.ts), loading it on first use: the AWS SDK,
 * the adapters and the use cases take most of a second to load, and `--help` or a refused
 * argument needs none of them.
 */
export async function openStack(options: StackOptions): Promise<CliContext> {
	const { openStackNow } = await import("./open-stack.ts");
	return openStackNow(options);
}

/** Opens the stack, runs `work` on it, and closes it whatever happens. */
export async function withStack<T>(
	options: StackOptions,
	work: (ctx: CliContext) => Promise<T>,
): Promise<T> {
	const ctx = await openStack(options);
	try {
		return await work(ctx);
	} finally {
		ctx.destroy();
	}
}

/** Who is acting, for audit histories: `--by`, else the OS user. */
export function operator(by: string | undefined): string {
	if (by?.trim()) return by.trim();
	try {
		return userInfo().username;
	} catch {
		return "unknown";
	}
}
