import { globSync } from "node:fs";
import { defineConfig } from "vitest/config";

/**
 * The unit tier: tests that start no server, no Java, no browser, no child process and no CDK
 * synth — the domain, the use cases on the in-memory adapters, CLI parsing. It is
 * the loop to run after every change (`npm run test:unit`); `npm test` runs both tiers.
 */
const UNIT = [
	"tests/domain/**/*.test.ts",
	"tests/lib/**/*.test.ts",
	"tests/use-cases/**/*.test.ts",
	"tests/adapters/{batch-while-busy,cloudfront-site-cache,memory}.test.ts",
	"tests/cli/{partner-role,stage}.test.ts",
	"tests/functions/{metrics-warnings,s3-event,stores}.test.ts",
	"tests/infra/feed-encoding-code.test.ts",
	"tests/local/{edge-paths,event-queue,reconcile-uploads}.test.ts",
];

const unitFiles = UNIT.flatMap((pattern) => globSync(pattern));

export default defineConfig({
	test: {
		// Deadlines, not measurements: a loaded two-core CI machine runs the e2e files at half speed.
		testTimeout: 120_000,
		hookTimeout: 60_000,
		// Each e2e file starts its own Java and S3 server; two cores take two at a time well.
		maxWorkers: 2,
		// The handlers log a JSON line per upload; show them only when a test fails.
		silent: "passed-only",
		// The JSON report lets CI print a plain "N passed, N failed" closing line.
		reporters: ["default", ["json", { outputFile: ".vitest/results.json" }]],
		projects: [
			{ extends: true, test: { name: "unit", include: unitFiles } },
			// The real servers: DynamoDB Local, s3rver, the CLI as a process, CDK synth, Chromium.
			{
				extends: true,
				test: { name: "integration", include: ["tests/**/*.test.ts"], exclude: unitFiles },
			},
		],
	},
});
