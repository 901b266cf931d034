import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { build, type Metafile } from "esbuild";
import { functionBuildOptions, functionEntries } from "../../infra/bundling.ts";

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
	const { metafile } = await build(functionBuildOptions(entry, file));
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
