import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, describe, expect, it } from "vitest";
import { dataPaths } from "../../local/data-dir.ts";
import { LocalUploadInventory } from "../../local/local-upload-inventory.ts";
import { isRunning, readPidFile } from "../../local/pid-file.ts";
import { freePort } from "../../local/ports.ts";
import { type Endpoints, localS3Client } from "../../local/stack.ts";
import { LocalVersionStore } from "../../local/version-store.ts";
import { makeBundle, makeManifest } from "../helpers/bundles.ts";

const ROOT = join(import.meta.dirname, "../..");
const UPLOADS = 20;
/** The fault strikes once this many uploads of the burst are accepted. */
const KILL_AFTER = 8;

interface Running {
	child: ChildProcess;
	output: () => string;
	endpoints: Endpoints;
	exited: Promise<number | null>;
	readyMs: number;
}

const dataDirs: string[] = [];
const figures: Record<string, unknown> = {};

afterAll(async () => {
	// Whatever a failed test left running: the stack, then its Java.
	for (const dir of dataDirs) {
		const paths = dataPaths(dir);
		for (const file of [paths.stackPid, paths.dynamodbPid]) {
			const record = await readPidFile(file);
			if (record && isRunning(record)) process.kill(record.pid, "SIGKILL");
		}
		await rm(dir, { recursive: true, force: true });
	}
	console.log("fault injection figures:", JSON.stringify(figures, null, 2));
});

/**
 * `npm start` as a user or a process manager runs it, until it prints that it is ready: the
 * signals below go to npm's own process, as a supervisor's would.
 */
async function startStack(
	dataDir: string,
	options: { fresh?: boolean; ports?: { s3: number; dynamodb: number; edge: number } } = {},
): Promise<Running> {
	const started = Date.now();
	const ports = options.ports ?? { s3: 0, dynamodb: 0, edge: 0 };
	const child = spawn(
		"npm",
		["start", "--", "--data", dataDir, ...(options.fresh ? ["--fresh"] : [])],
		{
			cwd: ROOT,
			env: {
				...process.env,
				SYNDICATE_S3_PORT: String(ports.s3),
				SYNDICATE_DYNAMODB_PORT: String(ports.dynamodb),
				SYNDICATE_EDGE_PORT: String(ports.edge),
				SYNDICATE_SWEEP_SECONDS: "2",
				// A receive that failed as DynamoDB Local died, but counted because it was back by
				// the probe, comes back after the visibility timeout: 1 s here, not the template's 360.
				SYNDICATE_VISIBILITY_SECONDS: "1",
			},
			stdio: ["ignore", "pipe", "pipe"],
		},
	);
	let output = "";
	child.stdout?.on("data", (chunk: Buffer) => {
		output += chunk.toString();
	});
	child.stderr?.on("data", (chunk: Buffer) => {
		output += chunk.toString();
	});
	const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
	await new Promise<void>((resolve, reject) => {
		const timer = setInterval(() => {
			if (output.includes("Ready in")) {
				clearInterval(timer);
				resolve();
			}
		}, 50);
		void exited.then((code) => {
			clearInterval(timer);
			reject(new Error(`the stack exited (${code}) before it was ready:\n${output}`));
		});
	});
	const endpoints = JSON.parse(await readFile(dataPaths(dataDir).endpoints, "utf8")) as Endpoints;
	return { child, output: () => output, endpoints, exited, readyMs: Date.now() - started };
}

/**
 * SIGINT (Ctrl-C) or SIGTERM (a process manager) to npm's process; resolves with how long the
 * stack took to exit, once its own process is gone too.
 */
async function interrupt(stack: Running, dataDir: string, signal: NodeJS.Signals = "SIGINT") {
	const node = await readPidFile(dataPaths(dataDir).stackPid);
	const since = Date.now();
	stack.child.kill(signal);
	await stack.exited;
	expect(node && isRunning(node), `the stack's process outlived npm's ${signal}`).toBe(false);
	return Date.now() - since;
}

async function readdirJson(folder: string): Promise<string[]> {
	return (await readdir(folder).catch(() => [] as string[])).filter((n) => n.endsWith(".json"));
}

function keyOf(scenario: string, i: number): string {
	return `incoming/science-news/fault/${scenario}-${i}.zip`;
}

function articleIdOf(scenario: string, i: number): string {
	return `fault-${scenario}-${i}`;
}

/**
 * Uploads the burst four at a time; `fault` runs once `KILL_AFTER` uploads are accepted.
 * Returns the indexes of the accepted uploads (a 200 from the server).
 */
async function burst(stack: Running, scenario: string, fault: () => void): Promise<number[]> {
	const s3 = localS3Client(stack.endpoints.s3Endpoint);
	const accepted: number[] = [];
	let next = 0;
	let struck = false;
	const worker = async () => {
		while (next < UPLOADS) {
			const i = next++;
			const body = makeBundle({
				manifest: makeManifest({
					id: articleIdOf(scenario, i),
					headline: `Fault ${scenario} ${i}`,
					firstCreated: `2031-01-01T00:00:${String(i).padStart(2, "0")}Z`,
				}),
			});
			try {
				await s3.send(
					new PutObjectCommand({
						Bucket: stack.endpoints.ingestBucket,
						Key: keyOf(scenario, i),
						Body: body,
					}),
				);
				accepted.push(i);
			} catch {
				// Not accepted: the partner got an error and uploads again later.
			}
			if (accepted.length >= KILL_AFTER && !struck) {
				struck = true;
				fault();
			}
		}
	};
	await Promise.all([worker(), worker(), worker(), worker()]);
	s3.destroy();
	return accepted.sort((a, b) => a - b);
}

async function reportOf(stack: Running, key: string): Promise<Record<string, unknown> | undefined> {
	const s3 = localS3Client(stack.endpoints.s3Endpoint);
	try {
		const response = await s3.send(
			new GetObjectCommand({
				Bucket: stack.endpoints.ingestBucket,
				Key: `${key.replace(/^incoming\//, "reports/")}.json`,
			}),
		);
		return JSON.parse((await response.Body?.transformToString()) ?? "null");
	} catch {
		return undefined;
	} finally {
		s3.destroy();
	}
}

async function latestIds(stack: Running): Promise<string[]> {
	const response = await fetch(`${stack.endpoints.edgeUrl}/feeds/en/latest.json`);
	if (response.status !== 200) return [];
	const feed = (await response.json()) as { items: { id: string }[] };
	return feed.items.map((item) => item.id);
}

/** Polls until every accepted upload has its report and its article is in the feed. */
async function waitRecovered(
	stack: Running,
	scenario: string,
	accepted: number[],
	timeoutMs: number,
): Promise<{ reports: number; public: number }> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const reports = await Promise.all(accepted.map((i) => reportOf(stack, keyOf(scenario, i))));
		const ids = new Set(await latestIds(stack));
		const published = accepted.filter((i) =>
			ids.has(`urn:syndicate:article:science-news:${articleIdOf(scenario, i)}:en`),
		);
		const done = reports.filter((r) => r?.status === "published").length;
		if ((done === accepted.length && published.length === accepted.length) || Date.now() > deadline)
			return { reports: done, public: published.length };
		await new Promise((resolve) => setTimeout(resolve, 250));
	}
}

describe("nothing is lost on a crash (the local stack as npm start runs it)", () => {
	it("DynamoDB Local killed mid-burst: it comes back, and a restart finds everything done", async () => {
		const dataDir = await mkdtemp(join(tmpdir(), "fault-ddb-"));
		dataDirs.push(dataDir);
		const first = await startStack(dataDir, { fresh: true });
		// A new stack recovers nothing: its first sweep publishing its own seed is no recovery.
		expect(first.output()).not.toContain("Recovered from the last run");
		const java = await readPidFile(dataPaths(dataDir).dynamodbPid);
		let killedAt = 0;
		const accepted = await burst(first, "ddb", () => {
			killedAt = Date.now();
			if (java) process.kill(java.pid, "SIGKILL");
		});
		// s3rver kept accepting while DynamoDB Local was down.
		expect(accepted).toHaveLength(UPLOADS);
		const inProcess = await waitRecovered(first, "ddb", accepted, 90_000);
		const recoveredMs = Date.now() - killedAt;
		expect(first.child.exitCode).toBeNull();
		expect(first.output()).toContain("DynamoDB Local is back");
		expect(inProcess).toEqual({ reports: UPLOADS, public: UPLOADS });

		const sigintMs = await interrupt(first, dataDir);
		const second = await startStack(dataDir);
		const afterRestart = await waitRecovered(second, "ddb", accepted, 30_000);
		expect(afterRestart).toEqual({ reports: UPLOADS, public: UPLOADS });
		figures.dynamodbKilled = {
			uploads: UPLOADS,
			accepted: accepted.length,
			kills: 1,
			reports: afterRestart.reports,
			public: afterRestart.public,
			recoveredMsAfterKill: recoveredMs,
			sigintMs,
			firstReadyMs: first.readyMs,
			restartReadyMs: second.readyMs,
			deadLetters: (await readdirJson(dataPaths(dataDir).deadLetters)).length,
		};
		expect(await readdirJson(dataPaths(dataDir).deadLetters)).toEqual([]);
		figures.sigtermIdleMs = await interrupt(second, dataDir, "SIGTERM");
	}, 240_000);

	it("npm start SIGKILLed mid-burst: the restart stops the orphaned Java, takes its port and processes every accepted upload", async () => {
		const dataDir = await mkdtemp(join(tmpdir(), "fault-node-"));
		dataDirs.push(dataDir);
		const ports = { s3: await freePort(), dynamodb: await freePort(), edge: await freePort() };
		const first = await startStack(dataDir, { fresh: true, ports });
		const paths = dataPaths(dataDir);
		const node = await readPidFile(paths.stackPid);
		const java = await readPidFile(paths.dynamodbPid);
		let killedAt = 0;
		const accepted = await burst(first, "node", () => {
			killedAt = Date.now();
			if (node) process.kill(node.pid, "SIGKILL");
		});
		await first.exited;
		expect(accepted.length).toBeGreaterThanOrEqual(KILL_AFTER);
		// Orphaned, still holding the port the restart wants.
		expect(java && isRunning(java)).toBe(true);

		const second = await startStack(dataDir, { ports });
		expect(second.output()).toContain(`Stopped DynamoDB Local (pid ${java?.pid})`);
		expect(java && isRunning(java)).toBe(false);
		const recovered = await waitRecovered(second, "node", accepted, 90_000);
		const recoveredMs = Date.now() - killedAt;
		figures.nodeKilled = {
			uploads: UPLOADS,
			accepted: accepted.length,
			kills: 1,
			reports: recovered.reports,
			public: recovered.public,
			restartReadyMs: second.readyMs,
			recoveredMsAfterKill: recoveredMs,
		};
		expect(recovered).toEqual({ reports: accepted.length, public: accepted.length });
		expect(await readdirJson(paths.deadLetters)).toEqual([]);
		// Uploads stored as the process died, though their client saw an error, are ingested too.
		const stored = [];
		for await (const upload of new LocalUploadInventory(new LocalVersionStore(paths.versions)).list(
			"incoming/science-news/fault/",
		))
			stored.push(upload.key);
		const unreported = [];
		for (const key of stored) if (!(await reportOf(second, key))) unreported.push(key);
		expect(unreported).toEqual([]);
		(figures.nodeKilled as Record<string, unknown>).stored = stored.length;
		await interrupt(second, dataDir);
	}, 240_000);
});
