import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { articlePath } from "#shared/domain/article.ts";
import {
	FIRST_BUNDLES,
	type LocalStack,
	startEphemeralStack,
	uploadBundles,
} from "../../local/stack.ts";
import { expectOk, syndicate } from "./spawn-cli.ts";

const ROOT = resolve(import.meta.dirname, "../..");
const AGREEMENT = "sn-jst-2024-draft";
// examples/bundles/pending-unknown-agreement: the article that names that agreement.
const PENDING_PAGE = articlePath({
	language: "en",
	partnerId: "science-news",
	articleId: "2023-03-pending-example",
});

/** Splits a command line as sh does for these: words, and double-quoted strings. */
function shellWords(line: string): string[] {
	return [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((match) => match[1] ?? match[2] ?? "");
}

/**
 * The README's ops CLI commands that name the demo's pending agreement, as arguments after
 * `npm run syndicate --` (a line ending in `\` goes on on the next).
 */
async function readmeAgreementCommands(): Promise<string[][]> {
	const readme = await readFile(join(ROOT, "README.md"), "utf8");
	const section = readme.split("## Operating it: the ops CLI")[1]?.split("\n## ")[0] ?? "";
	const block = section.split("```sh\n")[1]?.split("```")[0] ?? "";
	return block
		.replace(/\\\n\s*/g, "")
		.split("\n")
		.filter((line) => line.startsWith("npm run syndicate -- ") && line.includes(AGREEMENT))
		.map((line) => shellWords(line.slice("npm run syndicate -- ".length)));
}

let stack: LocalStack;
beforeAll(async () => {
	stack = await startEphemeralStack();
	// As `npm start` seeds a new stack (local/start.ts).
	const examples = join(ROOT, "examples/bundles");
	await uploadBundles(
		stack.s3,
		stack.endpoints.ingestBucket,
		"science-news",
		FIRST_BUNDLES.map((name) => join(examples, name)),
	);
	await stack.idle();
});
afterAll(async () => {
	await stack?.stop();
});

const pageStatus = async () => (await fetch(`${stack.endpoints.edgeUrl}${PENDING_PAGE}`)).status;

// Issue 23: the README's agreement example must visibly change the demo site.
describe("the README's agreement example on a stack seeded as npm start seeds it", () => {
	it("grant publishes the pending article, revoke takes it down", async () => {
		const commands = await readmeAgreementCommands();
		expect(commands.map((args) => args.slice(0, 3))).toEqual([
			["agreements", "grant", AGREEMENT],
			["agreements", "revoke", AGREEMENT],
		]);
		const [grant = [], revoke = []] = commands;
		// A grant that has ended publishes nothing: the example must outlive the README's next edits.
		const until = Date.parse(grant[grant.indexOf("--until") + 1] ?? "");
		expect(until - Date.now()).toBeGreaterThan(365 * 24 * 3600 * 1000);

		expect(await pageStatus()).toBe(404);
		expectOk(await syndicate(stack.endpoints.dataDir, grant));
		expect(await pageStatus()).toBe(200);
		expectOk(await syndicate(stack.endpoints.dataDir, revoke));
		expect(await pageStatus()).toBe(410);
	}, 180_000);
});
