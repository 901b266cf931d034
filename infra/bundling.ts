import { existsSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import type { BundlingOptions } from "aws-cdk-lib/aws-lambda-nodejs";
import type { BuildOptions } from "esbuild";
import { syndicateBundling } from "./constructs/syndicate-function.ts";

const ROOT = resolve(import.meta.dirname, "..");

/**
 * What NodejsFunction leaves out of a bundle for a Node 18+ runtime: the runtime's SDK. (The
 * local stack's bundles resolve it from node_modules instead.)
 */
export const RUNTIME_EXTERNALS = ["@aws-sdk/*"];

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
 * into its esbuild command line. An option this does not know fails the build: a bundle
 * measured or run locally on other options than the deployed ones would prove nothing.
 */
export function esbuildOptionsOf(
	bundling: BundlingOptions,
	entry: string,
	outfile: string,
): BuildOptions {
	const known = new Set(["format", "minify", "sourceMap", "target", "mainFields", "banner"]);
	const unknown = Object.keys(bundling).filter((key) => !known.has(key));
	if (unknown.length > 0) {
		throw new Error(`bundling options not mirrored by the local build: ${unknown.join(", ")}`);
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

/** The esbuild options of a deployed function's bundle: `syndicateBundling`, translated. */
export function functionBuildOptions(entry: string, outfile: string): BuildOptions {
	return esbuildOptionsOf(syndicateBundling, entry, outfile);
}
