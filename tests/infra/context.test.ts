import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { synthError } from "./synth.ts";

const ROOT = resolve(import.meta.dirname, "../..");

// Issue 23: a bad `-c` was ignored (an unknown key, an empty value) or ended in a stack trace.
describe("every -c the app cannot use is refused, naming it and what is expected", () => {
	it.each([
		[
			{ nonsense: "1" },
			/^-c nonsense is not a setting of this app; it reads -c stage=<a stage name/,
		],
		[{ domainname: "news.example.org" }, /^-c domainname is not a setting of this app/],
		[{ siteUrl: "" }, /^-c siteUrl is gone/],
		[{ stage: "" }, /^-c stage= is empty: give -c stage=<a stage name such as dev or prod>/],
		[{ alarmEmail: " " }, /^-c alarmEmail= is empty/],
		[{ partnersFile: "" }, /^-c partnersFile= is empty/],
	])("%j", (context, message) => {
		expect(synthError(context)).toMatch(message);
	});
});

describe("the app as cdk runs it", () => {
	let outdir: string;
	beforeAll(async () => {
		outdir = await mkdtemp(join(tmpdir(), "syndicate-cdk-out-"));
	});
	afterAll(async () => {
		if (outdir) await rm(outdir, { recursive: true, force: true });
	});

	it("prints a refused -c as one line and exits 1, with no stack trace", async () => {
		// How the cdk CLI hands the app its context (cdk.json's and every -c).
		const env = {
			...process.env,
			CDK_CONTEXT_JSON: JSON.stringify({ stage: "Prod" }),
			CDK_OUTDIR: outdir,
		};
		const child = spawn(process.execPath, ["--import", "tsx", "infra/app.ts"], { cwd: ROOT, env });
		let err = "";
		child.stderr.on("data", (chunk: Buffer) => {
			err += chunk;
		});
		const code = await new Promise<number | null>((done, fail) => {
			child.on("error", fail);
			child.on("close", done);
		});
		expect(code).toBe(1);
		expect(err.trimEnd().split("\n"), err).toEqual([
			'syndicate: -c stage: "Prod" must be lower-case letters and digits (hyphens between), starting with a letter, at most 12 characters',
		]);
	});
});
