import { execFile } from "node:child_process";
import { mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import {
	buildBundle,
	buildFunctionBundles,
	describeContributors,
	type FunctionBundle,
} from "../tests/helpers/function-bundles.ts";
import { percentile, row } from "./stats.ts";

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, "..");

// The clients the functions build at module scope, and nothing else: the floor of any
// function on this runtime. Bundled as the functions are, so only our code differs.
const SDK_ONLY = `
import { CloudFrontClient } from "@aws-sdk/client-cloudfront";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
export const clients = [new S3Client({}), DynamoDBDocumentClient.from(new DynamoDBClient({})), new CloudFrontClient({})];
export const handler = async () => clients.length;
`;

// A fresh Node process per sample: imports the bundle, then invokes its handler once with an
// event that needs no network (S3's test event; an empty publish), and prints the two times.
const PROBE = `
const [file, event] = process.argv.slice(2);
const started = performance.now();
const module = await import(file);
const imported = performance.now() - started;
let invoked = null;
if (event !== "-") {
	const start = performance.now();
	await module.handler(JSON.parse(event), { functionName: "bench", awsRequestId: "bench" });
	invoked = performance.now() - start;
}
process.stdout.write("\\nCOLD " + JSON.stringify({ imported, invoked }) + "\\n");
`;

const TEST_EVENT = JSON.stringify({ Event: "s3:TestEvent", Service: "Amazon S3" });
const EVENTS: Record<string, unknown> = {
	"sdk-only": {},
	ingest: {
		Records: [{ messageId: "bench-1", body: TEST_EVENT, attributes: {}, eventSource: "aws:sqs" }],
	},
	publish: { targets: [] },
};

const ENV = {
	PATH: process.env.PATH ?? "",
	AWS_REGION: "us-east-1",
	AWS_ACCESS_KEY_ID: "bench",
	AWS_SECRET_ACCESS_KEY: "bench",
	TABLE_NAME: "bench",
	INGEST_BUCKET: "bench-ingest",
	SITE_BUCKET: "bench-site",
	SITE_URL: "https://bench.example",
	LOGS_BUCKET: "bench-logs",
	STAGE: "bench",
};

const COLD_START_GOAL = 1.3;

interface Sample {
	imported: number;
	invoked: number | null;
}

async function probe(file: string, event: unknown, sourceMaps: boolean): Promise<Sample> {
	const args = [
		...(sourceMaps ? ["--enable-source-maps"] : []),
		join(file, "../../probe.mjs"),
		file,
		event === undefined ? "-" : JSON.stringify(event),
	];
	const { stdout } = await run(process.execPath, args, { env: ENV, maxBuffer: 16 * 1024 * 1024 });
	const line = stdout.split("\n").find((l) => l.startsWith("COLD "));
	if (!line) throw new Error(`no timing from ${file}:\n${stdout}`);
	return JSON.parse(line.slice("COLD ".length)) as Sample;
}

/**
 * Cold start of each function's bundle, built as deployed, under this Node (24 in `npm run
 * bench`): the import, and the first invocation, each in a fresh process; the import as a
 * ratio to an SDK-only bundle's in the same run (issue 9's goal: ≤ 1.1×), with and without
 * `--enable-source-maps`. Samples are interleaved, so load on the machine hits all alike.
 */
export async function benchColdStart(rounds = 15): Promise<void> {
	const outdir = await mkdtemp(join(tmpdir(), "syndicate-cold-"));
	try {
		// The SDK stays external, as in Lambda, where the runtime provides it.
		await symlink(join(ROOT, "node_modules"), join(outdir, "node_modules"), "dir");
		await writeFile(join(outdir, "probe.mjs"), PROBE);
		await writeFile(join(outdir, "sdk-only.ts"), SDK_ONLY);
		const bundles: FunctionBundle[] = [
			await buildBundle("sdk-only", join(outdir, "sdk-only.ts"), outdir),
			...(await buildFunctionBundles(outdir)),
		];
		for (const { name, raw, gzip, metafile } of bundles) {
			console.log(
				`  ${name}: ${(raw / 1000).toFixed(1)} KB raw, ${(gzip / 1000).toFixed(1)} KB gzip`,
			);
			if (name !== "sdk-only")
				console.log(describeContributors(metafile, 6).replace(/^/gm, "    "));
		}
		const samples = new Map<string, Sample[]>();
		for (let round = 0; round < rounds; round++) {
			for (const sourceMaps of [false, true]) {
				for (const { name, file } of bundles) {
					const sample = await probe(file, EVENTS[name], sourceMaps);
					const key = `${name}${sourceMaps ? " +source maps" : ""}`;
					samples.set(key, [...(samples.get(key) ?? []), sample]);
				}
			}
		}
		const imports = (key: string) => (samples.get(key) ?? []).map((s) => s.imported);
		for (const sourceMaps of [false, true]) {
			const suffix = sourceMaps ? " +source maps" : "";
			const baseline = imports(`sdk-only${suffix}`);
			console.log(`  import${suffix || ", no source maps"} (fresh process each, ${rounds} runs)`);
			for (const { name } of bundles) {
				console.log(row(`${name}${suffix}`, imports(`${name}${suffix}`), baseline));
			}
		}
		console.log("  first invocation after the import (no network: S3 test event, empty publish)");
		for (const { name } of bundles) {
			const invoked = (samples.get(name) ?? []).flatMap((s) =>
				s.invoked === null ? [] : [s.invoked],
			);
			if (name !== "sdk-only" && invoked.length > 0 && EVENTS[name]) {
				console.log(row(name, invoked));
			}
		}
		// What a cold invocation costs in all: the import (Lambda's init) and the first call.
		const totals = (key: string) =>
			(samples.get(key) ?? []).flatMap((s) => (s.invoked === null ? [] : [s.imported + s.invoked]));
		const baseline = totals("sdk-only");
		console.log(
			`  cold start, init + first invocation, vs the SDK-only bundle's (goal ≤ ${COLD_START_GOAL}×)`,
		);
		let met = true;
		for (const { name } of bundles) {
			const total = totals(name);
			if (name === "sdk-only" || total.length === 0) continue;
			console.log(row(name, total, baseline));
			met &&= percentile(total, 50) <= COLD_START_GOAL * percentile(baseline, 50);
		}
		console.log(
			`  goal ≤ ${COLD_START_GOAL}× p50 for every function invoked: ${met ? "met" : "MISSED"}`,
		);
		const plain = percentile(imports("sdk-only"), 50);
		const mapped = percentile(imports("sdk-only +source maps"), 50);
		console.log(
			`  SDK-only import p50: ${plain.toFixed(1)} ms, with source maps ${mapped.toFixed(1)} ms`,
		);
	} finally {
		await rm(outdir, { recursive: true, force: true });
	}
}
