import { readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { type BuildOptions, build, type Metafile, type Plugin } from "esbuild";

// Plain TypeScript that Node 24 runs as it is (no tsx): bin/syndicate.mjs loads it only to
// rebuild a missing or stale bundle, and `npm run build:cli` runs it.

const ROOT = resolve(import.meta.dirname, "..");

/** Where bin/syndicate.mjs looks for the bundle (gitignored); SYNDICATE_CLI_DIST moves it. */
const cliDist = (): string => resolve(process.env.SYNDICATE_CLI_DIST ?? join(ROOT, "dist", "cli"));

/**
 * Files the bundle depends on besides those it bundles: the build itself, and what changes
 * when dependencies are installed (node_modules/.package-lock.json is rewritten by every
 * install), so that a bundle of an older SDK is not run either.
 */
const ALSO_DEPENDS_ON = [
	"cli/build.ts",
	"package.json",
	"package-lock.json",
	"node_modules/.package-lock.json",
	"tsconfig.json",
];

/**
 * One file's state when the bundle was built: its path under the repository, mtime and size
 * (null when it did not exist, -1 when it changed while the build read it). bin/syndicate.mjs
 * rebuilds when any differs from the file's state now.
 */
type InputStamp = [path: string, mtimeMs: number | null, size: number | null];

/** `current.json` in the dist folder: the bundle to run, and what it was built from. */
export interface BuildManifest {
	/** The repository it was built in: a moved checkout has other paths (see sourcePaths). */
	root: string;
	/** The build's folder in the dist folder, holding `syndicate.mjs` and `chunks/`. */
	dir: string;
	inputs: InputStamp[];
}

/**
 * `import.meta.dirname`, `filename` and `url` of our sources as they are under tsx (the
 * source file's), not the bundle's: cli/smoke.ts finds the example bundles that way.
 */
const sourcePaths: Plugin = {
	name: "source-paths",
	setup(plugin) {
		plugin.onLoad({ filter: /\.ts$/ }, async ({ path }) => {
			if (path.includes("/node_modules/")) return undefined;
			const source = await readFile(path, "utf8");
			if (!source.includes("import.meta.")) return undefined;
			return {
				loader: "ts",
				contents: source
					.replaceAll("import.meta.dirname", JSON.stringify(dirname(path)))
					.replaceAll("import.meta.filename", JSON.stringify(path))
					.replaceAll("import.meta.url", JSON.stringify(pathToFileURL(path).href)),
			};
		});
	},
};

/**
 * esbuild's options for the CLI: the functions' (`syndicateBundling`: ESM for Node 24,
 * minified, the `require` banner for bundled CommonJS) with the AWS SDK bundled too (no
 * runtime provides it here, and one file loads faster than its thousand), split at every
 * `import()` so that `--help` loads no command's dependencies (cli/context.ts), and no source
 * maps: the CLI prints messages, never stack traces.
 */
export function cliBuildOptions(outdir: string): BuildOptions & { metafile: true } {
	return {
		absWorkingDir: ROOT,
		entryPoints: { syndicate: join(ROOT, "cli", "syndicate.ts") },
		bundle: true,
		platform: "node",
		format: "esm",
		target: "node24",
		mainFields: ["module", "main"],
		minify: true,
		banner: {
			js: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
		},
		splitting: true,
		outdir,
		outExtension: { ".js": ".mjs" },
		chunkNames: "chunks/[name]-[hash]",
		plugins: [sourcePaths],
		metafile: true,
		logLevel: "error",
	};
}

async function stampOf(path: string, buildStarted: number): Promise<InputStamp> {
	const stats = await stat(join(ROOT, path)).catch(() => undefined);
	if (!stats) return [path, null, null];
	return [path, stats.mtimeMs < buildStarted ? stats.mtimeMs : -1, stats.size];
}

/** The repository's files the bundle was built from: its inputs outside node_modules. */
function sourcesOf(metafile: Metafile): string[] {
	return Object.keys(metafile.inputs).filter((path) => !/(^|\/)node_modules\//.test(path));
}

// A command still running from an older build may yet load one of its chunks.
const KEEP_OLD_BUILDS_MS = 60 * 60 * 1000;

/** Removes the builds other than `keep` (and other builds under way) made over an hour ago. */
async function pruneOldBuilds(dist: string, keep: string): Promise<void> {
	const entries = await readdir(dist, { withFileTypes: true });
	const now = Date.now();
	await Promise.all(
		entries
			.filter((entry) => entry.isDirectory() && entry.name !== keep)
			.map(async ({ name }) => {
				// Gone meanwhile: another launcher pruned it, or finished building it.
				const made = await stat(join(dist, name)).catch(() => undefined);
				if (made && now - made.mtimeMs > KEEP_OLD_BUILDS_MS) {
					await rm(join(dist, name), { recursive: true, force: true });
				}
			}),
	);
}

/**
 * Builds the CLI into a new folder of the dist folder and makes it the current one; returns
 * its entry. Launchers building at once each run their own build; the last one written is
 * current.
 */
export async function buildCli(): Promise<string> {
	const started = Date.now();
	const dist = cliDist();
	const dir = `${started.toString(36)}-${process.pid}`;
	const building = join(dist, `${dir}.tmp`);
	try {
		const { metafile } = await build(cliBuildOptions(building));
		const inputs = await Promise.all(
			[...sourcesOf(metafile), ...ALSO_DEPENDS_ON].map((path) => stampOf(path, started)),
		);
		await rename(building, join(dist, dir));
		const manifest: BuildManifest = { root: ROOT, dir, inputs };
		const written = join(dist, `current.json.${dir}`);
		await writeFile(written, `${JSON.stringify(manifest)}\n`);
		await rename(written, join(dist, "current.json"));
	} finally {
		await rm(building, { recursive: true, force: true });
	}
	await pruneOldBuilds(dist, dir);
	return join(dist, dir, "syndicate.mjs");
}

if (import.meta.main) {
	const entry = await buildCli();
	console.log(`built ${relative(process.cwd(), entry)}`);
}
