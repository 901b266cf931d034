import { afterEach, describe, expect, it, vi } from "vitest";
import { observability } from "../../functions/lib/observability.ts";

const EMPTY = /No application metrics to publish/;

afterEach(() => {
	vi.unstubAllEnvs();
	vi.restoreAllMocks();
});

function warningsOf(publish: () => void): string[] {
	const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
	publish();
	return warn.mock.calls.map((call) => String(call[0]));
}

describe("metrics warnings", () => {
	it("with metrics off, an empty publish (another invocation published them) says nothing", () => {
		vi.stubEnv("POWERTOOLS_METRICS_DISABLED", "true");
		const { metrics } = observability("test");
		expect(warningsOf(() => metrics.publishStoredMetrics())).toEqual([]);
	});

	it("with metrics on, an empty publish is still warned of", () => {
		vi.stubEnv("POWERTOOLS_METRICS_DISABLED", "false");
		const { metrics } = observability("test");
		const warnings = warningsOf(() => metrics.publishStoredMetrics());
		expect(warnings.some((warning) => EMPTY.test(warning))).toBe(true);
	});

	it("with metrics off, other warnings are printed", () => {
		vi.stubEnv("POWERTOOLS_METRICS_DISABLED", "true");
		const { metrics } = observability("test");
		const warnings = warningsOf(() => metrics.addDimension("", "x"));
		expect(warnings).toHaveLength(1);
	});
});
