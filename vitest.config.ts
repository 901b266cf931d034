import { defineConfig } from "vitest/config";

export default defineConfig({
	test: {
		include: ["tests/**/*.test.ts"],
		// Deadlines, not measurements: a loaded two-core CI machine runs the e2e files at half speed.
		testTimeout: 120_000,
		hookTimeout: 60_000,
		// Each e2e file starts its own Java and S3 server; two cores take two at a time well.
		maxWorkers: 2,
		// The handlers log a JSON line per upload; show them only when a test fails.
		silent: "passed-only",
		// The JSON report lets CI print a plain "N passed, N failed" closing line.
		reporters: ["default", ["json", { outputFile: ".vitest/results.json" }]],
	},
});
