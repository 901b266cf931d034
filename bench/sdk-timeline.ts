import type { S3Client } from "@aws-sdk/client-s3";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { percentile } from "./stats.ts";

interface Call {
	name: string;
	start: number;
	end: number;
}

/** Wall time covered by at least one of the intervals. */
function busyMs(calls: readonly Call[]): number {
	const sorted = [...calls].sort((a, b) => a.start - b.start);
	let busy = 0;
	let until = Number.NEGATIVE_INFINITY;
	for (const call of sorted) {
		if (call.end <= until) continue;
		busy += call.end - Math.max(call.start, until);
		until = call.end;
	}
	return busy;
}

/**
 * Every SDK call the instrumented clients make, with its start and end: where a use case's
 * wall time goes, without touching its code. Each call's time includes its wait for a socket.
 */
export class SdkTimeline {
	private readonly calls: Call[] = [];

	/** Records every call the client sends from now on (DynamoDB commands as the wire names them). */
	instrument(client: S3Client | DynamoDBDocumentClient, service: string): void {
		const calls = this.calls;
		(client as S3Client).middlewareStack.add(
			(next, context) =>
				async function timeCall(args) {
					const start = performance.now();
					try {
						return await next(args);
					} finally {
						const name = `${service} ${String(context.commandName).replace(/Command$/, "")}`;
						calls.push({ name, start, end: performance.now() });
					}
				},
			{ step: "initialize", name: "benchSdkTimeline" },
		);
	}

	/** Forgets what was recorded so far. */
	reset(): void {
		// Emptied in place: the middleware holds this very array.
		this.calls.length = 0;
	}

	/**
	 * One line per operation that started in [from, to]: calls, latency p50/p95, when the
	 * first started and the last ended (relative to `from`), and the wall time during which
	 * at least one was in flight.
	 */
	report(from: number, to: number): string[] {
		const byName = new Map<string, Call[]>();
		for (const call of this.calls) {
			if (call.start < from || call.start > to) continue;
			byName.set(call.name, [...(byName.get(call.name) ?? []), call]);
		}
		const lines = [...byName.entries()]
			.sort(
				([, a], [, b]) => Math.min(...a.map((c) => c.start)) - Math.min(...b.map((c) => c.start)),
			)
			.map(([name, calls]) => {
				const latencies = calls.map((call) => call.end - call.start);
				const first = Math.min(...calls.map((call) => call.start)) - from;
				const last = Math.max(...calls.map((call) => call.end)) - from;
				return `    ${name.padEnd(30)} ${String(calls.length).padStart(5)} calls   p50 ${percentile(latencies, 50).toFixed(0).padStart(4)} ms  p95 ${percentile(latencies, 95).toFixed(0).padStart(4)} ms   from ${first.toFixed(0).padStart(5)} to ${last.toFixed(0).padStart(5)} ms, in flight ${busyMs(calls).toFixed(0).padStart(5)} ms`;
			});
		const all = this.calls.filter((call) => call.start >= from && call.start <= to);
		lines.push(
			`    ${"all SDK calls".padEnd(30)} ${String(all.length).padStart(5)} calls   in flight ${busyMs(all).toFixed(0)} ms of ${(to - from).toFixed(0)} ms`,
		);
		return lines;
	}
}
