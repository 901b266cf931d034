import { spawn } from "node:child_process";
import { benchBursts } from "./burst.ts";
import { benchCliStartUp } from "./cli-start-up.ts";
import { benchColdStart } from "./cold-start.ts";
import { benchEdge } from "./edge.ts";
import { benchFeedIcons } from "./feed-icons.ts";
import { benchIdleSchedule } from "./idle-schedule.ts";
import { benchRender } from "./render.ts";
import { benchTakedown } from "./takedown.ts";
import { benchUploadAtScale } from "./upload-at-scale.ts";
import { benchUploadToPublic } from "./upload-to-public.ts";

// One line per ingest would bury the figures.
process.env.AWS_LAMBDA_LOG_LEVEL ??= "WARN";

// Each starts and stops its own stack, in a process of its own (below): the handlers build
// their clients once per process, for the first stack started, so a second stack's start-up
// sweep would reach the first one's stopped servers; and one benchmark's JIT and garbage do
// not weigh on the next one's figures.
const benchmarks: [string, () => Promise<void>][] = [
	[
		"feed rendering: RSS, Atom and JSON Feed of 50 and 1,000 items vs a hand-written escaping template",
		async () => {
			benchRender();
		},
	],
	[
		"feed icons: the first feedIconFiles() of a process vs reading the same images from docs/icons",
		() => benchFeedIcons(),
	],
	[
		"Lambda cold start: import and first invocation of each built bundle vs an SDK-only bundle",
		() => benchColdStart(),
	],
	[
		"upload → public latency: 100 uploads, one at a time, after 30 to warm up a fresh local stack",
		() => benchUploadToPublic(100, 30),
	],
	[
		"upload → public at scale: 20 uploads, one at a time, with 100 vs 100,000 stored published articles",
		() =>
			benchUploadAtScale({
				small: 100,
				large: 100_000,
				uploads: 20,
				warmup: 3,
				seedBudgetMs: 180_000,
			}),
	],
	[
		"takedown at scale: revoke 1 agreement of 1,000 published articles until the edge shows none",
		() => benchTakedown(1000, 5),
	],
	[
		"burst: 1,000 uploads until all public, and aws s3 sync of 300 bundles until every report, vs the same PUTs into a prefix nothing ingests",
		() => benchBursts(1000, 300),
	],
	[
		"schedule with nothing due: releaseDue() over 100 vs 100,000 embargoed articles",
		() =>
			benchIdleSchedule({
				small: 100,
				large: 100_000,
				runs: 200,
				warmup: 20,
				seedBudgetMs: 120_000,
			}),
	],
	[
		"CLI start-up: --help and three read commands, from the bundle (directly and through npm) and under tsx, vs node -e 0",
		() => benchCliStartUp(),
	],
	[
		"local edge vs nginx on the same file: conditional GET (304) and full GET",
		async () => {
			await benchEdge();
		},
	],
];

const ONE = "--one";

/** Runs benchmark `index` in a new process of this script, its output as this one's. */
function runAlone(index: number): Promise<void> {
	return new Promise((resolve, reject) => {
		const child = spawn(
			process.execPath,
			[...process.execArgv, import.meta.filename, ONE, String(index)],
			{ stdio: "inherit" },
		);
		child.on("error", reject);
		child.on("exit", (code) =>
			code === 0 ? resolve() : reject(new Error(`benchmark ${index + 1} exited with ${code}`)),
		);
	});
}

const args = process.argv.slice(2);
if (args[0] === ONE) {
	const [, run] = benchmarks[Number(args[1])] ?? [];
	if (!run) throw new Error(`no benchmark ${args[1]}`);
	await run();
} else {
	// `npm run bench -- takedown edge` runs only the benchmarks whose title holds one of the words.
	const only = args.map((word) => word.toLowerCase());
	for (const [index, [title]] of benchmarks.entries()) {
		if (only.length > 0 && !only.some((word) => title.toLowerCase().includes(word))) continue;
		console.log(`\n[${index + 1}/${benchmarks.length}] ${title}`);
		await runAlone(index);
	}
}
