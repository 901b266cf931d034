import { spawn } from "node:child_process";
import { resolve } from "node:path";
import { expect } from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");

export interface CliRun {
	code: number | null;
	out: string;
	err: string;
}

/**
 * The real `npm run syndicate --` entry (cli/syndicate.ts under tsx), as an operator runs it,
 * against the local stack in `dataDir` unless the arguments name another (`--data`).
 */
export function syndicate(
	dataDir: string,
	args: readonly string[],
	env: NodeJS.ProcessEnv = process.env,
): Promise<CliRun> {
	const child = spawn(
		process.execPath,
		[
			"--import",
			"tsx",
			"cli/syndicate.ts",
			...args,
			...(args.includes("--data") ? [] : ["--data", dataDir]),
		],
		{ cwd: ROOT, env },
	);
	let out = "";
	let err = "";
	child.stdout.on("data", (chunk: Buffer) => {
		out += chunk;
	});
	child.stderr.on("data", (chunk: Buffer) => {
		err += chunk;
	});
	return new Promise((done, fail) => {
		child.on("error", fail);
		child.on("close", (code) => done({ code, out, err }));
	});
}

/** Succeeded, with nothing on stderr; returns stdout. */
export function expectOk(run: CliRun): string {
	expect(run, run.err).toMatchObject({ code: 0, err: "" });
	return run.out;
}

/** Refused with one line on stderr, a non-zero exit and no stack trace; returns the line. */
export function expectRefused(run: CliRun): string {
	expect(run.code, run.out).not.toBe(0);
	expect(run.err.trimEnd().split("\n"), run.err).toHaveLength(1);
	expect(run.err).not.toMatch(/^\s+at /m);
	return run.err;
}
