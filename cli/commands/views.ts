import type { Command } from "commander";
import { CliError } from "../cli-error.ts";
import { openStack, withStackOptions } from "../context.ts";
import type { StackOptions } from "../open-stack.ts";
import { printJson, printTable } from "./output.ts";

// Rows of each language's ranking shown in the text output; --json has all of them.
const SHOWN = 10;

/** `views aggregate`: what the schedule's view aggregator does, run once now. */
export function registerViewCommands(program: Command): void {
	const views = program.command("views").description("Most Viewed from the access logs");
	withStackOptions(
		views
			.command("aggregate")
			.description(
				"count the page views in access logs not counted yet, re-rank Most Viewed, republish what changed order",
			)
			.option("--json", "print JSON"),
	).action(async (options: StackOptions & { json?: boolean }) => {
		const ctx = await openStack(options);
		try {
			if (!ctx.aggregateViews) {
				throw new CliError("no access-log bucket for this stack: give --logs-bucket");
			}
			const result = await ctx.aggregateViews();
			if (options.json) return printJson(result);
			const { logs } = result;
			console.log(
				`counted ${logs.counted} new log object(s) of ${logs.listed} listed (${logs.alreadyCounted} counted before): ${result.views} article page view(s)`,
			);
			if (logs.unreadable.length > 0) {
				console.log(`unreadable log objects (skipped): ${logs.unreadable.join(", ")}`);
			}
			for (const ranking of result.rankings) {
				console.log(
					`\n${ranking.language}: ${ranking.entries.length} article(s) ranked${ranking.changed ? ", order changed" : ""}`,
				);
				if (ranking.entries.length === 0) continue;
				printTable(
					["#", "VIEWS", "ARTICLE"],
					ranking.entries
						.slice(0, SHOWN)
						.map((entry, i) => [
							String(i + 1),
							String(entry.views),
							`${entry.partnerId}/${entry.articleId}`,
						]),
				);
			}
			if (result.published.length > 0) {
				console.log(`\nrepublished ${result.published.join(", ")}`);
			}
			if (result.publishError) {
				// The ranking and its pending change are stored; the publish sweep retries it.
				console.error(`publish failed (the sweep will retry it): ${result.publishError}`);
			}
		} finally {
			ctx.destroy();
		}
	});
}
