import { existsSync, readdirSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { gzipSync } from "node:zlib";
import type { BundlingOptions } from "aws-cdk-lib/aws-lambda-nodejs";
import { type BuildOptions, build, type Metafile } from "esbuild";
import { syndicateBundling } from "../../infra/constructs/syndicate-function.ts";

const ROOT = resolve(import.meta.dirname, "../..");

/** What NodejsFunction leaves out of a bundle for a Node 18+ runtime: the runtime's SDK. */
const RUNTIME_EXTERNALS = ["@aws-sdk/*"];

/** Every function: each folder under functions/ with a handler.ts (functions/lib is shared code). */
export function functionEntries(): { name: string; entry: string }[] {
	const folder = join(ROOT, "functions");
	return readdirSync(folder, { withFileTypes: true })
		.filter((dirent) => dirent.isDirectory() && existsSync(join(folder, dirent.name, "handler.ts")))
		.map((dirent) => ({ name: dirent.name, entry: join(folder, dirent.name, "handler.ts") }))
		.sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * esbuild's options for `syndicateBundling`, translated as CDK's NodejsFunction translates them
 * into its esbuild command line. An option this does not know fails the build: a budget
 * measured on other options than the deployed ones would prove nothing.
 */
export function esbuildOptionsOf(
	bundling: BundlingOptions,
	entry: string,
	outfile: string,
): BuildOptions {
	const known = new Set(["format", "minify", "sourceMap", "target", "mainFields", "banner"]);
	const unknown = Object.keys(bundling).filter((key) => !known.has(key));
	if (unknown.length > 0) {
		throw new Error(`bundling options not mirrored by the budget build: ${unknown.join(", ")}`);
	}
	return {
		entryPoints: [entry],
		bundle: true,
		platform: "node",
		outfile,
		external: RUNTIME_EXTERNALS,
		...(bundling.format ? { format: bundling.format } : {}),
		...(bundling.target ? { target: bundling.target } : {}),
		minify: bundling.minify ?? false,
		sourcemap: bundling.sourceMap ?? false,
		...(bundling.mainFields ? { mainFields: bundling.mainFields } : {}),
		...(bundling.banner ? { banner: { js: bundling.banner } } : {}),
		metafile: true,
		logLevel: "error",
	};
}

export interface FunctionBundle {
	name: string;
	/** The built `index.mjs`. */
	file: string;
	raw: number;
	gzip: number;
	metafile: Metafile;
}

/** Builds one entry exactly as the functions are bundled, into `outdir`. */
export async function buildBundle(
	name: string,
	entry: string,
	outdir: string,
): Promise<FunctionBundle> {
	const file = join(outdir, name, "index.mjs");
	const { metafile } = await build(esbuildOptionsOf(syndicateBundling, entry, file));
	if (!metafile) throw new Error(`esbuild gave no metafile for ${entry}`);
	const code = await readFile(file);
	return { name, file, raw: code.byteLength, gzip: gzipSync(code).byteLength, metafile };
}

/** Every function's bundle, built as deployed (the SDK external), into `outdir`. */
export function buildFunctionBundles(outdir: string): Promise<FunctionBundle[]> {
	return Promise.all(functionEntries().map(({ name, entry }) => buildBundle(name, entry, outdir)));
}

/**
 * Bytes in a bundle per package (`node_modules/<name>`) or, for our code, per top-level
 * folder and subfolder (`shared/domain`), largest first: what to look at when over budget.
 */
export function contributors(metafile: Metafile): [string, number][] {
	const sizes = new Map<string, number>();
	for (const output of Object.values(metafile.outputs)) {
		for (const [path, { bytesInOutput }] of Object.entries(output.inputs)) {
			const pkg = /.*node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)?.[1];
			const name = pkg ?? path.split("/").slice(0, 2).join("/");
			sizes.set(name, (sizes.get(name) ?? 0) + bytesInOutput);
		}
	}
	return [...sizes].sort((a, b) => b[1] - a[1]);
}

/** `12.3 KiB  zod` lines, the `limit` largest. */
export function describeContributors(metafile: Metafile, limit = 10): string {
	return contributors(metafile)
		.slice(0, limit)
		.map(([name, bytes]) => `${(bytes / 1024).toFixed(1).padStart(7)} KiB  ${name}`)
		.join("\n");
}
