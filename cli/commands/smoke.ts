import type { S3Client } from "@aws-sdk/client-s3";
import { type Command, InvalidArgumentError } from "commander";
import { SMOKE_PARTNER } from "../../infra/config.ts";
import { CliError } from "../cli-error.ts";
import { operator, withStack, withStackOptions } from "../context.ts";
import type { CliContext, StackOptions } from "../open-stack.ts";

const EXTERNAL_ID_VARIABLE = "SYNDICATE_SMOKE_EXTERNAL_ID";

function seconds(value: string): number {
	const parsed = Number(value);
	if (!Number.isFinite(parsed) || parsed <= 0) {
		throw new InvalidArgumentError(`expected a number of seconds above 0, got "${value}"`);
	}
	return parsed;
}

type SmokeCommandOptions = StackOptions & { externalId?: string; timeout: number };

const NO_EXTERNAL_ID = `in AWS the smoke test uploads as ${SMOKE_PARTNER}: give its role's external id with --external-id or ${EXTERNAL_ID_VARIABLE}`;

const externalIdOf = (options: SmokeCommandOptions) =>
	options.externalId?.trim() || process.env[EXTERNAL_ID_VARIABLE]?.trim() || undefined;

/**
 * The partner's S3 client: in AWS with the partner role's own session, so the upload is
 * checked against exactly what a partner may do; locally with the local stack's keys.
 */
async function partnerS3(
	ctx: CliContext,
	options: SmokeCommandOptions,
	opened: S3Client[],
): Promise<() => Promise<{ s3: S3Client; as: string }>> {
	const stack = ctx.aws;
	if (!stack) return async () => ({ s3: ctx.s3, as: "the local stack's keys" });
	// Loaded when a deployed stage is tested, not at start-up: they bring the AWS SDK.
	const [{ stsClient }, { partnerRoleArn, partnerS3Client }] = await Promise.all([
		import("#shared/adapters/aws/ops-clients.ts"),
		import("../partner-role.ts"),
	]);
	const roleArn = partnerRoleArn(stack, SMOKE_PARTNER);
	const externalId = externalIdOf(options);
	if (!externalId) throw new CliError(NO_EXTERNAL_ID);
	// The region the operator's clients resolved: the stage's.
	const { region } = ctx.s3.config;
	return async () => {
		// Signed with the operator's credentials as the CLI's other clients resolved them.
		const sts = stsClient("cli", { region, credentials: ctx.s3.config.credentials });
		try {
			const s3 = await partnerS3Client(sts, roleArn, externalId, { region });
			opened.push(s3);
			return { s3, as: `a session of ${roleArn}` };
		} finally {
			sts.destroy();
		}
	};
}

/** `smoke`: the check ops run after every deploy. */
export function registerSmokeCommand(program: Command): void {
	withStackOptions(
		program
			.command("smoke")
			.description(
				`upload a fresh article as ${SMOKE_PARTNER}, see it reported, served and in Latest News, withdraw it and see it gone; each step timed, the first failure exits 1`,
			)
			.option(
				"--external-id <id>",
				`with --stage: the external id of ${SMOKE_PARTNER}'s role (or ${EXTERNAL_ID_VARIABLE}); never stored`,
			)
			.option("--timeout <seconds>", "how long each waiting step waits", seconds, 120)
			.option("--by <name>", "who withdraws the smoke article (default: the OS user)"),
	).action(async (options: SmokeCommandOptions) => {
		// Refused before any call to AWS.
		if (options.stage && !externalIdOf(options)) throw new CliError(NO_EXTERNAL_ID);
		await withStack(options, async (ctx) => {
			const siteUrl = ctx.local?.endpoints.edgeUrl ?? ctx.aws?.siteUrl;
			if (!siteUrl) throw new CliError(`${ctx.name} has no site URL`);
			console.log(`smoke test on ${ctx.name} (${siteUrl})`);
			const { formatDuration, runSmoke } = await import("../smoke.ts");
			const opened: S3Client[] = [];
			const { articleId, ms } = await runSmoke(
				{
					partnerS3: await partnerS3(ctx, options, opened),
					ingestBucket: ctx.ingestBucket,
					siteUrl,
					withdraw: ctx.withdraw,
					by: operator(options.by),
				},
				{ timeoutMs: options.timeout * 1000, log: (line) => console.log(line) },
			).finally(() => {
				for (const s3 of opened) s3.destroy();
			});
			console.log(
				`smoke test passed in ${formatDuration(ms)}; ${SMOKE_PARTNER}/${articleId} is left withdrawn`,
			);
		});
	});
}
