import { type CloudFormationClient, DescribeStacksCommand } from "@aws-sdk/client-cloudformation";
import { cloudFormationClient } from "#shared/adapters/aws/ops-clients.ts";
import { describeError } from "#shared/lib/describe-error.ts";
import { CliError } from "./cli-error.ts";

/** Where a deployed stack keeps its data and how to reach its queues, from flags or outputs. */
export interface DeployedStack {
	/** The stage whose stack outputs named the rest; absent when given by flags. */
	stage?: string;
	tableName: string;
	ingestBucket: string;
	siteBucket: string;
	siteUrl: string;
	logsBucket?: string;
	queueUrl?: string;
	deadLetterQueueUrl?: string;
	distributionId?: string;
	/** The WebSub hub the stage's feeds link, when it has one. */
	hubUrl?: string;
	/** The account and partition the stage lives in (from its data stack's id), for role ARNs. */
	account?: string;
	partition?: string;
}

/** The outputs the stacks of a stage declare, and the field each one fills. */
export const STAGE_OUTPUTS = {
	TableName: "tableName",
	IngestBucketName: "ingestBucket",
	SiteBucketName: "siteBucket",
	SiteUrl: "siteUrl",
	QueueUrl: "queueUrl",
	DeadLetterQueueUrl: "deadLetterQueueUrl",
	DistributionId: "distributionId",
	LogsBucketName: "logsBucket",
	HubUrl: "hubUrl",
} as const satisfies Record<string, keyof DeployedStack>;

// Every command of the CLI needs these; the logs bucket may be missing (an older stack), the
// hub is there only when the stage was deployed with `-c hubUrl`.
const OPTIONAL_OUTPUTS = new Set<string>(["LogsBucketName", "HubUrl"]);

const STAGE_NAME = /^[A-Za-z][A-Za-z0-9-]{0,63}$/;

/** The CloudFormation stacks of a stage: its data (stateful) stack, then its app stack. */
export function stageStackNames(stage: string): [data: string, app: string] {
	return [`Syndicate-${stage}-Data`, `Syndicate-${stage}-App`];
}

/** Refuses a stage name no stack could carry, before any call to AWS. */
export function checkStageName(stage: string): string {
	if (!STAGE_NAME.test(stage)) {
		throw new CliError(
			`--stage "${stage}" is not a stage name: a letter, then letters, digits or "-" (e.g. dev, prod)`,
		);
	}
	return stage;
}

/**
 * A stage's endpoints from its stacks' outputs (the data stack's, then the app stack's),
 * or a one-line error naming each output that is missing.
 */
export function deployedStackFromOutputs(
	stage: string,
	stacks: readonly {
		stackName: string;
		outputs: Readonly<Record<string, string>>;
		stackId?: string;
	}[],
): DeployedStack {
	const merged: Record<string, string> = {};
	for (const { outputs } of stacks) Object.assign(merged, outputs);
	const missing = Object.keys(STAGE_OUTPUTS).filter(
		(key) => !merged[key] && !OPTIONAL_OUTPUTS.has(key),
	);
	if (missing.length > 0) {
		throw new CliError(
			`the stacks of stage ${stage} (${stacks.map((s) => s.stackName).join(", ")}) have no output ${missing.join(", ")}: deploy the current version (docs/operating-in-aws.md)`,
		);
	}
	const stack: Partial<Record<keyof DeployedStack, string>> = { stage };
	for (const [output, field] of Object.entries(STAGE_OUTPUTS)) {
		const value = merged[output];
		if (value) stack[field] = value;
	}
	const arn = /^arn:([^:]+):cloudformation:[^:]*:(\d{12}):stack\//.exec(stacks[0]?.stackId ?? "");
	if (arn?.[1] && arn[2]) {
		stack.partition = arn[1];
		stack.account = arn[2];
	}
	return stack as DeployedStack;
}

/** An AWS SDK failure as the one line an operator can act on. */
export function explainAwsError(error: unknown, doing: string): CliError {
	const name = (error as { name?: string }).name ?? "";
	const message = error instanceof Error ? error.message : String(error);
	if (name === "CredentialsProviderError" || /could not load credentials/i.test(message)) {
		return new CliError(
			`no AWS credentials for ${doing}: sign in (aws sso login, or set AWS_PROFILE or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)`,
		);
	}
	if (/region is missing/i.test(message)) {
		return new CliError(`no AWS region for ${doing}: set AWS_REGION or pass --region`);
	}
	if (/expired/i.test(name) || /token.*expired/i.test(message)) {
		return new CliError(`the AWS credentials for ${doing} have expired: sign in again`);
	}
	if (/AccessDenied|UnauthorizedOperation/i.test(name)) {
		return new CliError(`not allowed to ${doing}: ${describeError(error)}`);
	}
	return new CliError(`cannot ${doing}: ${describeError(error)}`);
}

/** The outputs and id of one stack, or `undefined` when it does not exist. */
async function stackOutputs(
	client: CloudFormationClient,
	stackName: string,
): Promise<{ outputs: Record<string, string>; stackId?: string } | undefined> {
	try {
		const { Stacks = [] } = await client.send(new DescribeStacksCommand({ StackName: stackName }));
		const outputs: Record<string, string> = {};
		for (const output of Stacks[0]?.Outputs ?? []) {
			if (output.OutputKey && output.OutputValue) outputs[output.OutputKey] = output.OutputValue;
		}
		const stackId = Stacks[0]?.StackId;
		return stackId ? { outputs, stackId } : { outputs };
	} catch (error) {
		const name = (error as { name?: string }).name;
		if (name === "ValidationError" && /does not exist/.test(String(error))) return undefined;
		throw error;
	}
}

/**
 * Reads a deployed stage's endpoints from CloudFormation (DescribeStacks on its data and app
 * stacks), with the usual AWS credentials and region.
 */
export async function describeStage(
	stage: string,
	options: { region?: string; client?: CloudFormationClient } = {},
): Promise<DeployedStack> {
	checkStageName(stage);
	const client =
		options.client ?? cloudFormationClient("cli", options.region ? { region: options.region } : {});
	try {
		const stacks = [];
		for (const stackName of stageStackNames(stage)) {
			let found: Awaited<ReturnType<typeof stackOutputs>>;
			try {
				found = await stackOutputs(client, stackName);
			} catch (error) {
				throw explainAwsError(error, `read stack ${stackName}`);
			}
			if (!found) {
				const region = await client.config.region().catch(() => "this region");
				throw new CliError(
					`stage ${stage} is not deployed: no stack ${stackName} in ${region} (check AWS_REGION, or deploy it: docs/operating-in-aws.md)`,
				);
			}
			stacks.push({ stackName, ...found });
		}
		return deployedStackFromOutputs(stage, stacks);
	} finally {
		if (!options.client) client.destroy();
	}
}
