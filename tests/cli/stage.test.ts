import { describe, expect, it } from "vitest";
import { CliError } from "../../cli/cli-error.ts";
import {
	checkStageName,
	deployedStackFromOutputs,
	explainAwsError,
	stageStackNames,
} from "../../cli/stage.ts";

const DATA_OUTPUTS = {
	TableName: "syndicate-dev",
	IngestBucketName: "syndicate-dev-ingest",
	SiteBucketName: "syndicate-dev-site",
	LogsBucketName: "syndicate-dev-logs",
	QueueUrl: "https://sqs.eu-west-1.amazonaws.com/123456789012/syndicate-dev-ingest",
	DeadLetterQueueUrl: "https://sqs.eu-west-1.amazonaws.com/123456789012/syndicate-dev-ingest-dlq",
};
const APP_OUTPUTS = {
	DistributionId: "E2QWRUHEXAMPLE",
	SiteUrl: "https://d111111abcdef8.cloudfront.net",
	LatestFeed: "https://d111111abcdef8.cloudfront.net/feeds/en/latest.rss",
};

describe("--stage: a deployed stage's endpoints from its stack outputs", () => {
	it("names the data and app stacks of a stage", () => {
		expect(stageStackNames("dev")).toEqual(["Syndicate-dev-Data", "Syndicate-dev-App"]);
	});

	it("merges the outputs of both stacks into the endpoints the CLI uses", () => {
		const [data, app] = stageStackNames("dev");
		expect(
			deployedStackFromOutputs("dev", [
				{ stackName: data, outputs: DATA_OUTPUTS },
				{ stackName: app, outputs: APP_OUTPUTS },
			]),
		).toEqual({
			stage: "dev",
			tableName: "syndicate-dev",
			ingestBucket: "syndicate-dev-ingest",
			siteBucket: "syndicate-dev-site",
			logsBucket: "syndicate-dev-logs",
			siteUrl: "https://d111111abcdef8.cloudfront.net",
			queueUrl: DATA_OUTPUTS.QueueUrl,
			deadLetterQueueUrl: DATA_OUTPUTS.DeadLetterQueueUrl,
			distributionId: "E2QWRUHEXAMPLE",
		});
	});

	it("names every output a stage lacks, in one line", () => {
		const { QueueUrl: _queue, DeadLetterQueueUrl: _dlq, ...older } = DATA_OUTPUTS;
		const attempt = () =>
			deployedStackFromOutputs("prod", [
				{ stackName: "Syndicate-prod-Data", outputs: older },
				{ stackName: "Syndicate-prod-App", outputs: APP_OUTPUTS },
			]);
		expect(attempt).toThrow(CliError);
		expect(attempt).toThrow(/no output QueueUrl, DeadLetterQueueUrl: deploy the current version/);
		expect(attempt).not.toThrow(/\n/);
	});

	it("accepts an older stack without a logs bucket", () => {
		const { LogsBucketName: _logs, ...withoutLogs } = DATA_OUTPUTS;
		const stack = deployedStackFromOutputs("dev", [
			{ stackName: "d", outputs: withoutLogs },
			{ stackName: "a", outputs: APP_OUTPUTS },
		]);
		expect(stack.logsBucket).toBeUndefined();
	});

	it("takes the WebSub hub from a stage deployed with -c hubUrl, and none from one without", () => {
		const hub = "https://hub.example.org/websub";
		const stack = deployedStackFromOutputs("dev", [
			{ stackName: "d", outputs: DATA_OUTPUTS },
			{ stackName: "a", outputs: { ...APP_OUTPUTS, HubUrl: hub } },
		]);
		expect(stack.hubUrl).toBe(hub);
		const without = deployedStackFromOutputs("dev", [
			{ stackName: "d", outputs: DATA_OUTPUTS },
			{ stackName: "a", outputs: APP_OUTPUTS },
		]);
		expect(without.hubUrl).toBeUndefined();
	});

	it("refuses a stage name no stack can carry", () => {
		expect(checkStageName("staging-2")).toBe("staging-2");
		for (const bad of ["", "2dev", "dev prod", "dev/x", "a".repeat(65)]) {
			expect(() => checkStageName(bad)).toThrow(/not a stage name/);
		}
	});

	it("turns AWS SDK failures into one line an operator can act on", () => {
		const credentials = Object.assign(new Error("Could not load credentials from any providers"), {
			name: "CredentialsProviderError",
		});
		expect(explainAwsError(credentials, "read stack X").message).toMatch(
			/^no AWS credentials for read stack X: sign in/,
		);
		expect(explainAwsError(new Error("Region is missing"), "read stack X").message).toMatch(
			/^no AWS region for read stack X: set AWS_REGION or pass --region$/,
		);
		const expired = Object.assign(
			new Error("The security token included in the request is expired"),
			{
				name: "ExpiredToken",
			},
		);
		expect(explainAwsError(expired, "read stack X").message).toMatch(/have expired: sign in again/);
		const denied = Object.assign(new Error("User x is not authorized\nto describe"), {
			name: "AccessDenied",
		});
		expect(explainAwsError(denied, "read stack X").message).toBe(
			"not allowed to read stack X: AccessDenied: User x is not authorized to describe",
		);
		const other = Object.assign(new Error("socket hang up\n  more"), { name: "TimeoutError" });
		expect(explainAwsError(other, "read stack X").message).toBe(
			"cannot read stack X: TimeoutError: socket hang up more",
		);
	});
});
