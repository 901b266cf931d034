import { AssumeRoleCommand, type STSClient } from "@aws-sdk/client-sts";
import { describe, expect, it } from "vitest";
import { CliError } from "../../cli/cli-error.ts";
import { partnerRoleArn, partnerS3Client } from "../../cli/partner-role.ts";
import type { DeployedStack } from "../../cli/stage.ts";

const STACK: DeployedStack = {
	stage: "prod",
	account: "123456789012",
	partition: "aws",
	tableName: "Syndicate-prod-Table",
	ingestBucket: "syndicate-prod-ingest-123456789012-eu-west-1",
	siteBucket: "syndicate-prod-site-123456789012-eu-west-1",
	siteUrl: "https://news.example.org",
};

const EXPIRATION = new Date("2026-12-07T00:15:00Z");

/** STS as the smoke test meets it: records each AssumeRole, answers or refuses. */
function fakeSts(answer: "grant" | "deny") {
	const asked: unknown[] = [];
	const sts: Pick<STSClient, "send"> = {
		send: (async (command: unknown) => {
			expect(command).toBeInstanceOf(AssumeRoleCommand);
			asked.push((command as AssumeRoleCommand).input);
			if (answer === "deny") {
				throw Object.assign(new Error("User is not authorized to perform: sts:AssumeRole"), {
					name: "AccessDenied",
				});
			}
			return {
				Credentials: {
					AccessKeyId: "ASIAPARTNER",
					SecretAccessKey: "partner-secret",
					SessionToken: "partner-session",
					Expiration: EXPIRATION,
				},
			};
		}) as STSClient["send"],
	};
	return { sts, asked };
}

describe("the smoke test in AWS: as the demo partner, through its role", () => {
	it("names the partner's role as the stage's stacks create it, in their account", () => {
		expect(partnerRoleArn(STACK, "science-news")).toBe(
			"arn:aws:iam::123456789012:role/Syndicate-prod-Partner-science-news",
		);
		const byHand: DeployedStack = { ...STACK };
		delete byHand.stage;
		delete byHand.account;
		expect(() => partnerRoleArn(byHand, "science-news")).toThrow(/give --stage, not --table/);
	});

	it("uploads on a session of the role, assumed with the external id, never the caller's keys", async () => {
		const { sts, asked } = fakeSts("grant");
		const arn = partnerRoleArn(STACK, "science-news");
		const s3 = await partnerS3Client(sts, arn, "syndicate-science-news-7c1e4b2a", {
			region: "eu-west-1",
		});
		try {
			expect(asked).toEqual([
				{
					RoleArn: arn,
					RoleSessionName: "syndicate-smoke",
					ExternalId: "syndicate-science-news-7c1e4b2a",
					DurationSeconds: 900,
				},
			]);
			expect(await s3.config.credentials()).toMatchObject({
				accessKeyId: "ASIAPARTNER",
				secretAccessKey: "partner-secret",
				sessionToken: "partner-session",
				expiration: EXPIRATION,
			});
			expect(await s3.config.region()).toBe("eu-west-1");
		} finally {
			s3.destroy();
		}
	});

	it("says in one line when the role refuses the caller or the external id", async () => {
		const { sts } = fakeSts("deny");
		const attempt = partnerS3Client(
			sts,
			partnerRoleArn(STACK, "science-news"),
			"wrong-external-id",
		);
		await expect(attempt).rejects.toThrow(CliError);
		await expect(attempt).rejects.toThrow(
			/^not allowed to assume arn:aws:iam::123456789012:role\/Syndicate-prod-Partner-science-news with the given external id: /,
		);
	});
});
