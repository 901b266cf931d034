import { S3Client } from "@aws-sdk/client-s3";
import { STSClient } from "@aws-sdk/nested-clients/sts";
import { type Command, InvalidArgumentError } from "commander";
import {
	type CliContext,
	CliError,
	operator,
	type StackOptions,
	withStack,
	withStackOptions,
} from "../context.ts";
import { assumePartnerRole, partnerRoleArn } from "../partner-role.ts";
import { formatDuration, runSmoke, SMOKE_PARTNER } from "../smoke.ts";

const EXTERNAL_ID_VARIABLE = "SYNDICATE_SMOKE_EXTERNAL_ID";

function seconds(value: string): number {
	const parsed = Number(value);
	if (!Number.isFinite(parsed) || parsed <= 0) {
		throw new InvalidArgumentError(`expected a number of seconds above 0, got "${value}"`);
	}
	return parsed;
}

type SmokeCommandOptions = StackOptions & { externalId?: string; timeout: number };

/**
 * The partner's S3 client: in AWS with the partner role's own session, so the upload is
 * checked against exactly what a partner may do; locally with the local stack's keys.
 */
function partnerS3(ctx: CliContext, options: SmokeCommandOptions): () => Promise<S3Client> {
	const stack = ctx.aws;
	if (!stack) return async () => ctx.s3;
	const externalId = options.externalId ?? process.env[EXTERNAL_ID_VARIABLE];
	if (!externalId) {
		throw new CliError(
			`in AWS the smoke test uploads as ${SMOKE_PARTNER}: give its external id with --external-id or ${EXTERNAL_ID_VARIABLE}`,
		);
	}
	const roleArn = partnerRoleArn(stack, SMOKE_PARTNER);
	const config = options.region ? { region: options.region } : {};
	return async () => {
		const sts = new STSClient(config);
		try {
			const credentials = await assumePartnerRole(sts, roleArn, externalId);
			return new S3Client({ ...config, credentials });
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
		await withStack(options, async (ctx) => {
			const siteUrl = ctx.local?.endpoints.edgeUrl ?? ctx.aws?.siteUrl;
			if (!siteUrl) throw new CliError(`${ctx.name} has no site URL`);
			console.log(`smoke test on ${ctx.name} (${siteUrl})`);
			const { articleId, ms } = await runSmoke(
				{
					partnerS3: partnerS3(ctx, options),
					ingestBucket: ctx.ingestBucket,
					siteUrl,
					withdraw: ctx.withdraw,
					by: operator(options.by),
				},
				{ timeoutMs: options.timeout * 1000, log: (line) => console.log(line) },
			);
			console.log(
				`smoke test passed in ${formatDuration(ms)}; ${SMOKE_PARTNER}/${articleId} is left withdrawn`,
			);
		});
	});
}
