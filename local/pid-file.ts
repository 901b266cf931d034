import { readFileSync } from "node:fs";
import { readFile, rm } from "node:fs/promises";
import { writeFileAtomic } from "./atomic-file.ts";

/** One process, named so that a reused pid is not mistaken for it. */
export interface PidRecord {
	pid: number;
	/** `processStartMarker` when the file was written; `null` where there is no /proc. */
	startMarker: string | null;
	port?: number;
}

/**
 * When the kernel started a process (field 22 of /proc/<pid>/stat, clock ticks since boot):
 * with the pid, it names one process even after the pid is reused. `undefined` when the
 * process is gone or there is no /proc.
 */
export function processStartMarker(pid: number): string | undefined {
	try {
		const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
		// The command name (field 2) may hold spaces and parentheses: count from its closing one.
		return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
	} catch {
		return undefined;
	}
}

/** A process's arguments, from /proc/<pid>/cmdline; `undefined` when it is gone. */
export function processArguments(pid: number): string[] | undefined {
	try {
		return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);
	} catch {
		return undefined;
	}
}

/** True when the record names a process that still runs (not a zombie): same pid, same start. */
export function isRunning(record: PidRecord): boolean {
	if (record.startMarker === null) return false;
	try {
		const stat = readFileSync(`/proc/${record.pid}/stat`, "utf8");
		const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
		return fields[0] !== "Z" && fields[19] === record.startMarker;
	} catch {
		return false;
	}
}

export function pidRecordOf(pid: number, extra: { port?: number } = {}): PidRecord {
	return { pid, startMarker: processStartMarker(pid) ?? null, ...extra };
}

export async function writePidFile(path: string, record: PidRecord): Promise<void> {
	await writeFileAtomic(path, `${JSON.stringify(record)}\n`);
}

/** The record in a pid file; `undefined` when there is none or it is unreadable. */
export async function readPidFile(path: string): Promise<PidRecord | undefined> {
	try {
		const record = JSON.parse(await readFile(path, "utf8")) as Partial<PidRecord>;
		if (typeof record.pid !== "number") return undefined;
		return {
			pid: record.pid,
			startMarker: typeof record.startMarker === "string" ? record.startMarker : null,
			...(typeof record.port === "number" ? { port: record.port } : {}),
		};
	} catch {
		return undefined;
	}
}

/** Removes a pid file if it still names `pid` (a newer process may have taken it over). */
export async function removePidFile(path: string, pid: number): Promise<void> {
	if ((await readPidFile(path))?.pid === pid) await rm(path, { force: true });
}
