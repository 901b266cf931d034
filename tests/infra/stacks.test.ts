import type { App } from "aws-cdk-lib";
import { Match, type Template } from "aws-cdk-lib/assertions";
import { AwsSolutionsChecks } from "cdk-nag";
import { beforeAll, describe, expect, it } from "vitest";
import { fullContext, synthesize } from "./synth.ts";

let app: App;
let stateful: Template;
let stateless: Template;
let full: ReturnType<typeof synthesize>;

beforeAll(() => {
	// The default stage (dev) with no optional context, as `npm run synth` builds it.
	const stacks = synthesize();
	app = stacks.app;
	stateful = stacks.dataTemplate;
	stateless = stacks.appTemplate;
	full = synthesize(fullContext);
});

type Statement = { Action: string | string[]; Resource: unknown; Effect: string };

function statements(template: Template): Statement[] {
	const fromPolicies = Object.values(template.findResources("AWS::IAM::Policy")).flatMap(
		(policy) => policy.Properties.PolicyDocument.Statement as Statement[],
	);
	const fromRoles = Object.values(template.findResources("AWS::IAM::Role")).flatMap((role) =>
		((role.Properties.Policies ?? []) as { PolicyDocument: { Statement: Statement[] } }[]).flatMap(
			(p) => p.PolicyDocument.Statement,
		),
	);
	return [...fromPolicies, ...fromRoles];
}

describe("stateful stack", () => {
	it("encrypts, blocks public access on and enforces TLS for every bucket", () => {
		const buckets = Object.values(stateful.findResources("AWS::S3::Bucket"));
		expect(buckets).toHaveLength(3);
		for (const bucket of buckets) {
			expect(
				bucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0]
					.ServerSideEncryptionByDefault.SSEAlgorithm,
			).toBe("AES256");
			expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
				BlockPublicAcls: true,
				BlockPublicPolicy: true,
				IgnorePublicAcls: true,
				RestrictPublicBuckets: true,
			});
		}
		const policies = Object.values(stateful.findResources("AWS::S3::BucketPolicy"));
		expect(policies).toHaveLength(3);
		for (const policy of policies) {
			expect(policy.Properties.PolicyDocument.Statement).toContainEqual(
				expect.objectContaining({
					Effect: "Deny",
					Condition: { Bool: { "aws:SecureTransport": "false" } },
				}),
			);
		}
	});

	it("versions the ingest bucket, so no upload is ever lost", () => {
		stateful.hasResourceProperties("AWS::S3::Bucket", {
			BucketName: Match.objectLike({
				"Fn::Join": ["", Match.arrayWith(["syndicate-dev-ingest-"])],
			}),
			VersioningConfiguration: { Status: "Enabled" },
		});
	});

	it("lets only this account's CloudFront distributions read the site (OAC)", () => {
		stateful.hasResourceProperties("AWS::S3::BucketPolicy", {
			PolicyDocument: {
				Statement: Match.arrayWith([
					Match.objectLike({
						Action: "s3:GetObject",
						Principal: { Service: "cloudfront.amazonaws.com" },
						Condition: Match.objectLike({
							StringEquals: { "AWS:SourceAccount": { Ref: "AWS::AccountId" } },
						}),
					}),
				]),
			},
		});
	});

	it("keeps the table encrypted, point-in-time recoverable and, beyond dev, protected", () => {
		full.dataTemplate.hasResourceProperties("AWS::DynamoDB::GlobalTable", {
			SSESpecification: { SSEEnabled: true, SSEType: "KMS" },
			// What the view aggregator marks with an expiry is deleted by DynamoDB, free.
			TimeToLiveSpecification: { AttributeName: "expiresAt", Enabled: true },
			Replicas: [
				Match.objectLike({
					PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
					DeletionProtectionEnabled: true,
				}),
			],
			GlobalSecondaryIndexes: [Match.objectLike({ IndexName: "gsi1" })],
		});
	});

	it("sends object-created events under incoming/ to an encrypted queue with a dead-letter queue", () => {
		stateful.hasResourceProperties("Custom::S3BucketNotifications", {
			NotificationConfiguration: {
				QueueConfigurations: [
					Match.objectLike({
						Events: ["s3:ObjectCreated:*"],
						Filter: { Key: { FilterRules: [{ Name: "prefix", Value: "incoming/" }] } },
					}),
				],
			},
		});
		stateful.hasResourceProperties("AWS::SQS::Queue", {
			SqsManagedSseEnabled: true,
			RedrivePolicy: Match.objectLike({ maxReceiveCount: 5 }),
			VisibilityTimeout: 360,
		});
	});
});

describe("stateless stack", () => {
	it("runs every function (ingest, publish, views) on Node 24, arm64", () => {
		const functions = Object.values(stateless.findResources("AWS::Lambda::Function"));
		expect(functions).toHaveLength(3);
		for (const fn of functions) {
			expect(fn.Properties.Runtime).toBe("nodejs24.x");
			expect(fn.Properties.Architectures).toEqual(["arm64"]);
		}
	});

	it("feeds the ingest function from the queue, reporting batch item failures", () => {
		stateless.hasResourceProperties("AWS::Lambda::EventSourceMapping", {
			FunctionResponseTypes: ["ReportBatchItemFailures"],
		});
	});

	it("grants no wildcard actions and no managed policies", () => {
		expect(statements(stateless).length).toBeGreaterThan(0);
		for (const statement of statements(stateless)) {
			for (const action of [statement.Action].flat()) {
				expect(action).not.toMatch(/\*/);
			}
		}
		for (const role of Object.values(stateless.findResources("AWS::IAM::Role"))) {
			expect(role.Properties.ManagedPolicyArns).toBeUndefined();
		}
	});

	it("lets the ingest read exactly the upload version an event names", () => {
		const versioned = statements(stateless).filter((s) =>
			[s.Action].flat().includes("s3:GetObjectVersion"),
		);
		expect(JSON.stringify(versioned.map((s) => s.Resource))).toContain("/incoming/*");
		expect(JSON.stringify(versioned.map((s) => s.Resource))).not.toContain("/content/*");
	});

	it("lets publishers read stored bodies and archived bundles (where photos are), not uploads", () => {
		const gets = statements(stateless).filter(
			(s) =>
				[s.Action].flat().includes("s3:GetObject") &&
				!JSON.stringify(s.Resource).includes("/incoming/*"),
		);
		const resources = JSON.stringify(gets.map((s) => s.Resource));
		for (const prefix of ["/archive/*", "/content/*"]) expect(resources).toContain(prefix);
		expect(resources).not.toContain("/reports/*");
	});

	it("scopes S3 writes to the prefixes each function owns", () => {
		const puts = statements(stateless).filter((s) => [s.Action].flat().includes("s3:PutObject"));
		const resources = JSON.stringify(puts.map((s) => s.Resource));
		for (const prefix of ["/archive/*", "/content/*", "/reports/*"])
			expect(resources).toContain(prefix);
		expect(resources).not.toContain("/incoming/*");
	});

	it("lets every publisher invalidate its own distribution, and nothing else in CloudFront", () => {
		const invalidations = statements(stateless).filter((s) =>
			[s.Action].flat().some((action) => action.startsWith("cloudfront:")),
		);
		expect(invalidations).toHaveLength(3);
		for (const statement of invalidations) {
			expect(statement.Action).toBe("cloudfront:CreateInvalidation");
			const resource = JSON.stringify(statement.Resource);
			expect(resource).toContain(":distribution/");
			expect(resource).toContain('"Ref":"Edge');
		}
		const functions = Object.values(stateless.findResources("AWS::Lambda::Function"));
		for (const fn of functions) {
			expect(JSON.stringify(fn.Properties.Environment.Variables.DISTRIBUTION_ID)).toContain(
				'"Ref":"Edge',
			);
		}
	});

	it("serves the site through CloudFront with Origin Access Control, HTTPS and compression", () => {
		stateless.resourceCountIs("AWS::CloudFront::OriginAccessControl", 1);
		stateless.hasResourceProperties("AWS::CloudFront::Distribution", {
			DistributionConfig: Match.objectLike({
				DefaultRootObject: "index.html",
				DefaultCacheBehavior: Match.objectLike({
					ViewerProtocolPolicy: "redirect-to-https",
					Compress: true,
				}),
				Origins: [
					Match.objectLike({
						OriginAccessControlId: Match.anyValue(),
						S3OriginConfig: { OriginAccessIdentity: "" },
					}),
				],
				Logging: Match.objectLike({ Prefix: "cloudfront/" }),
			}),
		});
	});

	it("publishes on a schedule, so nothing stays stale after a failed publisher", () => {
		stateless.hasResourceProperties("AWS::Events::Rule", { ScheduleExpression: "rate(1 minute)" });
	});

	it("counts views on a schedule, reading only CloudFront's log objects", () => {
		stateless.hasResourceProperties("AWS::Events::Rule", {
			ScheduleExpression: "rate(15 minutes)",
		});
		const logReads = statements(stateless).filter(
			(s) => JSON.stringify(s.Resource).includes("cloudfront/*") && s.Action === "s3:GetObject",
		);
		expect(logReads).toHaveLength(1);
		const listings = statements(stateless)
			.filter((s) => s.Action === "s3:ListBucket")
			.map((s) => JSON.stringify(s))
			.filter((s) => s.includes("-logs-"));
		expect(listings).toEqual([expect.stringContaining("cloudfront/*")]);
	});
});

describe("cdk-nag AwsSolutions", () => {
	it.each([
		["the default stage", () => app],
		["a production stage with a custom domain, hosted zone and alarm email", () => full.app],
	])("finds nothing that is not fixed or acknowledged with a reason in %s", (_, scope) => {
		const report = new AwsSolutionsChecks().validateScope(scope());
		expect(
			report.violations.map(
				(v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(", ")}`,
			),
		).toEqual([]);
	});
});

describe("outputs the ops CLI reads (CloudFormation DescribeStacks)", () => {
	it("puts the table, buckets and queues on the Data stack", () => {
		for (const template of [stateful, full.dataTemplate]) {
			const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
			expect(outputs.TableName?.Value).toEqual({ Ref: expect.stringMatching(/^Table/) });
			expect(outputs.IngestBucketName?.Value).toEqual({ Ref: expect.stringMatching(/^Ingest/) });
			expect(outputs.SiteBucketName?.Value).toEqual({ Ref: expect.stringMatching(/^Site/) });
			expect(outputs.LogsBucketName?.Value).toEqual({ Ref: expect.stringMatching(/^Logs/) });
			expect(JSON.stringify(outputs.QueueUrl?.Value)).toContain('"Ref":"IngestQueue');
			expect(JSON.stringify(outputs.DeadLetterQueueUrl?.Value)).toContain(
				'"Ref":"IngestDeadLetters',
			);
		}
	});

	it("puts the distribution id and the site URL on the App stack", () => {
		const outputs = stateless.toJSON().Outputs as Record<string, { Value: unknown }>;
		expect(outputs.DistributionId?.Value).toEqual({
			Ref: expect.stringMatching(/^EdgeDistribution/),
		});
		expect(JSON.stringify(outputs.SiteUrl?.Value)).toContain('"DomainName"');
		const prod = full.appTemplate.toJSON().Outputs as Record<string, { Value: unknown }>;
		expect(prod.SiteUrl?.Value).toBe("https://news.example.org");
	});
});

describe("the views aggregator: one addFunction call", () => {
	it("has its own role, the table, the environment, alarms, a schedule and log reads only", () => {
		stateless.resourceCountIs("AWS::Lambda::Function", 3);
		stateless.hasResourceProperties("AWS::Lambda::Function", {
			FunctionName: "Syndicate-dev-Views",
			Environment: {
				Variables: Match.objectLike({
					STAGE: "dev",
					POWERTOOLS_SERVICE_NAME: "syndicate-views",
					POWERTOOLS_METRICS_NAMESPACE: "Syndicate",
					TABLE_NAME: Match.anyValue(),
					LOGS_BUCKET: Match.anyValue(),
				}),
			},
		});
		stateless.hasResourceProperties("AWS::Events::Rule", {
			ScheduleExpression: "rate(15 minutes)",
		});
		stateless.hasResourceProperties("AWS::CloudWatch::Alarm", {
			AlarmName: "Syndicate-dev-Views-Errors-read-views-logs-then-run-views-aggregate",
		});
		stateless.hasResourceProperties("AWS::CloudWatch::Alarm", {
			AlarmName: "Syndicate-dev-Views-NotRunning-check-its-schedule-rule-is-enabled",
			TreatMissingData: "breaching",
		});
		const logReads = statements(stateless).filter((s) =>
			JSON.stringify(s.Resource).includes("/cloudfront/*"),
		);
		expect(logReads.map((s) => s.Action)).toEqual(["s3:GetObject"]);
	});
});
