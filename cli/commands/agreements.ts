import type { Command } from "commander";
import { type Agreement, formatAttribution } from "#shared/domain/agreement.ts";
import { AgreementCommandError } from "#shared/use-cases/agreement-input.ts";
import type { Takedown } from "#shared/use-cases/change-batches.ts";
import {
	type AgreementChangeResult,
	makeManageAgreements,
} from "#shared/use-cases/manage-agreements.ts";
import { CliError } from "../cli-error.ts";
import { openStack, operator, withStackOptions } from "../context.ts";
import type { CliContext, StackOptions } from "../open-stack.ts";
import { printJson, printTable } from "./output.ts";

/** What re-evaluating an agreement's articles did, as the CLI reports it. */
export interface ReevaluateResult {
	articles: number;
	changed?: number;
	targets?: number;
	/**
	 * The articles it took down, each with the milliseconds from the re-evaluation's start to
	 * the takedown published: the CLI is no Lambda, so this is where ops read TakedownLatency.
	 */
	takenDown?: readonly Takedown[];
}

/** Re-decides every article that names the agreement, after a change to it is stored. */
export type Reevaluate = (
	agreementId: string,
	by: string,
	reason: string,
) => Promise<ReevaluateResult>;

export interface AgreementCommandDeps {
	/** The re-evaluation of the stack the command opened. */
	reevaluate: (ctx: CliContext) => Reevaluate;
}

type ManageAgreements = ReturnType<typeof makeManageAgreements<ReevaluateResult>>;

/** The message of an unexpected error, on one line (an SDK error's may be empty or long). */
function oneLine(error: unknown): string {
	if (!(error instanceof Error)) return String(error);
	const code = (error as { code?: unknown }).code;
	const text = [error.name, typeof code === "string" ? code : "", error.message]
		.filter(Boolean)
		.join(": ")
		.replace(/\s+/g, " ");
	return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

/**
 * How long this command holds an agreement change while it decides the articles, renewed as
 * it works: a command that dies leaves the change to the schedule once this runs out (30 s
 * by default; `SYNDICATE_AGREEMENT_LEASE_SECONDS`, from 1 to 3600, sets it).
 */
function leaseOption(seconds: string | undefined): { leaseMs?: number } {
	if (seconds === undefined) return {};
	const value = Number(seconds);
	if (!Number.isInteger(value) || value < 1 || value > 3600) {
		throw new CliError(
			`SYNDICATE_AGREEMENT_LEASE_SECONDS must be a whole number of seconds from 1 to 3600, not ${JSON.stringify(seconds)}`,
		);
	}
	return { leaseMs: value * 1000 };
}

/**
 * Opens the stack the options name, runs `work` with the partner and agreement use cases and
 * closes the stack. Every error becomes a `CliError`: one line, no stack trace.
 */
export async function withManageAgreements<T>(
	options: StackOptions,
	reevaluate: (ctx: CliContext) => Reevaluate,
	work: (manage: ManageAgreements, ctx: CliContext) => Promise<T>,
): Promise<T> {
	let ctx: CliContext | undefined;
	try {
		ctx = await openStack(options);
		const manage = makeManageAgreements({
			agreements: ctx.agreements,
			changes: ctx.agreementChanges,
			reevaluate: reevaluate(ctx),
			clock: ctx.clock,
			...leaseOption(process.env.SYNDICATE_AGREEMENT_LEASE_SECONDS),
		});
		return await work(manage, ctx);
	} catch (error) {
		if (error instanceof CliError) throw error;
		if (error instanceof AgreementCommandError) throw new CliError(error.message);
		throw new CliError(`the command failed: ${oneLine(error)}`);
	} finally {
		ctx?.destroy();
	}
}

function plural(count: number, noun: string): string {
	return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

function formatWindow(agreement: Agreement): string {
	return `from ${agreement.validFrom} until ${agreement.validUntil ?? "open"}`;
}

/** What feeds carry of the agreement's articles: `full text` or `teaser`. */
function formatFeeds(agreement: Agreement): string {
	return agreement.fullTextInFeeds ? "full text" : "teaser";
}

function formatTerms(agreement: Agreement): string {
	// Said only when granted: the default reads as it did before feeds could carry full text.
	const feeds = agreement.fullTextInFeeds ? "; full text in feeds" : "";
	return `${agreement.languages.join(", ")}; ${agreement.scope.join(", ")}${feeds}; ${formatWindow(agreement)}`;
}

function formatReevaluated(result: ReevaluateResult): string {
	const details = [
		result.changed === undefined ? "" : `${result.changed} changed`,
		result.targets === undefined ? "" : `${plural(result.targets, "publish target")}`,
	].filter(Boolean);
	const more = details.length > 0 ? ` (${details.join(", ")})` : "";
	const down = result.takenDown ?? [];
	// Published together, so the slowest is when the last of them left the site.
	const slowest = Math.max(0, ...down.map((takedown) => takedown.latencyMs));
	const took =
		down.length > 0 ? `; took ${plural(down.length, "article")} down in ${slowest} ms` : "";
	return `re-evaluated ${plural(result.articles, "article")}${more}${took}`;
}

/** What an amendment changed, field by field: `languages en → en, zh; until open → …`. */
function formatAmendment(before: Agreement, after: Agreement): string {
	const fields: [string, (a: Agreement) => string][] = [
		["holder", (a) => a.holder],
		["translator", (a) => a.translator || "(none)"],
		["languages", (a) => a.languages.join(", ")],
		["scope", (a) => a.scope.join(", ")],
		["feeds", formatFeeds],
		["from", (a) => a.validFrom],
		["until", (a) => a.validUntil ?? "open"],
		["notice", (a) => a.notice || "(none)"],
		["notices", (a) => formatNotices(a) || "(none)"],
	];
	const changes = fields
		.filter(([, get]) => get(before) !== get(after))
		.map(([name, get]) => `${name} ${get(before)} → ${get(after)}`);
	return changes.length > 0 ? changes.join("; ") : "nothing changed";
}

/** One line saying what the change did: `granted sn-jst-2023 to science-news (…); re-evaluated 3 articles`. */
export function formatChangeResult(result: AgreementChangeResult<ReevaluateResult>): string {
	const { agreement, previous, change } = result;
	const id = agreement.agreementId;
	if (result.repeated) {
		return `${id} of ${agreement.partnerId} was already revoked (${change.at} by ${change.by}); ${formatReevaluated(result.reevaluated)}`;
	}
	const what =
		change.action === "amend" && previous
			? `amended ${id} of ${agreement.partnerId}: ${formatAmendment(previous, agreement)}`
			: change.action === "revoke"
				? `revoked ${id} of ${agreement.partnerId}`
				: `granted ${id} to ${agreement.partnerId}${previous ? " again" : ""} (${formatTerms(agreement)})`;
	return `${what}; ${formatReevaluated(result.reevaluated)}`;
}

/** A change as `--json` prints it: who did what and when, the agreement, and what it did. */
function changeJson(result: AgreementChangeResult<ReevaluateResult>) {
	const { change, agreement, previous, reevaluated } = result;
	const { at, action, by, reason } = change;
	return {
		change: { at, action, by, reason },
		...(result.repeated ? { repeated: true } : {}),
		agreement,
		...(previous ? { previous } : {}),
		reevaluated,
	};
}

function printAgreement(agreement: Agreement): void {
	printTable(
		["agreement", agreement.agreementId],
		[
			["partner", agreement.partnerId],
			["status", agreement.status],
			["holder", agreement.holder],
			["translator", agreement.translator || "(none)"],
			["languages", agreement.languages.join(", ")],
			["scope", agreement.scope.join(", ")],
			["feeds", formatFeeds(agreement)],
			["valid", formatWindow(agreement)],
			["notice", agreement.notice || "(none)"],
			...(agreement.notices ? [["notices", formatNotices(agreement)] as [string, string]] : []),
			["attribution", formatAttribution(agreement)],
		],
	);
}

/** The translated notices on one line: `zh: 未经许可…; ja: …`. */
function formatNotices(agreement: Agreement): string {
	return Object.entries(agreement.notices ?? {})
		.map(([language, text]) => `${language}: ${text}`)
		.join("; ");
}

/** Collects repeated `--notice-in zh=…` options into notices by language. */
function collectNotice(value: string, notices: Record<string, string>): Record<string, string> {
	const equals = value.indexOf("=");
	// Without `=` the whole value is taken for a language, which the grant then refuses by name.
	return equals < 0
		? { ...notices, [value]: "" }
		: { ...notices, [value.slice(0, equals).trim()]: value.slice(equals + 1) };
}

function splitList(value: string): string[] {
	return value.split(",").map((item) => item.trim());
}

interface GrantOptions extends StackOptions {
	json?: boolean;
	partner: string;
	holder: string;
	translator?: string;
	languages: string;
	scope?: string;
	from?: string;
	until?: string;
	notice?: string;
	fullTextInFeeds?: boolean;
	noticeIn: Record<string, string>;
	reason: string;
}

interface ReadOptions extends StackOptions {
	json?: boolean;
}

const CHANGE_JSON =
	"print JSON: { change, agreement, previous, reevaluated: { articles, changed, targets, takenDown: [{ partnerId, articleId, language, since, publishedAt, latencyMs }] } }";

/**
 * `agreements grant|revoke|list|show`. Grants and revocations are recorded with who and why,
 * then the articles the agreement covers are re-evaluated with `deps.reevaluate`.
 */
export function registerAgreementCommands(program: Command, deps: AgreementCommandDeps): Command {
	const agreements = program
		.command("agreements")
		.description("agreements: a partner's standing permission to publish (permissions.md)");

	withStackOptions(
		agreements
			.command("grant")
			.description(
				"grant an agreement, or amend an active one: the options state the whole agreement, and those left out take their defaults",
			)
			.argument("<agreementId>", "e.g. sn-jst-2023 (a-z, 0-9, ., _, -)")
			.requiredOption("--partner <id>", "the partner it belongs to (must exist)")
			.requiredOption("--holder <text>", "the copyright holder, e.g. 'The Science News Ltd.'")
			.option("--translator <text>", "who may translate, e.g. JST (default: none)")
			.requiredOption("--languages <tags>", "BCP 47 language tags, comma-separated, e.g. en,zh")
			.option(
				"--scope <parts>",
				"text, or text,images; photos are public only with images (default: text)",
			)
			.option(
				"--from <iso>",
				"start, RFC 3339, e.g. 2024-01-01T00:00:00Z (default: now; amending an active agreement, its start)",
			)
			.option("--until <iso>", "end, RFC 3339, after --from (default: open)")
			.option("--notice <text>", "reproduction notice shown after the attribution")
			.option(
				"--full-text-in-feeds",
				"feeds carry the whole translation, not a teaser and a link (default: teaser)",
			)
			.option(
				"--notice-in <lang=text>",
				"the notice as the partner translated it, for pages in that language (zh, zh-Hant, ja); repeatable",
				collectNotice,
				{},
			)
			.requiredOption("--reason <text>", "why, for the audit history")
			.option("--by <name>", "who, for the audit history (default: your user name)")
			.option("--json", CHANGE_JSON),
	).action(async (agreementId: string, options: GrantOptions) => {
		const result = await withManageAgreements(options, deps.reevaluate, (manage) =>
			manage.grantAgreement(
				{
					agreementId,
					partnerId: options.partner,
					holder: options.holder,
					languages: splitList(options.languages),
					...(options.translator === undefined ? {} : { translator: options.translator }),
					...(options.scope === undefined ? {} : { scope: splitList(options.scope) }),
					...(options.from === undefined ? {} : { from: options.from }),
					...(options.until === undefined ? {} : { until: options.until }),
					...(options.notice === undefined ? {} : { notice: options.notice }),
					...(options.fullTextInFeeds ? { fullTextInFeeds: true } : {}),
					notices: options.noticeIn,
				},
				{ by: operator(options.by), reason: options.reason },
			),
		);
		if (options.json) return printJson(changeJson(result));
		console.log(formatChangeResult(result));
	});

	withStackOptions(
		agreements
			.command("revoke")
			.description(
				"revoke an agreement: every article it covered leaves every page and feed before the command returns; repeated, it finishes whatever an earlier revoke left",
			)
			.argument("<agreementId>", "the agreement to revoke")
			.requiredOption("--reason <text>", "why, for the audit history")
			.option("--by <name>", "who, for the audit history (default: your user name)")
			.option("--json", CHANGE_JSON),
	).action(async (agreementId: string, options: ReadOptions & { reason: string }) => {
		const result = await withManageAgreements(options, deps.reevaluate, (manage) =>
			manage.revokeAgreement(agreementId, { by: operator(options.by), reason: options.reason }),
		);
		if (options.json) return printJson(changeJson(result));
		console.log(formatChangeResult(result));
	});

	withStackOptions(
		agreements
			.command("list")
			.description("list every agreement, by id")
			.option("--json", "print JSON: { agreements: [...] }"),
	).action(async (options: ReadOptions) => {
		const list = await withManageAgreements(options, deps.reevaluate, (manage) =>
			manage.listAgreements(),
		);
		if (options.json) return printJson({ agreements: list });
		if (list.length === 0) return console.log("no agreements");
		printTable(
			["AGREEMENT", "PARTNER", "STATUS", "LANGUAGES", "SCOPE", "FEEDS", "FROM", "UNTIL"],
			list.map((a) => [
				a.agreementId,
				a.partnerId,
				a.status,
				a.languages.join(","),
				a.scope.join(","),
				formatFeeds(a),
				a.validFrom,
				a.validUntil ?? "open",
			]),
		);
	});

	withStackOptions(
		agreements
			.command("show")
			.description("show an agreement and its audit history, oldest first")
			.argument("<agreementId>", "the agreement to show")
			.option(
				"--json",
				"print JSON: { agreement, history: [{ at, action, by, reason, agreement }] }",
			),
	).action(async (agreementId: string, options: ReadOptions) => {
		const shown = await withManageAgreements(options, deps.reevaluate, (manage) =>
			manage.showAgreement(agreementId),
		);
		if (options.json) return printJson(shown);
		printAgreement(shown.agreement);
		console.log("\nhistory, oldest first:");
		printTable(
			["AT", "ACTION", "BY", "REASON"],
			shown.history.map((c) => [c.at, c.action, c.by, c.reason]),
		);
	});

	return agreements;
}
