import { spawn } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BuildManifest, cliBuildOptions } from "../../cli/build.ts";
import { syndicateBundling } from "../../infra/constructs/syndicate-function.ts";

const ROOT = resolve(import.meta.dirname, "../..");

let dist: string;
beforeAll(async () => {
	dist = await mkdtemp(join(tmpdir(), "syndicate-cli-dist-"));
});
afterAll(async () => {
	if (dist) await rm(dist, { recursive: true, force: true });
});

/** bin/syndicate.mjs, as `npm run syndicate` starts it, with its bundle in `dist`. */
function launch(args: readonly string[]): Promise<{ code: number | null; out: string }> {
	return new Promise((done, fail) => {
		const child = spawn(process.execPath, ["bin/syndicate.mjs", ...args], {
			cwd: ROOT,
			env: { ...process.env, SYNDICATE_CLI_DIST: dist },
			stdio: ["ignore", "pipe", "inherit"],
		});
		let out = "";
		child.stdout.on("data", (chunk: Buffer) => {
			out += chunk;
		});
		child.on("error", fail);
		child.on("close", (code) => done({ code, out }));
	});
}

async function manifest(): Promise<BuildManifest> {
	return JSON.parse(await readFile(join(dist, "current.json"), "utf8")) as BuildManifest;
}

describe("bin/syndicate.mjs runs the CLI's bundle", () => {
	it("builds the bundle when there is none, and runs --help from it", async () => {
		const run = await launch(["--help"]);
		expect(run.code).toBe(0);
		expect(run.out).toContain("Usage: syndicate");
		const { dir, root } = await manifest();
		expect(root).toBe(ROOT);
		expect(await readdir(dist)).toEqual(expect.arrayContaining([dir, "current.json"]));
	});

	it("runs the same bundle while nothing it was built from has changed", async () => {
		const before = (await manifest()).dir;
		expect((await launch(["status", "--help"])).code).toBe(0);
		expect((await manifest()).dir).toBe(before);
	});

	it("rebuilds, rather than runs, a bundle older than one of its sources", async () => {
		const stale = await manifest();
		const entry = stale.inputs.find(([path]) => path === "cli/syndicate.ts");
		expect(entry).toBeDefined();
		// As if cli/syndicate.ts had been saved since: its mtime no longer matches the build's.
		await writeFile(
			join(dist, "current.json"),
			JSON.stringify({
				...stale,
				inputs: stale.inputs.map(([path, mtimeMs, size]) =>
					path === "cli/syndicate.ts" ? [path, (mtimeMs ?? 0) - 1000, size] : [path, mtimeMs, size],
				),
			}),
		);
		const run = await launch(["--help"]);
		expect(run.code).toBe(0);
		const rebuilt = await manifest();
		expect(rebuilt.dir).not.toBe(stale.dir);
		const source = await stat(join(ROOT, "cli/syndicate.ts"));
		expect(rebuilt.inputs).toContainEqual(["cli/syndicate.ts", source.mtimeMs, source.size]);
	});
});

describe("the CLI's bundle", () => {
	it("is built as the functions are, the AWS SDK bundled", () => {
		const options = cliBuildOptions(dist);
		expect(options).toMatchObject({
			format: syndicateBundling.format,
			target: syndicateBundling.target,
			minify: syndicateBundling.minify,
			mainFields: syndicateBundling.mainFields,
			banner: { js: syndicateBundling.banner },
		});
		expect(options.external).toBeUndefined();
	});

	// What startup.test.ts checks of the sources, of the bundle: the chunks its entry
	// imports statically are all `--help` loads.
	it("loads none of a command's dependencies at start-up, and keeps no bundle-relative paths", async () => {
		const outdir = join(dist, "inspect");
		const { metafile } = await build({ ...cliBuildOptions(outdir), write: true });
		const outputs = metafile.outputs;
		const entry = Object.keys(outputs).find((file) => file.endsWith("/syndicate.mjs"));
		expect(entry).toBeDefined();
		const loaded = new Set<string>();
		const next = [entry ?? ""];
		for (let file = next.pop(); file !== undefined; file = next.pop()) {
			if (loaded.has(file)) continue;
			loaded.add(file);
			for (const imported of outputs[file]?.imports ?? []) {
				if (imported.kind === "import-statement" && !imported.external) next.push(imported.path);
			}
		}
		const inputs = [...loaded].flatMap((file) => Object.keys(outputs[file]?.inputs ?? {}));
		expect(inputs).toContain("cli/syndicate.ts");
		const heavy = inputs.filter((path) =>
			/node_modules\/(@aws-sdk|@smithy|aws-cdk-lib|constructs|zod|xss|yauzl|fflate)\/|^(shared\/adapters|functions|local)\//.test(
				path,
			),
		);
		expect(heavy).toEqual([]);
		// Our sources' import.meta.dirname is their folder, as under tsx (cli/smoke.ts needs it).
		for (const file of Object.keys(outputs)) {
			expect(await readFile(resolve(ROOT, file), "utf8")).not.toContain("import.meta.dirname");
		}
	});
});
