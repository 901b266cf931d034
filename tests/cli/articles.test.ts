import { PutObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalStack, startEphemeralStack } from "../../local/stack.ts";
import { exampleBundle } from "../helpers/bundles.ts";
import { expectOk, expectRefused, syndicate } from "./spawn-cli.ts";

const ARTICLE = "science-news/2023-02-hitachi-china-green-league";
const KEY = "incoming/science-news/cli/hitachi.zip";

let stack: LocalStack;
beforeAll(async () => {
	stack = await startEphemeralStack();
	await stack.s3.send(
		new PutObjectCommand({
			Bucket: stack.endpoints.ingestBucket,
			Key: KEY,
			Body: await exampleBundle("hitachi-china-en"),
		}),
	);
	await stack.idle();
});
afterAll(async () => {
	await stack?.stop();
});

const ok = async (...args: string[]) => expectOk(await syndicate(stack.endpoints.dataDir, args));

/** Refused with one line on stderr and no stack trace. */
const refused = async (...args: string[]) =>
	expectRefused(await syndicate(stack.endpoints.dataDir, args));

const status = async (path: string) => (await fetch(`${stack.endpoints.edgeUrl}${path}`)).status;

describe("npm run syndicate -- articles … and uploads …", () => {
	it("lists and shows an article with its permission record and history", async () => {
		const list = JSON.parse(await ok("articles", "list", "--json"));
		expect(list).toContainEqual(
			expect.objectContaining({
				partnerId: "science-news",
				articleId: "2023-02-hitachi-china-green-league",
				language: "en",
				status: "published",
				agreementId: "sn-jst-2023",
			}),
		);
		expect(await ok("articles", "list", "--status", "pending-permission")).toContain("no articles");
		const shown = JSON.parse(await ok("articles", "show", ARTICLE, "--json"));
		const [en] = shown.languages;
		expect(en.permission).toMatchObject({ agreementId: "sn-jst-2023", decision: "granted" });
		expect(en.permission.sha256).toMatch(/^[0-9a-f]{64}$/);
		expect(en.permission.attribution).toContain("with permission from The Science News Ltd.");
		expect(en.versions).toHaveLength(1);
		expect(en.history).toMatchObject([{ action: "upload", status: "published" }]);
		expect(await ok("articles", "show", ARTICLE)).toContain("history");
	});

	it("withdraws and restores an article, recorded with who and why", async () => {
		const page = "/en/articles/science-news/2023-02-hitachi-china-green-league";
		expect(await refused("articles", "withdraw", ARTICLE)).toContain("--reason");
		expect(
			await ok("articles", "withdraw", ARTICLE, "--reason", "complaint #1", "--by", "ops-anna"),
		).toContain("withdrew");
		expect(await status(page)).toBe(410);
		expect(
			await ok("articles", "restore", ARTICLE, "--reason", "resolved", "--by", "ops-anna"),
		).toContain("restored");
		expect(await status(page)).toBe(200);
		const { languages } = JSON.parse(await ok("articles", "show", ARTICLE, "--json"));
		expect(languages[0].history.map((event: { action: string }) => event.action)).toEqual([
			"upload",
			"withdraw",
			"restore",
		]);
		expect(languages[0].history[1]).toMatchObject({ by: "ops-anna", reason: "complaint #1" });
	});

	it("shows every upload to a key with its report", async () => {
		const uploads = JSON.parse(await ok("uploads", "show", KEY, "--json"));
		expect(uploads).toMatchObject([{ report: { bundle: KEY, status: "published" } }]);
	});

	it("refuses bad input with one line", async () => {
		expect(await refused("articles", "show", "not-a-name")).toContain("<partnerId>/<articleId>");
		expect(await refused("articles", "show", "science-news/nope")).toContain("no article");
		expect(await refused("articles", "list", "--status", "lost")).toContain("--status");
		expect(await refused("articles", "withdraw", "science-news/nope", "--reason", "x")).toContain(
			"no article",
		);
		expect(await refused("uploads", "show", "reports/x.zip")).toContain("not an upload key");
		expect(await refused("articles", "list", "--data", "/nonexistent")).toContain("no local stack");
	});
});
