import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalStack, startEphemeralStack } from "../../local/stack.ts";
import { expectOk, expectRefused, syndicate } from "./spawn-cli.ts";

let stack: LocalStack;

beforeAll(async () => {
	stack = await startEphemeralStack();
});
afterAll(async () => {
	await stack?.stop();
});

const STEPS = [
	"pack bundle",
	"partner credentials",
	"upload",
	"report",
	"page served",
	"in feed",
	"withdraw",
	"page gone",
	"out of feed",
];

const smokeIdOf = (out: string) => /science-news\/(smoke-[a-z0-9-]+)/.exec(out)?.[1];
const edgeStatus = async (path: string) =>
	(await fetch(`${stack.endpoints.edgeUrl}${path}`)).status;
const latestIds = async () => {
	const feed = (await (await fetch(`${stack.endpoints.edgeUrl}/feeds/en/latest.json`)).json()) as {
		items: { id: string }[];
	};
	return feed.items.map((item) => item.id);
};

describe("npm run syndicate -- smoke, on the local stack", () => {
	it("runs every step, each timed, and leaves its article withdrawn and out of every feed", async () => {
		const out = expectOk(await syndicate(stack.endpoints.dataDir, ["smoke", "--timeout", "30"]));
		const lines = out.trimEnd().split("\n");
		expect(lines[0]).toBe(`smoke test on the local stack (${stack.endpoints.edgeUrl})`);
		expect(lines.slice(1, -1).map((line) => /^ok {4}(.+?) {2,}/.exec(line)?.[1]?.trim())).toEqual(
			STEPS,
		);
		for (const line of lines.slice(1, -1)) expect(line).toMatch(/\d+(\.\d)? (ms|s)\b/);
		expect(lines.at(-1)).toMatch(/^smoke test passed in \d+(\.\d)? (ms|s); science-news\/smoke-/);

		const articleId = smokeIdOf(out);
		expect(articleId).toMatch(/^smoke-\d{8}-\d{6}-[0-9a-f]{4}$/);
		expect(await edgeStatus(`/en/articles/science-news/${articleId}`)).toBe(410);
		expect(await latestIds()).not.toContain(`urn:syndicate:article:science-news:${articleId}:en`);
		// Withdrawn as `articles withdraw` does it: in its history, with who and why.
		const shown = JSON.parse(
			expectOk(
				await syndicate(stack.endpoints.dataDir, [
					"articles",
					"show",
					`science-news/${articleId}`,
					"--json",
				]),
			),
		);
		expect(shown.languages).toMatchObject([
			{
				language: "en",
				status: "withdrawn",
				version: 1,
				takedown: { reason: "smoke test: withdrawn once checked" },
			},
		]);
	}, 120_000);

	it("exits 1 naming the first failed step, what it expected and saw, and withdraws what it published", async () => {
		// The same stack, read through a site that serves nothing (an endpoints.json of its own;
		// the cleanup's feeds then link that site too, which this throwaway stack can afford).
		const nothing: Server = createServer((_request, response) => {
			response.writeHead(404).end("nothing here");
		});
		await new Promise<void>((listening) => nothing.listen(0, "127.0.0.1", listening));
		const siteUrl = `http://127.0.0.1:${(nothing.address() as AddressInfo).port}`;
		const data = await mkdtemp(join(tmpdir(), "syndicate-smoke-test-"));
		try {
			await writeFile(
				join(data, "endpoints.json"),
				JSON.stringify({ ...stack.endpoints, edgeUrl: siteUrl }),
			);
			const run = await syndicate(stack.endpoints.dataDir, [
				"smoke",
				"--timeout",
				"1",
				"--data",
				data,
			]);
			const line = expectRefused(run);
			expect(line).toMatch(
				/^syndicate: smoke test failed at step "page served": expected HTTP 200 with smoke-\S+ from http:\/\/127\.0\.0\.1:\d+\/en\/articles\/science-news\/smoke-\S+, saw HTTP 404 \(gave up after 1\.0 s\)\n$/,
			);
			expect(run.out).toMatch(/^ok {4}report .*\nFAIL {2}page served /m);
			expect(run.out).not.toContain("in feed");
			expect(run.out).toMatch(
				/^cleanup: withdrew science-news\/smoke-\S+ \(1 language\(s\) changed\)$/m,
			);

			// The real edge shows it withdrawn: a failed run leaves nothing in front of readers.
			const articleId = smokeIdOf(run.out);
			expect(await edgeStatus(`/en/articles/science-news/${articleId}`)).toBe(410);
			expect(await latestIds()).not.toContain(`urn:syndicate:article:science-news:${articleId}:en`);
		} finally {
			nothing.close();
			await rm(data, { recursive: true, force: true });
		}
	}, 120_000);

	it("refuses a stage without the partner's external id, before any call to AWS", async () => {
		const { SYNDICATE_SMOKE_EXTERNAL_ID: _unset, ...env } = process.env;
		const line = expectRefused(
			await syndicate(stack.endpoints.dataDir, ["smoke", "--stage", "prod"], env),
		);
		expect(line).toBe(
			"syndicate: in AWS the smoke test uploads as science-news: give its role's external id with --external-id or SYNDICATE_SMOKE_EXTERNAL_ID\n",
		);
	});
});
