import type { Command } from "commander";
import type { OpsStatus } from "#shared/use-cases/ops-status.ts";
import { CliError } from "../cli-error.ts";
import { withStack, withStackOptions } from "../context.ts";
import type { StackOptions } from "../open-stack.ts";
import { printJson } from "./output.ts";

function depth(queue: OpsStatus["ingestQueue"]): string {
	return `${queue.waiting} waiting${queue.inFlight !== undefined ? `, ${queue.inFlight} in flight` : ""}`;
}

function run(value: OpsStatus["lastSweep"]): string {
	if (!value) return "never recorded";
	return `${value.at} (${value.ageSeconds} s ago, ${value.targets} target(s))`;
}

function listed(value: OpsStatus["dirtyTargets"]): string {
	const count = `${value.count}${value.more ? "+" : ""}`;
	const shown = value.ids.slice(0, 5).join(", ");
	return value.count === 0 ? "0" : `${count}: ${shown}${value.ids.length > 5 ? ", …" : ""}`;
}

/** Unfinished agreement changes: `1: sn-jst-2023 (revoke by alice at …, left to the schedule)`. */
function unsettled(value: OpsStatus["unsettledAgreementChanges"], at: string): string {
	if (value.count === 0) return "0 unfinished";
	const shown = value.changes.slice(0, 5).map((change) => {
		const held = change.leaseUntil !== null && Date.parse(change.leaseUntil) >= Date.parse(at);
		const who = held ? `being finished by ${change.leaseOwner}` : "left to the schedule";
		return `${change.agreementId} (${change.action} by ${change.by} at ${change.at}, ${who})`;
	});
	const more = value.changes.length > 5 ? ", …" : "";
	return `${value.count}${value.more ? "+" : ""} unfinished: ${shown.join(", ")}${more}`;
}

/** `status`: the first command ops run when something looks wrong. */
export function registerStatusCommand(program: Command): void {
	withStackOptions(
		program
			.command("status")
			.description(
				"queue depth, dead letters, unpublished targets and changes, unfinished agreement changes, last sweep and last publish",
			)
			.option("--json", "print JSON"),
	).action(async (options: StackOptions & { json?: boolean }) => {
		await withStack(options, async (ctx) => {
			if (!ctx.health) throw new CliError("this stack keeps no health notes");
			// Loaded when the command runs, not at start-up (cli/context.ts says why).
			const { makeOpsStatus } = await import("#shared/use-cases/ops-status.ts");
			const status = await makeOpsStatus({
				queues: ctx.queues(),
				ledger: ctx.ledger,
				health: ctx.health,
				changes: ctx.agreementChanges,
				clock: ctx.clock,
			})();
			if (options.json) return printJson({ stack: ctx.name, ...status });
			const lines: [string, string][] = [
				["ingest queue", depth(status.ingestQueue)],
				["dead letters", depth(status.deadLetterQueue)],
				["dirty targets", listed(status.dirtyTargets)],
				["pending changes", listed(status.pendingChanges)],
				["agreement changes", unsettled(status.unsettledAgreementChanges, status.at)],
				["last sweep", run(status.lastSweep)],
				["last publish", run(status.lastPublish)],
			];
			console.log(`${ctx.name} at ${status.at}`);
			for (const [label, value] of lines) console.log(`  ${label.padEnd(17)} ${value}`);
			if (status.deadLetterQueue.waiting > 0)
				console.log("uploads failed: npm run syndicate -- dlq list");
		});
	});
}
