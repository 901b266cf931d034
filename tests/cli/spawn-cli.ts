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
 * The real `npm run syndicate --` entry (bin/syndicate.mjs: the bundle, built first when
 * missing or stale), as an operator runs it, against the local stack in `dataDir` unless the
 * arguments name another (`--data`); with no `dataDir`, the arguments go as given (for
 * commands that reach no stack, such as `pack`).
 */
export function syndicate(
	dataDir: string | undefined,
	args: readonly string[],
	env: NodeJS.ProcessEnv = process.env,
): Promise<CliRun> {
	return startSyndicate(dataDir, args, env).done;
}

/**
 * {@link syndicate}, started in a process group of its own: `kill()` ends it and everything
 * it started at once (SIGKILL), as a closed laptop or a dropped session does.
 */
export function startSyndicate(
	dataDir: string | undefined,
	args: readonly string[],
	env: NodeJS.ProcessEnv = process.env,
): { done: Promise<CliRun>; kill: () => void } {
	const child = spawn(
		process.execPath,
		[
			"bin/syndicate.mjs",
			...args,
			...(args.includes("--data") || dataDir === undefined ? [] : ["--data", dataDir]),
		],
		{ cwd: ROOT, env, detached: true },
	);
	const kill = () => {
		if (child.pid !== undefined && child.exitCode === null) process.kill(-child.pid, "SIGKILL");
	};
	let out = "";
	let err = "";
	child.stdout.on("data", (chunk: Buffer) => {
		out += chunk;
	});
	child.stderr.on("data", (chunk: Buffer) => {
		err += chunk;
	});
	const done = new Promise<CliRun>((resolve, fail) => {
		child.on("error", fail);
		child.on("close", (code) => resolve({ code, out, err }));
	});
	return { done, kill };
}

/** Succeeded, with nothing on stderr; returns stdout. */
export function expectOk(run: CliRun): string {
	expect(run, run.err).toMatchObject({ code: 0, err: "" });
	return run.out;
}

/**
 * Refused with one line on stderr starting `syndicate: `, a non-zero exit and no stack trace;
 * returns the line.
 */
export function expectRefused(run: CliRun): string {
	expect(run.code, run.out).not.toBe(0);
	expect(run.err.trimEnd().split("\n"), run.err).toHaveLength(1);
	expect(run.err).not.toMatch(/^\s+at /m);
	expect(run.err).toMatch(/^syndicate: /);
	return run.err;
}
