import { vi } from "vitest";

/** What a handler wrote to stdout and stderr, one parsed JSON object per JSON line. */
export interface CapturedOutput {
	lines(): Record<string, unknown>[];
	/** The Embedded Metric Format documents among them. */
	metrics(): EmfDocument[];
	restore(): void;
}

export interface EmfDocument extends Record<string, unknown> {
	_aws: {
		CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[];
	};
}

/**
 * Captures process.stdout and process.stderr (where Powertools' logger and metrics write, as in
 * Lambda) while still letting nothing through: the test reads the lines instead.
 */
export function captureOutput(): CapturedOutput {
	const chunks: string[] = [];
	const spies = [process.stdout, process.stderr].map((stream) =>
		vi.spyOn(stream, "write").mockImplementation((chunk: string | Uint8Array) => {
			chunks.push(typeof chunk === "string" ? chunk : new TextDecoder().decode(chunk));
			return true;
		}),
	);
	function lines(): Record<string, unknown>[] {
		return chunks
			.join("")
			.split("\n")
			.filter((line) => line.startsWith("{"))
			.map((line) => JSON.parse(line) as Record<string, unknown>);
	}
	return {
		lines,
		metrics: () => lines().filter((line): line is EmfDocument => "_aws" in line),
		restore: () => {
			for (const spy of spies) spy.mockRestore();
		},
	};
}
