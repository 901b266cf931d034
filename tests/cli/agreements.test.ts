import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir, userInfo } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoDbAgreementStore } from "#shared/adapters/dynamodb/dynamodb-agreement-store.ts";
import { type LocalStack, startEphemeralStack } from "../../local/stack.ts";

const ROOT = resolve(import.meta.dirname, "../..");

let stack: LocalStack;
let logDir: string;
beforeAll(async () => {
	[stack, logDir] = await Promise.all([
		startEphemeralStack(),
		mkdtemp(join(tmpdir(), "syndicate-cli-")),
	]);
	// The partner the agreement tests grant to; the stack also seeds science-news.
	await new DynamoDbAgreementStore(stack.dynamodb, stack.endpoints.table).putPartner({
		partnerId: "cli-news",
		name: "CLI News Ltd.",
	});
});
afterAll(async () => {
	await stack?.stop();
	if (logDir) await rm(logDir, { recursive: true, force: true });
});

interface Run {
	code: number | null;
	stdout: string;
	stderr: string;
}

/** Runs the CLI as an operator would, against the test stack unless `--data` is given. */
function cli(args: readonly string[], env: Record<string, string> = {}): Promise<Run> {
	const data = args.includes("--data") ? [] : ["--data", stack.endpoints.dataDir];
	const child = spawn(
		process.execPath,
		["--import", "tsx", "tests/cli/run-cli.ts", ...args, ...data],
		{
			cwd: ROOT,
			env: { ...process.env, REEVALUATE_LOG: join(logDir, "reevaluate.jsonl"), ...env },
		},
	);
	let stdout = "";
	let stderr = "";
	child.stdout.on("data", (chunk: Buffer) => {
		stdout += chunk;
	});
	child.stderr.on("data", (chunk: Buffer) => {
		stderr += chunk;
	});
	return new Promise((done, fail) => {
		child.on("error", fail);
		child.on("close", (code) => done({ code, stdout, stderr }));
	});
}

/** Succeeded, printing nothing on stderr. */
async function ok(args: readonly string[]): Promise<string> {
	const run = await cli(args);
	expect(run, run.stderr).toMatchObject({ code: 0, stderr: "" });
	return run.stdout;
}

/**
 * Failed with one line on stderr, no stack trace, nothing on stdout; returns the line without
 * its `syndicate: ` prefix (commander's own errors carry it too).
 */
async function refused(args: readonly string[], env: Record<string, string> = {}): Promise<string> {
	const run = await cli(args, env);
	expect(run.code).not.toBe(0);
	expect(run.stdout).toBe("");
	const lines = run.stderr.trimEnd().split("\n");
	expect(lines, run.stderr).toHaveLength(1);
	expect(run.stderr).not.toMatch(/^\s+at /m);
	expect(run.stderr).toMatch(/^syndicate: /);
	return (lines[0] ?? "").replace(/^syndicate: /, "");
}

/** The fake re-evaluation's calls for one agreement. */
async function reevaluations(
	agreementId: string,
): Promise<{ agreementId: string; by: string; reason: string }[]> {
	const text = await readFile(join(logDir, "reevaluate.jsonl"), "utf8").catch(() => "");
	return text
		.split("\n")
		.filter(Boolean)
		.map((line) => JSON.parse(line))
		.filter((call) => call.agreementId === agreementId);
}

const GRANT = [
	"agreements",
	"grant",
	"cli-jst-2024",
	"--partner",
	"cli-news",
	"--holder",
	"CLI News Ltd.",
	"--translator",
	"JST",
	"--languages",
	"en,zh",
	"--scope",
	"text,images",
	"--from",
	"2024-01-01T00:00:00Z",
	"--reason",
	"contract signed",
	"--by",
	"alice",
];

// Each run starts a Node process with tsx: allow for a busy machine.
describe("partners and agreements, as an operator runs them", { timeout: 120_000 }, () => {
	it("adds, renames and lists partners", async () => {
		expect(await ok(["partners", "add", "cli-press", "--name", "CLI Press"])).toBe(
			"added partner cli-press (CLI Press)\n",
		);
		expect(await ok(["partners", "add", "cli-press", "--name", "CLI Press Ltd."])).toBe(
			"renamed partner cli-press: CLI Press → CLI Press Ltd.\n",
		);
		expect(await ok(["partners", "add", "cli-press", "--name", "CLI Press Ltd."])).toBe(
			"partner cli-press already exists as CLI Press Ltd.; nothing changed\n",
		);
		expect(await ok(["partners", "list"])).toBe(
			[
				"PARTNER       NAME",
				"cli-news      CLI News Ltd.",
				"cli-press     CLI Press Ltd.",
				"science-news  The Science News Ltd.",
				"",
			].join("\n"),
		);
		expect(JSON.parse(await ok(["partners", "list", "--json"]))).toEqual({
			partners: [
				{ partnerId: "cli-news", name: "CLI News Ltd." },
				{ partnerId: "cli-press", name: "CLI Press Ltd." },
				{ partnerId: "science-news", name: "The Science News Ltd." },
			],
		});
	});

	it("grants, amends, lists, shows and revokes an agreement, re-evaluating after each change", async () => {
		expect(await ok(GRANT)).toBe(
			"granted cli-jst-2024 to cli-news (en, zh; text, images; from 2024-01-01T00:00:00Z until open); re-evaluated 2 articles (1 changed, 3 publish targets)\n",
		);
		const amend = GRANT.map((arg) => (arg === "en,zh" ? "en" : arg)).filter(
			(arg, i, all) => arg !== "--by" && all[i - 1] !== "--by",
		);
		amend.push("--until", "2030-01-01T09:00:00+09:00", "--full-text-in-feeds");
		expect(await ok(amend)).toBe(
			"amended cli-jst-2024 of cli-news: languages en, zh → en; feeds teaser → full text; until open → 2030-01-01T00:00:00Z; re-evaluated 2 articles (1 changed, 3 publish targets)\n",
		);
		const list = await ok(["agreements", "list"]);
		expect(list).toContain(
			"cli-jst-2024  cli-news      active  en         text,images  full text  2024-01-01T00:00:00Z  2030-01-01T00:00:00Z",
		);
		expect(list).toMatch(/^AGREEMENT {5}PARTNER {7}STATUS/);
		const listed = JSON.parse(await ok(["agreements", "list", "--json"]));
		expect(listed.agreements.map((a: { agreementId: string }) => a.agreementId)).toEqual([
			"cli-jst-2024",
			"sn-jst-2023",
		]);
		expect(
			await ok(["agreements", "revoke", "cli-jst-2024", "--reason", "ended", "--by", "bob"]),
		).toBe(
			"revoked cli-jst-2024 of cli-news; re-evaluated 2 articles (1 changed, 3 publish targets)\n",
		);

		const shown = await ok(["agreements", "show", "cli-jst-2024"]);
		expect(shown).toContain("status       revoked\n");
		expect(shown).toContain("feeds        full text\n");
		expect(shown).toContain(
			"attribution  This article has been translated by JST with permission from CLI News Ltd.\n",
		);
		expect(shown).toMatch(
			/\nhistory, oldest first:\nAT +ACTION +BY +REASON\n.+grant +alice +contract signed\n/,
		);
		const { agreement, history } = JSON.parse(
			await ok(["agreements", "show", "cli-jst-2024", "--json"]),
		);
		expect(agreement).toMatchObject({
			status: "revoked",
			languages: ["en"],
			fullTextInFeeds: true,
		});
		const me = userInfo().username;
		expect(history.map((c: Record<string, string>) => [c.action, c.by, c.reason])).toEqual([
			["grant", "alice", "contract signed"],
			["amend", me, "contract signed"],
			["revoke", "bob", "ended"],
		]);
		for (const change of history) expect(Date.parse(change.at)).not.toBeNaN();
		expect(await reevaluations("cli-jst-2024")).toEqual([
			{ agreementId: "cli-jst-2024", by: "alice", reason: "contract signed" },
			{ agreementId: "cli-jst-2024", by: me, reason: "contract signed" },
			{ agreementId: "cli-jst-2024", by: "bob", reason: "ended" },
		]);

		// Repeated, a revoke stores nothing and decides the articles again: harmless, exit 0.
		expect(await ok(["agreements", "revoke", "cli-jst-2024", "--reason", "again"])).toMatch(
			/^cli-jst-2024 of cli-news was already revoked \(.* by bob\); re-evaluated /,
		);
		expect(await ok(GRANT)).toMatch(/^granted cli-jst-2024 to cli-news again \(/);
	});

	it("keeps the notice as the partner translated it, per language, and shows it", async () => {
		const args = GRANT.map((arg) => (arg === "cli-jst-2024" ? "cli-notices" : arg));
		await ok([
			...args,
			"--notice",
			"No reproduction.",
			"--notice-in",
			"zh=禁止转载。",
			"--notice-in",
			"zh-hant=禁止轉載。",
		]);
		const { agreement } = JSON.parse(await ok(["agreements", "show", "cli-notices", "--json"]));
		expect(agreement.notices).toEqual({ zh: "禁止转载。", "zh-Hant": "禁止轉載。" });
		expect(await ok(["agreements", "show", "cli-notices"])).toMatch(
			/\nnotices +zh: 禁止转载。; zh-Hant: 禁止轉載。\n/,
		);
	});

	it("prints help for every command", async () => {
		const helps = await Promise.all(
			[
				["partners"],
				["partners", "add"],
				["partners", "list"],
				["agreements"],
				["agreements", "grant"],
				["agreements", "revoke"],
				["agreements", "list"],
				["agreements", "show"],
			].map((command) => cli([...command, "--help"])),
		);
		for (const run of helps) expect(run).toMatchObject({ code: 0, stderr: "" });
		expect(helps[4]?.stdout).toContain("--languages <tags>");
		expect(helps[6]?.stdout).toContain("--json");
	});

	it("refuses bad input with one line on stderr and a non-zero exit", async () => {
		const grant = (...options: string[]) => [
			"agreements",
			"grant",
			"cli-bad",
			"--partner",
			"cli-news",
			"--holder",
			"H",
			"--languages",
			"en",
			"--reason",
			"r",
			...options,
		];
		const cases: [string[], string | RegExp][] = [
			[["partners", "add", "CLI News", "--name", "x"], /^partner id must be .*, not "CLI News"$/],
			[["partners", "add", "cli-x"], "required option '--name <text>' not specified"],
			[grant("--partner", "nobody"), 'partner "nobody" does not exist'],
			[["agreements", "revoke", "nope", "--reason", "r"], 'agreement "nope" does not exist'],
			[["agreements", "show", "nope"], 'agreement "nope" does not exist'],
			[["agreements", "show", "nope", "--json"], 'agreement "nope" does not exist'],
			[
				grant("--from", "yesterday"),
				'from must be an RFC 3339 date-time such as 2024-01-01T00:00:00Z, not "yesterday"',
			],
			[grant("--until", "2024-02-30T00:00:00Z"), /^until must be an RFC 3339 date-time/],
			[
				grant("--from", "2025-01-01T00:00:00Z", "--until", "2024-01-01T00:00:00Z"),
				'until must be after from (2025-01-01T00:00:00Z), not "2024-01-01T00:00:00Z"',
			],
			[
				["agreements", "grant", "cli-bad", "--partner", "cli-news", "--holder", "H"].concat([
					"--languages",
					"en",
				]),
				"required option '--reason <text>' not specified",
			],
			[["agreements", "revoke", "cli-jst-2024"], "required option '--reason <text>' not specified"],
			[grant("--reason", " "), 'reason must be 1 to 1000 characters on one line, not " "'],
			[
				grant("--languages", "en,en_US"),
				'languages must be BCP 47 language tags such as en or zh-Hant, not "en_US"',
			],
			[grant("--scope", "images"), 'scope must be text or text,images, not "images"'],
			[
				grant("--notice", "N", "--notice-in", "fr=Reproduction interdite."),
				'a notice\'s language must be one the attribution line is written in besides English (zh, zh-Hant and ja), not "fr"',
			],
			[
				grant("--notice-in", "zh=禁止转载。"),
				"a notice in zh translates the notice: give --notice too",
			],
			[grant("--scope", "text,video"), 'scope must be text or text,images, not "text,video"'],
			[["agreements", "list", "--data", join(logDir, "none")], /^no local stack found/],
		];
		const lines = await Promise.all(cases.map(([args]) => refused(args)));
		lines.forEach((line, i) => {
			const expected = cases[i]?.[1] ?? "";
			if (typeof expected === "string") expect(line).toBe(expected);
			else expect(line).toMatch(expected);
		});
		expect(JSON.parse(await ok(["agreements", "list", "--json"])).agreements).not.toContainEqual(
			expect.objectContaining({ agreementId: "cli-bad" }),
		);
	});

	it("says the change was stored when re-evaluating its articles fails", async () => {
		const line = await refused(
			[
				"agreements",
				"grant",
				"cli-fail",
				"--partner",
				"cli-news",
				"--holder",
				"H",
				"--languages",
				"en",
				"--reason",
				"r",
			],
			{ REEVALUATE_FAIL: "1" },
		);
		expect(line).toBe(
			"agreement cli-fail was granted, but re-evaluating its articles failed: the publisher is down (the schedule finishes it; status shows it until then)",
		);
		expect(await ok(["agreements", "show", "cli-fail"])).toContain("status       active\n");
	});
});
