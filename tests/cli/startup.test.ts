import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");

let dir: string;
beforeAll(async () => {
	dir = await mkdtemp(join(tmpdir(), "syndicate-startup-"));
});
afterAll(async () => {
	if (dir) await rm(dir, { recursive: true, force: true });
});

/** The modules a CLI run loaded (tests/cli/record-imports.ts), relative to the repository. */
async function modulesLoadedBy(args: readonly string[]): Promise<string[]> {
	const file = join(dir, `${args.join("_").replace(/\W/g, "")}.txt`);
	const code = await new Promise<number | null>((done, fail) => {
		const child = spawn(
			process.execPath,
			["--import", "tsx", "--import", "./tests/cli/record-imports.ts", "cli/syndicate.ts", ...args],
			{ cwd: ROOT, env: { ...process.env, RECORD_IMPORTS: file }, stdio: "ignore" },
		);
		child.on("error", fail);
		child.on("close", done);
	});
	expect(code).toBe(0);
	return (await readFile(file, "utf8"))
		.split("\n")
		.map((url) => url.replace(`file://${ROOT}/`, ""));
}

// The start-up every command pays (issue 23): loading the AWS SDK, CDK, zod and the adapters
// for every command took most of each run. A command loads them when it runs.
describe("the CLI's start-up loads no command's dependencies", () => {
	it.each([["--help"], ["status", "--help"], ["dlq", "discard", "--help"]])(
		"%s",
		async (...args) => {
			const loaded = await modulesLoadedBy(args);
			expect(loaded).toContain("cli/syndicate.ts");
			const heavy = loaded.filter((path) =>
				/node_modules\/(@aws-sdk|@smithy|aws-cdk-lib|constructs|zod|xss|yauzl|fflate)\/|^(shared\/adapters|functions|local)\//.test(
					path,
				),
			);
			expect(heavy).toEqual([]);
		},
	);
});
