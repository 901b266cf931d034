import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectRefused, syndicate } from "./spawn-cli.ts";

// No stack: every case is refused before the CLI would reach one.
let dir: string;
beforeAll(async () => {
	dir = await mkdtemp(join(tmpdir(), "syndicate-errors-"));
});
afterAll(async () => {
	if (dir) await rm(dir, { recursive: true, force: true });
});

// Issue 23: errors started with commander's `error: ` or the CLI's `syndicate: ` by chance.
describe("every error the CLI prints is one line starting `syndicate: `", () => {
	it.each<[string, string[], RegExp]>([
		["an unknown command", ["nonsense"], /^syndicate: unknown command 'nonsense'/],
		["an unknown option", ["status", "--nonsense"], /^syndicate: unknown option '--nonsense'/],
		[
			"a missing argument",
			["articles", "show"],
			/^syndicate: missing required argument 'partnerId\/articleId'/,
		],
		[
			"a missing required option",
			["dlq", "discard", "m-1"],
			/^syndicate: required option '--reason <text>' not specified/,
		],
		[
			"a bad option value",
			["smoke", "--timeout", "0"],
			/^syndicate: option '--timeout <seconds>' argument '0' is invalid/,
		],
		[
			"a CliError from a command",
			["dlq", "redrive"],
			/^syndicate: give the message ids to redrive \(dlq list shows them\), or --all$/,
		],
		[
			"an unexpected exception",
			["pack", "no-such-folder", "out.zip"],
			/^syndicate: ENOENT: no such file or directory/,
		],
	])("%s", async (_, args, message) => {
		// `pack` reaches no stack, so it has no --data option.
		const line = expectRefused(await syndicate(args[0] === "pack" ? undefined : dir, args));
		expect(line.trimEnd()).toMatch(message);
	});
});
