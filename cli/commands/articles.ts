import { type Command, InvalidArgumentError } from "commander";
import type { ArticleRef } from "#shared/domain/article.ts";
import type { ArticleSummary } from "#shared/ports/articles.ts";
import { CliError } from "../cli-error.ts";
import { openStack, operator, withStackOptions } from "../context.ts";
import type { CliContext, StackOptions } from "../open-stack.ts";
import { printJson, printTable } from "./output.ts";

const STATUSES = ["published", "pending-permission", "embargoed", "withdrawn"] as const;

/** `partnerId/articleId`, as the commands name an article. */
export function parseArticleName(value: string): { partnerId: string; articleId: string } {
	const match = /^([a-z0-9][a-z0-9-]{0,63})\/([a-z0-9][a-z0-9._-]{0,127})$/.exec(value);
	if (!match?.[1] || !match[2]) {
		throw new InvalidArgumentError(`expected <partnerId>/<articleId>, got "${value}"`);
	}
	return { partnerId: match[1], articleId: match[2] };
}

async function withStack<T>(options: StackOptions, work: (ctx: CliContext) => Promise<T>) {
	const ctx = await openStack(options);
	try {
		return await work(ctx);
	} finally {
		ctx.destroy();
	}
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
	const all: T[] = [];
	for await (const item of items) all.push(item);
	return all;
}

function requireReason(reason: string | undefined): string {
	if (!reason?.trim()) throw new CliError("--reason is required: say why, for the history");
	return reason.trim();
}

/** `articles list|show|withdraw|restore`. */
export function registerArticleCommands(program: Command): void {
	const articles = program.command("articles").description("what is stored and why it shows");

	withStackOptions(
		articles
			.command("list")
			.description("list articles, one row per language")
			.option("--partner <id>", "only this partner's articles")
			.option("--status <status>", `only articles in this status (${STATUSES.join(", ")})`)
			.option("--json", "print JSON"),
	).action(
		async (options: StackOptions & { partner?: string; status?: string; json?: boolean }) => {
			if (options.status && !STATUSES.includes(options.status as (typeof STATUSES)[number])) {
				throw new CliError(
					`--status must be one of ${STATUSES.join(", ")}, not "${options.status}"`,
				);
			}
			await withStack(options, async (ctx) => {
				const partners = options.partner
					? [options.partner]
					: (await ctx.agreements.listPartners()).map((partner) => partner.partnerId);
				const rows: ArticleSummary[] = [];
				for (const partnerId of partners) {
					rows.push(...(await collect(ctx.articles.listByPartner(partnerId))));
				}
				const shown = rows.filter((row) => !options.status || row.status === options.status);
				if (options.json) return printJson(shown);
				if (shown.length === 0) return console.log("no articles");
				printTable(
					["ARTICLE", "LANG", "VERSION", "STATUS", "AGREEMENT", "HEADLINE"],
					shown.map((row) => [
						`${row.partnerId}/${row.articleId}`,
						row.language,
						String(row.version),
						row.status,
						row.agreementId ?? "-",
						row.headline,
					]),
				);
			});
		},
	);

	withStackOptions(
		articles
			.command("show")
			.description("versions, permission record and history of an article, per language")
			.argument("<partnerId/articleId>", "the article", parseArticleName)
			.option("--json", "print JSON"),
	).action(
		async (
			name: { partnerId: string; articleId: string },
			options: StackOptions & { json?: boolean },
		) => {
			await withStack(options, async (ctx) => {
				const summaries = await collect(ctx.articles.listByPartner(name.partnerId, name.articleId));
				if (summaries.length === 0) {
					throw new CliError(`no article ${name.partnerId}/${name.articleId}`);
				}
				const languages = await Promise.all(
					summaries.map(async ({ language }) => {
						const ref: ArticleRef = { ...name, language };
						const [article, versions, history] = await Promise.all([
							ctx.articles.getArticle(ref),
							ctx.articles.listVersions(ref),
							ctx.articles.listHistory(ref),
						]);
						return { language, article, versions, history };
					}),
				);
				if (options.json) {
					return printJson({
						...name,
						languages: languages.map(({ language, article, versions, history }) => ({
							language,
							status: article?.status,
							version: article?.version,
							permission: article?.permission,
							takedown: article?.takedown,
							dueAt: article?.dueAt,
							versions: versions.map((v) => ({
								version: v.version,
								sha256: v.sha256,
								versionCreated: v.versionCreated,
								bundle: v.bundleKey,
								archive: v.archiveKey,
							})),
							history,
						})),
					});
				}
				for (const { language, article, versions, history } of languages) {
					if (!article) continue;
					const p = article.permission;
					console.log(`${name.partnerId}/${name.articleId} (${language}): ${article.status}`);
					console.log(`  headline     ${article.headline}`);
					console.log(
						`  versions     ${versions.map((v) => `v${v.version} ${v.sha256.slice(0, 12)}`).join(", ")}`,
					);
					console.log(`  agreement    ${p.agreementId ?? "-"} (${p.decision}: ${p.reason})`);
					if (p.unblock) console.log(`  unblocked by ${p.unblock}`);
					console.log(`  checked at   ${p.checkedAt}  bundle sha256 ${p.sha256}`);
					console.log(`  attribution  ${p.attribution}`);
					if (article.takedown) {
						console.log(
							`  taken down   ${article.takedown.at} by ${article.takedown.by}: ${article.takedown.reason}`,
						);
					}
					if (article.dueAt) console.log(`  re-checked   ${article.dueAt}`);
					console.log("  history");
					for (const event of history) {
						console.log(
							`    ${event.at}  ${event.action.padEnd(10)} v${event.version} ${event.status.padEnd(18)} by ${event.by}: ${event.reason}`,
						);
					}
				}
			});
		},
	);

	for (const [verb, description] of [
		["withdraw", "take an article down everywhere (an ops takedown, e.g. after a complaint)"],
		["restore", "lift an ops takedown; public again if its permission stands"],
	] as const) {
		withStackOptions(
			articles
				.command(verb)
				.description(description)
				.argument("<partnerId/articleId>", "the article", parseArticleName)
				.option("--language <tag>", "only this language (default: every language)")
				.option("--reason <text>", "why, for the history (required)")
				.option("--by <name>", "who acts (default: the OS user)"),
		).action(
			async (
				name: { partnerId: string; articleId: string },
				options: StackOptions & { language?: string; reason?: string },
			) => {
				const reason = requireReason(options.reason);
				await withStack(options, async (ctx) => {
					const started = performance.now();
					const summary = await ctx[verb]({
						...name,
						...(options.language ? { language: options.language } : {}),
						by: operator(options.by),
						reason,
					});
					console.log(
						`${verb === "withdraw" ? "withdrew" : "restored"} ${name.partnerId}/${name.articleId}: ${summary.changed} of ${summary.articles} language(s) changed, ${summary.targets} page(s) and feed(s) published in ${Math.round(performance.now() - started)} ms`,
					);
				});
			},
		);
	}
}
