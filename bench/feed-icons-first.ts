// One sample for bench/feed-icons.ts, in a process of its own so the call is the first:
// `draw` times feedIconFiles(), `read` reads the same images from docs/icons instead.
import { readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { feedIconFiles, feedIconPaths } from "../shared/domain/render/feed-icons.ts";

const work = {
	draw: () => feedIconFiles(),
	read: () =>
		feedIconPaths().map((path) =>
			readFileSync(join(import.meta.dirname, "../docs/icons", basename(path))),
		),
};

const which = process.argv[2];
if (which !== "draw" && which !== "read") throw new Error("usage: feed-icons-first.ts draw|read");
const cpu = process.threadCpuUsage();
const started = performance.now();
work[which]();
const wallMs = performance.now() - started;
const used = process.threadCpuUsage(cpu);
console.log(JSON.stringify({ wallMs, cpuMs: (used.user + used.system) / 1000 }));
