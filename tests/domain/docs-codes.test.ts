import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { errorCodes } from "#shared/domain/errors.ts";
import { warningCodes } from "#shared/domain/report.ts";

const bundleDoc = readFileSync(new URL("../../docs/bundle.md", import.meta.url), "utf8");
const documented = (section: string) =>
	new Set(
		[
			...(bundleDoc.split(`### ${section}`)[1]?.split(/\n##+ /)[0] ?? "").matchAll(/^\| `(\w+)`/gm),
		].map((match) => match[1]),
	);

// Partners match on codes: one the pipeline can write and docs/bundle.md does not explain is a bug.
describe("docs/bundle.md", () => {
	it("explains every error code, and no other", () => {
		expect(documented("Error codes")).toEqual(new Set(errorCodes));
	});

	it("explains every warning code, and no other", () => {
		expect(documented("Warning codes")).toEqual(new Set(warningCodes));
	});
});
