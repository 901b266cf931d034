import type { S3Client, S3ClientConfig } from "@aws-sdk/client-s3";
import {
	AssumeRoleCommand,
	type AssumeRoleCommandOutput,
	type STSClient,
} from "@aws-sdk/client-sts";
import { s3Client } from "#shared/adapters/aws/clients.ts";
import { partnerRoleName } from "../infra/config.ts";
import { CliError } from "./cli-error.ts";
import { type DeployedStack, explainAwsError } from "./stage.ts";

/** The role a partner of a deployed stage assumes, in the account its stacks live in. */
export function partnerRoleArn(stack: DeployedStack, partnerId: string): string {
	if (!stack.stage || !stack.account || !stack.partition) {
		throw new CliError(
			"the partner's role is named after the stage and its account: give --stage, not --table",
		);
	}
	return `arn:${stack.partition}:iam::${stack.account}:role/${partnerRoleName(stack.stage, partnerId)}`;
}

/** A role session's keys, as the SDK's clients take them. */
interface RoleCredentials {
	accessKeyId: string;
	secretAccessKey: string;
	sessionToken?: string;
	expiration?: Date;
}

/**
 * Temporary credentials of a partner's role, as a partner gets them: AssumeRole with the
 * agreed external id, for the shortest session STS grants (15 minutes).
 */
async function assumePartnerRole(
	sts: Pick<STSClient, "send">,
	roleArn: string,
	externalId: string,
): Promise<RoleCredentials> {
	let credentials: AssumeRoleCommandOutput["Credentials"];
	try {
		({ Credentials: credentials } = await sts.send(
			new AssumeRoleCommand({
				RoleArn: roleArn,
				RoleSessionName: "syndicate-smoke",
				ExternalId: externalId,
				DurationSeconds: 900,
			}),
		));
	} catch (error) {
		throw explainAwsError(error, `assume ${roleArn} with the given external id`);
	}
	if (!credentials?.AccessKeyId || !credentials.SecretAccessKey) {
		throw new CliError(`STS returned no credentials for ${roleArn}`);
	}
	return {
		accessKeyId: credentials.AccessKeyId,
		secretAccessKey: credentials.SecretAccessKey,
		...(credentials.SessionToken ? { sessionToken: credentials.SessionToken } : {}),
		...(credentials.Expiration ? { expiration: credentials.Expiration } : {}),
	};
}

/** An S3 client that acts as the partner: on a session of its role, never on the caller's keys. */
export async function partnerS3Client(
	sts: Pick<STSClient, "send">,
	roleArn: string,
	externalId: string,
	config: Pick<S3ClientConfig, "region"> = {},
): Promise<S3Client> {
	return s3Client("partner", {
		...config,
		credentials: await assumePartnerRole(sts, roleArn, externalId),
	});
}
