import { writeFileSync } from "node:fs";
import { registerHooks } from "node:module";

/**
 * Preloaded (`--import`) into a CLI run by tests/cli/startup.test.ts: writes every module the
 * run resolved, one URL a line, to `$RECORD_IMPORTS` when the process exits.
 */
const file = process.env.RECORD_IMPORTS;
if (file) {
	const urls = new Set<string>();
	registerHooks({
		resolve(specifier, context, nextResolve) {
			const resolved = nextResolve(specifier, context);
			urls.add(resolved.url);
			return resolved;
		},
	});
	process.on("exit", () => writeFileSync(file, [...urls].join("\n")));
}
