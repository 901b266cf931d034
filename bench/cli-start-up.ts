import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { FIRST_BUNDLES, startEphemeralStack, uploadBundles } from "../local/stack.ts";
import { percentile, row } from "./stats.ts";

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, "..");

/** The goal for `--help` and the read commands, p50. */
const GOAL_MS = 500;

/** The ways an operator starts the CLI, each a command line for the CLI's arguments. */
const WAYS: [string, (args: string[]) => [string, string[]]][] = [
	["bin/syndicate.mjs", (args) => [process.execPath, ["bin/syndicate.mjs", ...args]]],
	["npm run syndicate --", (args) => ["npm", ["run", "syndicate", "--", ...args]]],
	// What `npm run syndicate` ran before the bundle, for comparison.
	[
		"node --import tsx",
		(args) => [process.execPath, ["--import", "tsx", "cli/syndicate.ts", ...args]],
	],
];

/**
 * CPU time (user and system, ms) of the child processes this one has waited for, from
 * /proc/self/stat (Linux); NaN elsewhere. On a busy machine the wall time of a start-up says
 * mostly how long it waited for a core; its CPU time is what it costs on an idle one.
 */
async function childrenCpuMs(): Promise<number> {
	const stat = await readFile("/proc/self/stat", "utf8").catch(() => undefined);
	if (!stat) return Number.NaN;
	// cutime and cstime, proc(5)'s fields 16 and 17 (the first after the name is 3), in clock
	// ticks: 100 a second on Linux.
	const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
	return (Number(fields[13]) + Number(fields[14])) * 10;
}

interface Sample {
	wallMs: number;
	cpuMs: number;
}

async function timed(command: string, args: string[]): Promise<Sample> {
	const cpu = await childrenCpuMs();
	const started = performance.now();
	await run(command, args, { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
	const wallMs = performance.now() - started;
	return { wallMs, cpuMs: (await childrenCpuMs()) - cpu };
}

/**
 * Start-up of the ops CLI: `--help` and three read commands against a fresh local stack (the
 * demo's articles ingested), each a fresh process, from the bundle directly and through npm,
 * and under tsx as before: wall time as ratios to `node -e 0`'s in the same run, and the p50
 * of wall and CPU time. Samples are interleaved, so load on the machine hits all alike.
 */
export async function benchCliStartUp(rounds = 10): Promise<void> {
	const stack = await startEphemeralStack();
	try {
		const { endpoints } = stack;
		await uploadBundles(
			stack.s3,
			endpoints.ingestBucket,
			"science-news",
			FIRST_BUNDLES.map((name) => join(ROOT, "examples", "bundles", name)),
		);
		await stack.idle();
		const data = ["--data", endpoints.dataDir];
		const commands: [string, string[]][] = [
			["--help", ["--help"]],
			["status", ["status", ...data]],
			["agreements list", ["agreements", "list", ...data]],
			["articles list", ["articles", "list", ...data]],
		];
		// Builds the bundle if it is missing or stale, and warms the disk cache for every way.
		for (const [, line] of WAYS) await timed(...line(["--help"]));

		const baseline: Sample[] = [];
		const samples = new Map<string, Sample[]>();
		for (let round = 0; round < rounds; round++) {
			baseline.push(await timed(process.execPath, ["-e", "0"]));
			for (const [command, args] of commands) {
				for (const [way, line] of WAYS) {
					const key = `${command}, ${way}`;
					samples.set(key, [...(samples.get(key) ?? []), await timed(...line(args))]);
				}
			}
		}
		const walls = (sample: Sample[]) => sample.map((s) => s.wallMs);
		const cpus = (sample: Sample[]) => sample.map((s) => s.cpuMs);
		const p50 = (values: number[]) => percentile(values, 50).toFixed(0);
		console.log(`  wall time, fresh process each, ${rounds} runs, vs node -e 0`);
		console.log(row("node -e 0", walls(baseline)));
		for (const [key, sample] of samples) console.log(row(key, walls(sample), walls(baseline)));
		console.log(
			`  p50 wall / CPU ms (node -e 0: ${p50(walls(baseline))} / ${p50(cpus(baseline))}); goal ≤ ${GOAL_MS} ms`,
		);
		console.log(`  ${"".padEnd(18)}${WAYS.map(([way]) => way.padStart(24)).join("")}`);
		for (const [command] of commands) {
			const cells = WAYS.map(([way]) => {
				const sample = samples.get(`${command}, ${way}`) ?? [];
				const over = percentile(walls(sample), 50) > GOAL_MS ? "*" : " ";
				return `${p50(walls(sample))}${over}/ ${p50(cpus(sample))}`.padStart(24);
			});
			console.log(`  ${command.padEnd(18)}${cells.join("")}`);
		}
		console.log(`  * over the goal`);
	} finally {
		await stack.stop();
	}
}
