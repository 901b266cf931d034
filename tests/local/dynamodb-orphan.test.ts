import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startDynamoDbLocal, stopOrphanDynamoDbLocal } from "../../local/dynamodb-local.ts";
import { isRunning, pidRecordOf, readPidFile, writePidFile } from "../../local/pid-file.ts";
import { claimPort, freePort } from "../../local/ports.ts";

let dir: string;
beforeEach(async () => {
	dir = await mkdtemp(join(tmpdir(), "orphan-"));
});
afterEach(async () => {
	await rm(dir, { recursive: true, force: true });
});

describe("the DynamoDB Local pid file", () => {
	it("stops the recorded DynamoDB Local and frees its port", async () => {
		const pidFile = join(dir, "dynamodb.pid");
		const port = await freePort();
		const local = await startDynamoDbLocal({ port, pidFile });
		const record = await readPidFile(pidFile);
		expect(record).toMatchObject({ pid: local.process.pid, port });
		expect(record?.startMarker).toMatch(/^\d+$/);

		expect(await stopOrphanDynamoDbLocal(pidFile)).toBe(local.process.pid);
		expect(isRunning(record ?? { pid: 0, startMarker: null })).toBe(false);
		expect(await claimPort(port, "DynamoDB Local", "SYNDICATE_DYNAMODB_PORT")).toBe(port);
		expect(await readPidFile(pidFile)).toBeUndefined();
	});

	it("never stops a process that is not the DynamoDB Local it recorded", async () => {
		const pidFile = join(dir, "dynamodb.pid");
		const other = spawn("sleep", ["30"]);
		try {
			const pid = other.pid ?? 0;
			await writePidFile(pidFile, pidRecordOf(pid, { port: 8000 }));
			expect(await stopOrphanDynamoDbLocal(pidFile)).toBeUndefined();
			// A reused pid: the start marker differs.
			await writePidFile(pidFile, { pid, startMarker: "1", port: 8000 });
			expect(await stopOrphanDynamoDbLocal(pidFile)).toBeUndefined();
			expect(other.exitCode).toBeNull();
			expect(other.signalCode).toBeNull();
		} finally {
			other.kill("SIGKILL");
		}
	});
});
