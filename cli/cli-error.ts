import type { Command } from "commander";

/** A mistake in what the operator typed or asked for: printed as one line, exit code 1. */
export class CliError extends Error {
	constructor(message: string) {
		super(message);
		this.name = "CliError";
	}
}

/** How every error the CLI prints starts, whoever found it: commander, a command, a bug. */
const ERROR_PREFIX = "syndicate: ";

/**
 * Prints commander's own errors (unknown command or option, missing argument, bad option
 * value) with the CLI's prefix instead of commander's `error: `. Call it once every command is
 * registered: commander copies output settings to a subcommand only when it is created.
 */
export function prefixCommanderErrors(command: Command): void {
	command.configureOutput({
		outputError: (text, write) => write(`${ERROR_PREFIX}${text.replace(/^error: /, "")}`),
	});
	for (const sub of command.commands) prefixCommanderErrors(sub);
}

/** Ends the run on an error a command threw: one line (or a short list), never a stack trace. */
export function exitWithError(error: unknown): never {
	// Ops read this, not developers: the message, not where in the code it came from.
	console.error(`${ERROR_PREFIX}${error instanceof Error ? error.message : String(error)}`);
	process.exit(1);
}
