import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CloudFormationClient } from "@aws-sdk/client-cloudformation";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CALL_LOG_VARIABLE } from "#shared/adapters/aws/record-calls.ts";
import { CliError } from "../../cli/cli-error.ts";
import { describeStage } from "../../cli/stage.ts";
import { iamModel } from "../infra/iam-model.ts";
import { denialsOf, readRecordedCalls } from "../infra/recorded-calls.ts";
import { expectRefused, syndicate } from "./spawn-cli.ts";

/*
 * `--stage` against a loopback server that answers DescribeStacks as CloudFormation does: the
 * SDK's client speaks the awsQuery protocol (a form-encoded POST of Action, Version and
 * StackName, signed with SigV4), and CloudFormation answers with XML, an `ErrorResponse` with a
 * 400 for a stack that does not exist.
 */

const REGION = "eu-west-1";
const ACCOUNT = "123456789012";
const NS = "http://cloudformation.amazonaws.com/doc/2010-05-15/";

type Outputs = Record<string, string>;

const DATA_OUTPUTS: Outputs = {
	TableName: "Syndicate-dev-Data-Table1A2B3C4D-1EXAMPLE",
	IngestBucketName: "syndicate-dev-data-ingestbucket1a2b3c4d-example",
	SiteBucketName: "syndicate-dev-data-sitebucket1a2b3c4d-example",
	LogsBucketName: "syndicate-dev-data-logsbucket1a2b3c4d-example",
	QueueUrl: `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/Syndicate-dev-Ingest`,
	DeadLetterQueueUrl: `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/Syndicate-dev-IngestDLQ`,
	PartnerRoleArnScienceNews: `arn:aws:iam::${ACCOUNT}:role/Syndicate-dev-science-news-upload`,
};
const APP_OUTPUTS: Outputs = {
	DistributionId: "E2QWRUHEXAMPLE",
	SiteUrl: "https://d111111abcdef8.cloudfront.net",
	LatestFeed: "https://d111111abcdef8.cloudfront.net/feeds/en/latest.rss",
	AlarmTopicArn: `arn:aws:sns:${REGION}:${ACCOUNT}:Syndicate-dev-Alarms`,
	DashboardName: "Syndicate-dev",
};

const xmlText = (text: string) =>
	text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");

/** A DescribeStacks answer with one stack, as CloudFormation writes it. */
function describeStacksXml(stackName: string, outputs: Outputs): string {
	const members = Object.entries(outputs)
		.map(
			([key, value]) =>
				`<member><OutputKey>${key}</OutputKey><OutputValue>${xmlText(value)}</OutputValue><Description>${key} of ${stackName}</Description></member>`,
		)
		.join("");
	return `<DescribeStacksResponse xmlns="${NS}">
  <DescribeStacksResult>
    <Stacks>
      <member>
        <StackId>arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/${stackName}/8c1e3a50-0f6d-11f0-9a8f-0a1b2c3d4e5f</StackId>
        <StackName>${stackName}</StackName>
        <Description>Syndicate</Description>
        <Parameters><member><ParameterKey>BootstrapVersion</ParameterKey><ParameterValue>/cdk-bootstrap/hnb659fds/version</ParameterValue><ResolvedValue>27</ResolvedValue></member></Parameters>
        <CreationTime>2026-03-01T09:12:44.123Z</CreationTime>
        <LastUpdatedTime>2026-03-02T10:00:05.456Z</LastUpdatedTime>
        <RollbackConfiguration/>
        <StackStatus>UPDATE_COMPLETE</StackStatus>
        <DisableRollback>false</DisableRollback>
        <NotificationARNs/>
        <Capabilities><member>CAPABILITY_IAM</member><member>CAPABILITY_NAMED_IAM</member></Capabilities>
        <Outputs>${members}</Outputs>
        <Tags><member><Key>stage</Key><Value>dev</Value></member></Tags>
        <EnableTerminationProtection>true</EnableTerminationProtection>
        <DriftInformation><StackDriftStatus>NOT_CHECKED</StackDriftStatus></DriftInformation>
      </member>
    </Stacks>
  </DescribeStacksResult>
  <ResponseMetadata><RequestId>b9b4f8d2-3c1a-4e5f-8a7b-6c5d4e3f2a1b</RequestId></ResponseMetadata>
</DescribeStacksResponse>`;
}

function errorXml(code: string, message: string): string {
	return `<ErrorResponse xmlns="${NS}">
  <Error>
    <Type>Sender</Type>
    <Code>${code}</Code>
    <Message>${xmlText(message)}</Message>
  </Error>
  <RequestId>7d2e6a4c-1b3f-4c5d-9e8f-0a1b2c3d4e5f</RequestId>
</ErrorResponse>`;
}

/** What the fake was asked: the form fields and the signature's credential scope. */
interface Asked {
	contentType: string | undefined;
	fields: Record<string, string>;
	scope: string | undefined;
}

/** The stacks CloudFormation holds, by name; any other name does not exist. */
const stacks = new Map<string, Outputs>([
	["Syndicate-dev-Data", DATA_OUTPUTS],
	["Syndicate-dev-App", APP_OUTPUTS],
	["Syndicate-old-Data", DATA_OUTPUTS],
	// An App stack deployed before the distribution's id was an output.
	["Syndicate-old-App", { SiteUrl: APP_OUTPUTS.SiteUrl ?? "" }],
	["Syndicate-nodata-App", APP_OUTPUTS],
]);
const asked: Asked[] = [];

async function readBody(request: IncomingMessage): Promise<string> {
	const chunks: Buffer[] = [];
	for await (const chunk of request) chunks.push(chunk as Buffer);
	return Buffer.concat(chunks).toString("utf8");
}

let server: Server;
let endpoint: string;
let home: string;

beforeAll(async () => {
	home = await mkdtemp(join(tmpdir(), "syndicate-stage-"));
	server = createServer(async (request, response) => {
		const fields = Object.fromEntries(new URLSearchParams(await readBody(request)));
		const scope = /Credential=[^/]+\/\d{8}\/([^/]+\/[^/]+)\/aws4_request/.exec(
			request.headers.authorization ?? "",
		)?.[1];
		asked.push({ contentType: request.headers["content-type"], fields, scope });
		const reply = (status: number, xml: string) =>
			response.writeHead(status, { "content-type": "text/xml" }).end(xml);
		// STS speaks the same protocol: the smoke test's AssumeRole, refused as for a wrong
		// external id.
		if (request.method === "POST" && fields.Action === "AssumeRole") {
			return reply(
				403,
				errorXml(
					"AccessDenied",
					`User: arn:aws:iam::${ACCOUNT}:user/ops is not authorized to perform: sts:AssumeRole on resource: ${fields.RoleArn}`,
				),
			);
		}
		if (request.method !== "POST" || fields.Action !== "DescribeStacks") {
			return reply(400, errorXml("InvalidAction", `unexpected ${fields.Action}`));
		}
		const name = fields.StackName ?? "";
		if (name.startsWith("Syndicate-denied-")) {
			return reply(
				403,
				errorXml(
					"AccessDenied",
					`User: arn:aws:iam::${ACCOUNT}:user/ops is not authorized to perform: cloudformation:DescribeStacks on resource: arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/${name}/* because no identity-based policy allows the cloudformation:DescribeStacks action`,
				),
			);
		}
		const outputs = stacks.get(name);
		if (!outputs)
			return reply(400, errorXml("ValidationError", `Stack with id ${name} does not exist`));
		reply(200, describeStacksXml(name, outputs));
	});
	await new Promise<void>((listening) => server.listen(0, "127.0.0.1", listening));
	endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
	await new Promise((closed) => server?.close(closed));
	if (home) await rm(home, { recursive: true, force: true });
});

function client(): CloudFormationClient {
	return new CloudFormationClient({
		endpoint,
		region: REGION,
		credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" },
		maxAttempts: 1,
	});
}

async function refusal(stage: string): Promise<CliError> {
	const cf = client();
	try {
		await describeStage(stage, { client: cf });
	} catch (error) {
		return error as CliError;
	} finally {
		cf.destroy();
	}
	throw new Error(`stage ${stage} was described`);
}

describe("describeStage, against CloudFormation's DescribeStacks on loopback", () => {
	it("maps both stacks' outputs to the table, buckets, queues, site and distribution the CLI uses", async () => {
		asked.length = 0;
		const cf = client();
		try {
			expect(await describeStage("dev", { client: cf })).toEqual({
				stage: "dev",
				tableName: DATA_OUTPUTS.TableName,
				ingestBucket: DATA_OUTPUTS.IngestBucketName,
				siteBucket: DATA_OUTPUTS.SiteBucketName,
				logsBucket: DATA_OUTPUTS.LogsBucketName,
				queueUrl: DATA_OUTPUTS.QueueUrl,
				deadLetterQueueUrl: DATA_OUTPUTS.DeadLetterQueueUrl,
				siteUrl: APP_OUTPUTS.SiteUrl,
				distributionId: APP_OUTPUTS.DistributionId,
				// From the data stack's StackId: where the partner roles are.
				account: ACCOUNT,
				partition: "aws",
			});
		} finally {
			cf.destroy();
		}
		// One signed awsQuery call per stack, the data stack first.
		expect(asked).toEqual(
			["Syndicate-dev-Data", "Syndicate-dev-App"].map((StackName) => ({
				contentType: "application/x-www-form-urlencoded",
				fields: { Action: "DescribeStacks", Version: "2010-05-15", StackName },
				scope: `${REGION}/cloudformation`,
			})),
		);
	});

	it("says in one line that a stage is not deployed, naming the stack and the region", async () => {
		const error = await refusal("prod");
		expect(error).toBeInstanceOf(CliError);
		expect(error.message).toBe(
			`stage prod is not deployed: no stack Syndicate-prod-Data in ${REGION} (check AWS_REGION, or deploy it: docs/operating-in-aws.md)`,
		);
		expect((await refusal("nodata")).message).toContain("no stack Syndicate-nodata-Data");
	});

	it("names the output a stack lacks", async () => {
		expect((await refusal("old")).message).toBe(
			"the stacks of stage old (Syndicate-old-Data, Syndicate-old-App) have no output DistributionId: deploy the current version (docs/operating-in-aws.md)",
		);
	});

	it("says who may not read the stack when CloudFormation denies it", async () => {
		expect((await refusal("denied")).message).toMatch(
			/^not allowed to read stack Syndicate-denied-Data: AccessDenied: User: arn:aws:iam::123456789012:user\/ops is not authorized to perform: cloudformation:DescribeStacks/,
		);
	});
});

describe("--stage in the CLI, with CloudFormation's endpoint set as the SDK reads it", () => {
	// Only refusals: a stage that resolves would go on to call DynamoDB and SQS in AWS.
	const env = (): NodeJS.ProcessEnv => ({
		PATH: process.env.PATH,
		HOME: home,
		AWS_REGION: REGION,
		AWS_ACCESS_KEY_ID: "AKIDEXAMPLE",
		AWS_SECRET_ACCESS_KEY: "secret",
		AWS_CONFIG_FILE: join(home, "no-aws-config"),
		AWS_SHARED_CREDENTIALS_FILE: join(home, "no-aws-credentials"),
		AWS_EC2_METADATA_DISABLED: "true",
		AWS_ENDPOINT_URL_CLOUDFORMATION: endpoint,
	});

	it("refuses a stage that is not deployed with one line", async () => {
		const line = expectRefused(await syndicate(home, ["status", "--stage", "prod"], env()));
		expect(line).toBe(
			`syndicate: stage prod is not deployed: no stack Syndicate-prod-Data in ${REGION} (check AWS_REGION, or deploy it: docs/operating-in-aws.md)\n`,
		);
	});

	it("refuses a stage whose stack lacks an output with one line", async () => {
		const line = expectRefused(await syndicate(home, ["dlq", "list", "--stage", "old"], env()));
		expect(line).toMatch(/^syndicate: the stacks of stage old .* have no output DistributionId: /);
	});

	it("smoke assumes the stage's partner role with the external id, and stops at that step when refused", async () => {
		asked.length = 0;
		const log = join(home, "smoke-calls.ndjson");
		const run = await syndicate(home, ["smoke", "--stage", "dev"], {
			...env(),
			AWS_ENDPOINT_URL_STS: endpoint,
			SYNDICATE_SMOKE_EXTERNAL_ID: "syndicate-science-news-7c1e4b2a",
			[CALL_LOG_VARIABLE]: log,
		});
		const roleArn = `arn:aws:iam::${ACCOUNT}:role/Syndicate-dev-Partner-science-news`;
		expect(expectRefused(run)).toMatch(
			new RegExp(
				`^syndicate: smoke test failed at step "partner credentials": not allowed to assume ${roleArn} with the given external id: AccessDenied: `,
			),
		);
		expect(run.out).toMatch(/^ok {4}pack bundle .*\nFAIL {2}partner credentials /m);
		// Refused before anything was uploaded, so there is nothing to clean up.
		expect(run.out).not.toContain("upload");
		expect(run.out).not.toContain("cleanup");
		expect(asked.filter((call) => call.fields.Action === "AssumeRole")).toEqual([
			{
				contentType: "application/x-www-form-urlencoded",
				fields: {
					Action: "AssumeRole",
					Version: "2011-06-15",
					RoleArn: roleArn,
					RoleSessionName: "syndicate-smoke",
					ExternalId: "syndicate-science-news-7c1e4b2a",
					DurationSeconds: "900",
				},
				scope: `${REGION}/sts`,
			},
		]);
		// Its calls (DescribeStacks of both stacks, AssumeRole) are the operator policy's to make;
		// whether the role's trust lets this account in is the partners file's (docs).
		const calls = readRecordedCalls(log);
		expect(calls.map((call) => call.operation)).toEqual([
			"DescribeStacks",
			"DescribeStacks",
			"AssumeRole",
		]);
		const model = iamModel("dev");
		const { denials } = await denialsOf(
			calls,
			{
				buckets: {},
				tables: {},
				queues: {},
				distributions: {},
				stacks: {
					"Syndicate-dev-Data": "Syndicate-dev-Data",
					"Syndicate-dev-App": "Syndicate-dev-App",
				},
			},
			{
				cli: {
					principal: `arn:aws:sts::${ACCOUNT}:assumed-role/Ops/alice`,
					principalArn: `arn:aws:iam::${ACCOUNT}:role/Ops`,
					identityPolicies: [model.managedPolicy("Syndicate-dev-Operator")],
				},
			},
			model,
		);
		expect(denials).toEqual([]);
	});
});
