import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { percentile, row } from "./stats.ts";

const run = promisify(execFile);

/** The goal for the first draw, p50: a cold ingest container pays it on its first publish. */
const GOAL_MS = 30;

interface Sample {
	wallMs: number;
	cpuMs: number;
}

async function sample(which: "draw" | "read"): Promise<Sample> {
	const child = new URL("./feed-icons-first.ts", import.meta.url).pathname;
	const { stdout } = await run(process.execPath, [...process.execArgv, child, which]);
	return JSON.parse(stdout) as Sample;
}

/**
 * The first feedIconFiles() of a process, each sample a fresh one, against reading the same
 * images from files in the same way: wall time as a ratio, and the p50 of the drawing thread's
 * CPU time, which on a busy machine says what the wall time would be on an idle one.
 * Interleaved, so load on the machine hits both alike.
 */
export async function benchFeedIcons(rounds = 15): Promise<void> {
	const draws: Sample[] = [];
	const reads: Sample[] = [];
	for (let i = 0; i < rounds; i++) {
		draws.push(await sample("draw"));
		reads.push(await sample("read"));
	}
	const wall = (samples: Sample[]) => samples.map((s) => s.wallMs);
	console.log(row("read docs/icons (baseline)", wall(reads)));
	console.log(row("first feedIconFiles()", wall(draws), wall(reads)));
	const cpuMs = percentile(
		draws.map((s) => s.cpuMs),
		50,
	);
	console.log(
		`  first feedIconFiles() CPU p50 ${cpuMs.toFixed(1)} ms${cpuMs <= GOAL_MS ? "" : `   (over the ${GOAL_MS} ms goal)`}`,
	);
}
