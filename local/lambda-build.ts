import { existsSync } from "node:fs";
import { mkdir, readdir, rename, rm, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { filesUnder, hashOf } from "./function-shapes.ts";

const ROOT = resolve(import.meta.dirname, "..");

/** Where the local stack builds the functions: under the repository, so @aws-sdk/* resolves from its node_modules. */
export const defaultBuildDir = join(ROOT, ".data", "lambda-build");

export interface FunctionBuild {
	/** The folder of this build: `<function>/index.mjs` and `shim.mjs`. */
	dir: string;
	/** The bundle of the function whose code is in functions/<entry>/. */
	bundleOf(entry: string): string;
	/** The container runtime (lambda-shim.ts), built. */
	shim: string;
	/** False when a build of the same sources was there already. */
	built: boolean;
	ms: number;
}

/**
 * Bundles every function with the deployed esbuild options (`infra/bundling.ts`, the SDK
 * external as in Lambda), plus the container shim, into `<buildDir>/<hash>/`. The hash covers
 * functions/, shared/, infra/, the shim and the package files: unchanged sources reuse the
 * build. Built into a temporary folder and renamed, so stacks starting at once do not clash.
 */
export async function buildFunctions(buildDir = defaultBuildDir): Promise<FunctionBuild> {
	const started = performance.now();
	const sources = [
		...(await filesUnder(join(ROOT, "functions"))),
		...(await filesUnder(join(ROOT, "shared"))),
		...(await filesUnder(join(ROOT, "infra"))),
		join(ROOT, "local", "lambda-shim.ts"),
		join(ROOT, "package.json"),
		join(ROOT, "package-lock.json"),
	].filter((file) => existsSync(file));
	const dir = join(buildDir, await hashOf(sources));
	const result = (built: boolean): FunctionBuild => ({
		dir,
		bundleOf: (entry) => join(dir, entry, "index.mjs"),
		shim: join(dir, "shim.mjs"),
		built,
		ms: Math.round(performance.now() - started),
	});
	if (existsSync(join(dir, "shim.mjs"))) return result(false);

	const [{ build }, { functionBuildOptions, functionEntries }] = await Promise.all([
		import("esbuild"),
		import("../infra/bundling.ts"),
	]);
	const temporary = `${dir}.${process.pid}.${Date.now()}.tmp`;
	await mkdir(temporary, { recursive: true });
	try {
		await Promise.all(
			functionEntries().map(({ name, entry }) =>
				build({
					...functionBuildOptions(entry, join(temporary, name, "index.mjs")),
					metafile: false,
				}),
			),
		);
		// The shim is ours, not the function's: plain ESM for Node, no minifying.
		await build({
			entryPoints: [join(ROOT, "local", "lambda-shim.ts")],
			bundle: true,
			platform: "node",
			format: "esm",
			target: "node24",
			outfile: join(temporary, "shim.mjs"),
			logLevel: "error",
		});
		await rename(temporary, dir).catch(async (error: NodeJS.ErrnoException) => {
			// Another start built the same sources meanwhile: theirs is as good.
			if (!existsSync(join(dir, "shim.mjs"))) throw error;
		});
	} finally {
		await rm(temporary, { recursive: true, force: true });
	}
	await pruneBuilds(buildDir, dir);
	return result(true);
}

/**
 * Removes builds of older sources that are a day old, keeping the newest few whatever their
 * age: a stack still running on an older build starts its new containers from it.
 */
async function pruneBuilds(buildDir: string, keep: string, newest = 3): Promise<void> {
	const dayAgo = Date.now() - 86_400_000;
	const builds = await Promise.all(
		(await readdir(buildDir, { withFileTypes: true }))
			.filter((e) => e.isDirectory() && /^[0-9a-f]{16}$/.test(e.name))
			.map(async (e) => {
				const path = join(buildDir, e.name);
				return { path, mtime: (await stat(path)).mtimeMs };
			}),
	);
	const old = builds
		.filter((b) => b.path !== keep)
		.sort((a, b) => b.mtime - a.mtime)
		.slice(newest - 1)
		.filter((b) => b.mtime < dayAgo);
	await Promise.all(old.map((b) => rm(b.path, { recursive: true, force: true })));
}
