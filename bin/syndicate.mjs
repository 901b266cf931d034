#!/usr/bin/env node
// The ops CLI, started from its esbuild bundle (cli/build.ts): tsx's transpiling and the AWS
// SDK's thousand files took most of a second per command. Plain JavaScript, so that it needs
// no tsx and runs on whatever Node a shell finds.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import nodeModule from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url)).replace(/\/$/, "");
const PROJECT_NODE = join(ROOT, "node_modules", ".bin", "node");

/**
 * The current bundle's entry, unless it is missing or any file it was built from (the
 * manifest cli/build.ts writes) has another mtime or size now: a stale bundle never runs.
 */
function freshBundle() {
	const dist = process.env.SYNDICATE_CLI_DIST ?? join(ROOT, "dist", "cli");
	let manifest;
	try {
		manifest = JSON.parse(readFileSync(join(dist, "current.json"), "utf8"));
	} catch {
		return undefined;
	}
	if (manifest.root !== ROOT) return undefined;
	for (const [path, mtimeMs, size] of manifest.inputs) {
		const stats = statSync(join(ROOT, path), { throwIfNoEntry: false });
		const same = stats ? stats.mtimeMs === mtimeMs && stats.size === size : mtimeMs === null;
		if (!same) return undefined;
	}
	return join(dist, manifest.dir, "syndicate.mjs");
}

if (Number(process.versions.node.split(".")[0]) < 24 && existsSync(PROJECT_NODE)) {
	// An older Node on the PATH (run directly, not through npm): the project's own Node 24
	// runs the bundle, as `npm run syndicate` does.
	const args = [fileURLToPath(import.meta.url), ...process.argv.slice(2)];
	const child = spawnSync(PROJECT_NODE, args, { stdio: "inherit" });
	process.exit(child.status ?? 1);
} else {
	let entry = freshBundle();
	if (!entry) {
		if (process.stderr.isTTY) console.error("syndicate: building the CLI (dist/cli/)…");
		const { buildCli } = await import("../cli/build.ts");
		// esbuild has printed where the sources do not compile: its message's first line says
		// how many errors (or why the build could not be written) after them, no stack trace.
		entry = await buildCli().catch((error) => {
			console.error(
				`syndicate: the CLI does not build: ${String(error?.message).split("\n")[0]?.replace(/:$/, "")}`,
			);
			process.exit(1);
		});
	}
	// V8's compiled code, kept beside the build it is of: a quarter less CPU to load the SDK's
	// chunks again, measured.
	nodeModule.enableCompileCache(join(dirname(entry), ".compile-cache"));
	await import(pathToFileURL(entry).href);
}
