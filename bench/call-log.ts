import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CALL_LOG_VARIABLE, type RecordedCall } from "#shared/adapters/aws/record-calls.ts";
import { readRecordedCalls } from "../tests/infra/recorded-calls.ts";

// The functions' own calls: what a deployment pays for. The CLI and the stack's set-up are not.
const FUNCTIONS = new Set<RecordedCall["caller"]>(["ingest", "publish", "views"]);

/**
 * Records every SDK call the functions make from now on (set before the stack starts, so its
 * functions inherit it), whichever process or container they run in.
 */
export function recordFunctionCalls() {
	const file = join(mkdtempSync(join(tmpdir(), "bench-calls-")), "calls.ndjson");
	process.env[CALL_LOG_VARIABLE] = file;
	const all = () => readRecordedCalls(file).filter((call) => FUNCTIONS.has(call.caller));
	return {
		/** A mark to count from. */
		mark: () => all().length,
		/** The functions' calls since `mark`. */
		since: (mark: number) => all().slice(mark),
	};
}

/** DynamoDB and S3 calls among these, and each operation's count ("dynamodb Query ×13"). */
export function countCalls(calls: readonly RecordedCall[]) {
	const operations = new Map<string, number>();
	for (const { service, operation } of calls) {
		const key = `${service} ${operation}`;
		operations.set(key, (operations.get(key) ?? 0) + 1);
	}
	return {
		dynamodb: calls.filter((call) => call.service === "dynamodb").length,
		s3: calls.filter((call) => call.service === "s3").length,
		breakdown: [...operations]
			.sort(([a], [b]) => a.localeCompare(b))
			.map(([key, n]) => `${key} ×${n}`)
			.join(", "),
	};
}
