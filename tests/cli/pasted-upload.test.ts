import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// Issue 23: the upload commands the README and `npm start`'s banner print must work when pasted,
// on whatever ports the stack was given, credentials included. They are run here as a user runs
// them: in bash, with a real AWS CLI, against `npm start` on ports the system picked.

const ROOT = resolve(import.meta.dirname, "../..");
const ZIP = join(ROOT, "v2.zip");

// The AWS CLI on PATH, else Debian's (what .ci/run installs).
const aws = ["aws", "/usr/bin/aws"].find(
	(candidate) => spawnSync(candidate, ["--version"]).status === 0,
);
if (!aws) {
	console.warn(
		"SKIPPED tests/cli/pasted-upload.test.ts: no AWS CLI (looked for aws, /usr/bin/aws). Install it with `apt-get install awscli`, as .ci/run does.",
	);
}

let child: ChildProcess | undefined;
let output = "";
let dataDir: string;

/** Runs a pasted block in bash from the repository's root, `aws` being the CLI found above. */
function bash(script: string): { status: number | null; stdout: string; stderr: string } {
	const result = spawnSync("bash", ["-eo", "pipefail", "-c", script], {
		cwd: ROOT,
		// Not a socket: bash would take itself for a remote shell and read the bashrc.
		stdio: ["ignore", "pipe", "pipe"],
		encoding: "utf8",
		// Nothing of the tester's own AWS setup: the pasted lines must bring what they need.
		env: {
			PATH: `${join(ROOT, "node_modules/.bin")}:${aws === "/usr/bin/aws" ? "/usr/bin:" : ""}${process.env.PATH}`,
			HOME: dataDir,
		},
		timeout: 60_000,
	});
	return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The report, read with the block's last command once ingest has written it. */
async function untilReport(script: string): Promise<Record<string, unknown>> {
	const deadline = Date.now() + 60_000;
	for (;;) {
		const run = bash(script);
		if (run.status === 0) return JSON.parse(run.stdout) as Record<string, unknown>;
		if (Date.now() > deadline) throw new Error(`no report (exit ${run.status}): ${run.stderr}`);
		await new Promise((done) => setTimeout(done, 500));
	}
}

describe.skipIf(!aws)("the upload commands as pasted, on a stack on any ports", () => {
	beforeAll(async () => {
		dataDir = await mkdtemp(join(tmpdir(), "syndicate-pasted-"));
		child = spawn("npm", ["start", "--", "--data", dataDir], {
			cwd: ROOT,
			env: {
				...process.env,
				SYNDICATE_S3_PORT: "0",
				SYNDICATE_DYNAMODB_PORT: "0",
				SYNDICATE_EDGE_PORT: "0",
			},
			stdio: ["ignore", "pipe", "pipe"],
		});
		child.stdout?.on("data", (chunk: Buffer) => {
			output += chunk.toString();
		});
		child.stderr?.on("data", (chunk: Buffer) => {
			output += chunk.toString();
		});
		const deadline = Date.now() + 120_000;
		while (!output.includes("Ready in")) {
			if (child.exitCode !== null || Date.now() > deadline) {
				throw new Error(`npm start did not get ready:\n${output}`);
			}
			await new Promise((done) => setTimeout(done, 100));
		}
	}, 150_000);
	afterAll(async () => {
		if (child && child.exitCode === null) {
			const exited = new Promise((done) => child?.once("exit", done));
			child.kill("SIGTERM");
			await exited;
		}
		await rm(ZIP, { force: true });
		if (dataDir) await rm(dataDir, { recursive: true, force: true });
	}, 60_000);

	it("the banner's lines upload the bundle and read its report", async () => {
		const lines = (output.split("Upload a bundle as a partner does (AWS CLI):\n")[1] ?? "")
			.split("\n\n")[0]
			?.split("\n")
			.map((line) => line.trim());
		const [read, ...upload] = [...(lines ?? [])].reverse();
		expect(upload.at(-1)).toMatch(/^npm run syndicate -- pack /);
		const script = [...upload]
			.reverse()
			.filter((line) => !line.startsWith("..."))
			.join("\n");
		const run = bash(script);
		expect(run.status, run.stderr).toBe(0);
		const report = await untilReport(
			`${upload.find((line) => line.startsWith("export "))}\n${read}`,
		);
		expect(report).toMatchObject({ status: "published" });
	}, 120_000);

	it("the README's block does the same, reading the ports from the data folder", async () => {
		const readme = await readFile(join(ROOT, "README.md"), "utf8");
		const section = readme.split("## How a partner uploads")[1] ?? "";
		const block = section.split("```sh\n")[1]?.split("```")[0] ?? "";
		expect(block).toContain("./.data/endpoints.json");
		// The one change a test must make: its stack keeps its data in a folder of its own.
		const pasted = block.replaceAll("./.data/endpoints.json", join(dataDir, "endpoints.json"));
		const lines = pasted.trim().split("\n");
		const readReport = lines.findIndex((line) => line.includes("/reports/"));
		await rm(ZIP, { force: true });
		const run = bash(lines.slice(0, readReport).join("\n"));
		expect(run.status, run.stderr).toBe(0);
		const setup = lines.filter((line) => /^(export |[A-Z][A-Z0-9_]*=\$\()/.test(line)).join("\n");
		const report = await untilReport(`${setup}\n${lines[readReport]}`);
		// The banner's test sent the very same bundle first: the packer writes the same bytes.
		expect(report).toMatchObject({ status: "duplicate" });
		const feed = bash(`${setup}\n${lines.slice(readReport + 1).join("\n")}`);
		expect(feed.status, feed.stderr).toBe(0);
		expect(JSON.parse(feed.stdout)).toMatchObject({ version: "https://jsonfeed.org/version/1.1" });
		expect(existsSync(ZIP)).toBe(true);
	}, 120_000);
});
