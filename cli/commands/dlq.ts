import type { Command } from "commander";
import { CliError } from "../cli-error.ts";
import { operator, withStack, withStackOptions } from "../context.ts";
import type { StackOptions } from "../open-stack.ts";
import { printJson, printTable } from "./output.ts";

// More than ops read in a terminal; `--json` and a redrive of all handle the rest.
const LIST_LIMIT = 500;

/**
 * `dlq list`, `dlq redrive`, `dlq discard` and `dlq history`: uploads whose ingest kept failing,
 * sending them again, giving up on them, and who gave up on which and why.
 */
export function registerDeadLetterCommands(program: Command): void {
	const dlq = program
		.command("dlq")
		.description("uploads whose ingest failed again and again (the dead-letter queue)");

	withStackOptions(
		dlq
			.command("list")
			.description("which uploads failed and why: the upload, receives, failure times, last error")
			.option("--json", "print JSON"),
	).action(async (options: StackOptions & { json?: boolean }) => {
		await withStack(options, async (ctx) => {
			if (!ctx.health) throw new CliError("this stack keeps no health notes");
			// Loaded when the command runs, not at start-up (cli/context.ts says why).
			const { makeListDeadLetters } = await import("#shared/use-cases/list-dead-letters.ts");
			const list = makeListDeadLetters({
				queues: ctx.queues(),
				health: ctx.health,
				uploads: ctx.uploadRecords,
			});
			const rows = await list(LIST_LIMIT);
			if (options.json) return printJson(rows);
			if (rows.length === 0) return console.log(`no dead letters in ${ctx.name}`);
			printTable(
				["MESSAGE", "KEY", "VERSION", "RECEIVES", "FIRST FAILED", "LAST FAILED", "LAST ERROR"],
				rows.map((row) => [
					row.messageId,
					row.key ?? "-",
					row.versionId ?? "-",
					String(row.receiveCount),
					row.firstFailedAt ?? "-",
					row.lastFailedAt ?? "-",
					row.lastError ?? "not recorded: see the ingest function's logs",
				]),
			);
			console.log("fix the cause, then: npm run syndicate -- dlq redrive <message> (or --all)");
		});
	});

	withStackOptions(
		dlq
			.command("redrive")
			.description(
				"move dead letters back to the ingest queue (safe to repeat: ingest handles an upload once)",
			)
			.argument("[messageIds...]", "the messages to move, as dlq list shows them")
			.option("--all", "move every dead letter"),
	).action(async (messageIds: string[], options: StackOptions & { all?: boolean }) => {
		if (options.all && messageIds.length > 0)
			throw new CliError("give message ids or --all, not both");
		if (!options.all && messageIds.length === 0)
			throw new CliError("give the message ids to redrive (dlq list shows them), or --all");
		await withStack(options, async (ctx) => {
			const moved = await ctx.queues().redrive(options.all ? undefined : messageIds);
			const where = ctx.local
				? "the running local stack delivers it within a second (or on its next start)"
				: "ingest receives it within seconds";
			if (moved.length > 0) {
				console.log(
					`moved ${moved.length} message(s) back to the ingest queue of ${ctx.name}: ${where}`,
				);
				for (const id of moved) console.log(`  ${id}`);
			} else if (options.all) {
				console.log(`no dead letters in ${ctx.name}`);
			}
			const missing = messageIds.filter((id) => !moved.includes(id));
			if (missing.length > 0) {
				throw new CliError(
					`no dead letter ${missing.join(", ")} in ${ctx.name} (dlq list shows the ids; a message already redriven is gone from it)`,
				);
			}
		});
	});

	withStackOptions(
		dlq
			.command("discard")
			.description(
				"delete dead letters that can never succeed; their uploads stay stored (uploads reprocess sends one again)",
			)
			.argument("[messageIds...]", "the messages to delete, as dlq list shows them")
			.option("--all", "delete every dead letter")
			.requiredOption("--reason <text>", "why: kept with each discard (dlq history)")
			.option("--by <name>", "who discards, for dlq history (default: the OS user)"),
	).action(
		async (
			messageIds: string[],
			options: StackOptions & { all?: boolean; reason: string; by?: string },
		) => {
			if (options.all && messageIds.length > 0)
				throw new CliError("give message ids or --all, not both");
			if (!options.all && messageIds.length === 0)
				throw new CliError("give the message ids to discard (dlq list shows them), or --all");
			await withStack(options, async (ctx) => {
				const { health } = ctx;
				// Refused before anything is deleted: a discard nobody can look up later is lost.
				if (!health) throw new CliError("this stack keeps no health notes");
				const { notifiedObjectsOf } = await import("#shared/domain/notified-objects.ts");
				const queues = ctx.queues();
				// The uploads the discarded messages name, so ops can reprocess one later.
				const listed = new Map(
					(await queues.listDeadLetters(LIST_LIMIT)).map((m) => [m.messageId, m.body]),
				);
				const discarded = await queues.discard(options.all ? undefined : messageIds);
				const by = operator(options.by);
				const at = ctx.clock().toISOString();
				const keysOf = (id: string) =>
					notifiedObjectsOf(listed.get(id) ?? "").map((object) => object.key);
				for (const messageId of discarded) {
					await health.recordDiscard({
						messageId,
						keys: keysOf(messageId),
						reason: options.reason,
						by,
						at,
					});
				}
				if (discarded.length > 0) {
					console.log(
						`discarded ${discarded.length} dead letter(s) of ${ctx.name} (${options.reason}); their uploads stay stored:`,
					);
					for (const id of discarded) {
						const keys = keysOf(id);
						console.log(
							`  ${id}${keys.map((key) => `  ${key} (uploads reprocess ${key})`).join("")}`,
						);
					}
				} else if (options.all) {
					console.log(`no dead letters in ${ctx.name}`);
				}
				const missing = messageIds.filter((id) => !discarded.includes(id));
				if (missing.length > 0) {
					throw new CliError(
						`no dead letter ${missing.join(", ")} in ${ctx.name} (dlq list shows the ids)`,
					);
				}
			});
		},
	);
	withStackOptions(
		dlq
			.command("history")
			.description(
				"the dead letters discarded, newest first: message, uploads, reason, by whom, when",
			)
			.option("--json", "print JSON"),
	).action(async (options: StackOptions & { json?: boolean }) => {
		await withStack(options, async (ctx) => {
			if (!ctx.health) throw new CliError("this stack keeps no health notes");
			const rows = await ctx.health.listDiscards(LIST_LIMIT);
			if (options.json) return printJson(rows);
			if (rows.length === 0) return console.log(`no dead letter was discarded in ${ctx.name}`);
			printTable(
				["DISCARDED", "BY", "MESSAGE", "KEYS", "REASON"],
				rows.map((row) => [row.at, row.by, row.messageId, row.keys.join(" ") || "-", row.reason]),
			);
		});
	});
}
