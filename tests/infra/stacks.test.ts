import { App } from "aws-cdk-lib";
import { Match, Template } from "aws-cdk-lib/assertions";
import { AwsSolutionsChecks } from "cdk-nag";
import { beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../../infra/app.ts";

let app: App;
let stateful: Template;
let stateless: Template;
let stacks: ReturnType<typeof buildApp>;

beforeAll(() => {
	// No bundling in unit tests: it is what `npm run synth` checks.
	stacks = buildApp(new App({ context: { "aws:cdk:bundling-stacks": [] } }));
	app = stacks.app;
	stateful = Template.fromStack(stacks.stateful);
	stateless = Template.fromStack(stacks.stateless);
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
			expect(bucket.DeletionPolicy).toBe("Retain");
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
			BucketName: Match.objectLike({ "Fn::Join": ["", Match.arrayWith(["syndicate-ingest-"])] }),
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

	it("keeps the table encrypted, point-in-time recoverable and protected", () => {
		stateful.hasResourceProperties("AWS::DynamoDB::GlobalTable", {
			SSESpecification: { SSEEnabled: true, SSEType: "KMS" },
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
	it("runs both functions on Node 24, arm64", () => {
		const functions = Object.values(stateless.findResources("AWS::Lambda::Function"));
		expect(functions).toHaveLength(2);
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

	it("scopes S3 writes to the prefixes each function owns", () => {
		const puts = statements(stateless).filter((s) => [s.Action].flat().includes("s3:PutObject"));
		const resources = JSON.stringify(puts.map((s) => s.Resource));
		for (const prefix of ["/archive/*", "/content/*", "/reports/*"])
			expect(resources).toContain(prefix);
		expect(resources).not.toContain("/incoming/*");
	});

	it("lets both publishers invalidate their own distribution, and nothing else in CloudFront", () => {
		const invalidations = statements(stateless).filter((s) =>
			[s.Action].flat().some((action) => action.startsWith("cloudfront:")),
		);
		expect(invalidations).toHaveLength(2);
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
});

describe("cdk-nag AwsSolutions", () => {
	it("finds nothing that is not fixed or acknowledged with a reason", () => {
		const report = new AwsSolutionsChecks().validateScope(app);
		expect(
			report.violations.map(
				(v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(", ")}`,
			),
		).toEqual([]);
	});
});
