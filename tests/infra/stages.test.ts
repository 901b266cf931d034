import type { Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { parsePartners } from "../../infra/config.ts";
import { prodPartnersFile, synthError, synthesize } from "./synth.ts";

let dev: ReturnType<typeof synthesize>;
let prod: ReturnType<typeof synthesize>;

beforeAll(() => {
	dev = synthesize({ stage: "dev" });
	prod = synthesize({ stage: "prod", partnersFile: prodPartnersFile });
});

type Resources = Record<
	string,
	{
		Type: string;
		Properties?: Record<string, unknown>;
		DeletionPolicy?: string;
		UpdateReplacePolicy?: string;
	}
>;

function resources(template: Template): Resources {
	return template.toJSON().Resources as Resources;
}

function ofType(template: Template, type: string) {
	return Object.values(resources(template)).filter((r) => r.Type === type);
}

// Every name a resource of ours is given; unnamed ones get the stack name, which carries the stage.
const NAME_PROPERTIES: Record<string, string> = {
	"AWS::S3::Bucket": "BucketName",
	"AWS::DynamoDB::GlobalTable": "TableName",
	"AWS::SQS::Queue": "QueueName",
	"AWS::Lambda::Function": "FunctionName",
	"AWS::IAM::Role": "RoleName",
	"AWS::SNS::Topic": "TopicName",
	"AWS::CloudWatch::Alarm": "AlarmName",
	"AWS::CloudWatch::Dashboard": "DashboardName",
};

describe.each([
	["dev", () => dev],
	["prod", () => prod],
])("stage %s", (stage, stacks) => {
	it("names both stacks after the stage", () => {
		expect(stacks().stateful.stackName).toBe(`Syndicate-${stage}-Data`);
		expect(stacks().stateless.stackName).toBe(`Syndicate-${stage}-App`);
	});

	it("puts the stage in the name of every resource it names", () => {
		let named = 0;
		for (const template of [stacks().dataTemplate, stacks().appTemplate]) {
			for (const resource of Object.values(resources(template))) {
				const property = NAME_PROPERTIES[resource.Type];
				const name = property ? resource.Properties?.[property] : undefined;
				if (name === undefined) continue;
				named++;
				expect(JSON.stringify(name).toLowerCase()).toMatch(new RegExp(`syndicate-${stage}(-|")`));
			}
		}
		// Three buckets, table, two queues, two functions, partner roles, topic, six alarms, dashboard.
		expect(named).toBeGreaterThanOrEqual(17);
	});

	it("names the CloudFront policies after the stage (their names are unique per account)", () => {
		for (const type of ["AWS::CloudFront::CachePolicy", "AWS::CloudFront::ResponseHeadersPolicy"]) {
			for (const policy of ofType(stacks().appTemplate, type)) {
				const config = Object.values(policy.Properties ?? {})[0] as { Name: string };
				expect(config.Name).toMatch(new RegExp(`^Syndicate-${stage}-`));
			}
		}
	});

	it("tells the functions their stage", () => {
		for (const fn of ofType(stacks().appTemplate, "AWS::Lambda::Function")) {
			const env = fn.Properties?.Environment as { Variables: Record<string, unknown> } | undefined;
			expect(env?.Variables.STAGE).toBe(stage);
		}
	});
});

describe("removal and protection", () => {
	const stateful = ["AWS::S3::Bucket", "AWS::DynamoDB::GlobalTable", "AWS::SQS::Queue"];

	it("lets dev be destroyed with its data: buckets emptied, nothing retained, no protection", () => {
		for (const type of stateful) {
			for (const resource of ofType(dev.dataTemplate, type)) {
				expect(resource.DeletionPolicy).toBe("Delete");
			}
		}
		expect(ofType(dev.dataTemplate, "Custom::S3AutoDeleteObjects")).toHaveLength(3);
		const [table] = ofType(dev.dataTemplate, "AWS::DynamoDB::GlobalTable");
		expect(table?.Properties?.Replicas).toEqual([
			expect.objectContaining({ DeletionProtectionEnabled: false }),
		]);
		expect(dev.stateful.terminationProtection).toBe(false);
		expect(dev.stateless.terminationProtection).toBe(false);
		for (const logs of ofType(dev.appTemplate, "AWS::Logs::LogGroup")) {
			expect(logs.DeletionPolicy).toBe("Delete");
		}
	});

	it("retains and protects every other stage's data", () => {
		for (const type of stateful) {
			const found = ofType(prod.dataTemplate, type);
			expect(found.length).toBeGreaterThan(0);
			for (const resource of found) {
				expect(resource.DeletionPolicy).toBe("Retain");
				expect(resource.UpdateReplacePolicy).toBe("Retain");
			}
		}
		expect(ofType(prod.dataTemplate, "Custom::S3AutoDeleteObjects")).toHaveLength(0);
		const [table] = ofType(prod.dataTemplate, "AWS::DynamoDB::GlobalTable");
		expect(table?.Properties?.Replicas).toEqual([
			expect.objectContaining({ DeletionProtectionEnabled: true }),
		]);
		expect(prod.stateful.terminationProtection).toBe(true);
		expect(prod.stateless.terminationProtection).toBe(true);
		for (const logs of ofType(prod.appTemplate, "AWS::Logs::LogGroup")) {
			expect(logs.DeletionPolicy).toBe("Retain");
		}
	});
});

describe("context the app refuses, with a message that says why", () => {
	it.each([
		[{ stage: "Prod" }, /-c stage: "Prod" must be lower-case/],
		[{ stage: "a-very-long-stage" }, /at most 12 characters/],
		[{ stage: "dev_1" }, /-c stage/],
		[{ siteUrl: "https://news.example.org" }, /-c siteUrl is gone/],
		[{ domainName: "news.example.org" }, /go together/],
		[
			{
				domainName: "news.example.org",
				certificateArn: "arn:aws:acm:eu-west-1:123456789012:certificate/abc",
			},
			/only uses certificates in us-east-1, this one is in eu-west-1/,
		],
		[
			{
				domainName: "news..example",
				certificateArn: "arn:aws:acm:us-east-1:123456789012:certificate/abc",
			},
			/not a DNS name/,
		],
		[
			{
				domainName: "news.example.org",
				certificateArn: "arn:aws:acm:us-east-1:123456789012:certificate/abc",
				hostedZoneId: "Z1",
			},
			/hostedZoneId and -c hostedZoneName go together/,
		],
		[
			{
				domainName: "news.example.org",
				certificateArn: "arn:aws:acm:us-east-1:123456789012:certificate/abc",
				hostedZoneId: "Z1",
				hostedZoneName: "example.com",
			},
			/not in the hosted zone example.com/,
		],
		[{ hostedZoneId: "Z1", hostedZoneName: "example.org" }, /need -c domainName/],
		[{ alarmEmail: "ops" }, /not an email address/],
		[{ partnersFile: "/nonexistent/partners.json" }, /partners: cannot read/],
		[
			{ hubUrl: "http://hub.example.org/" },
			/-c hubUrl: "http:\/\/hub.example.org\/" must be an https URL/,
		],
		[{ hubUrl: "hub.example.org" }, /-c hubUrl: "hub.example.org" is not a URL/],
		[{ hubUrl: "https://ops:secret@hub.example.org/" }, /-c hubUrl: .* carries credentials/],
	])("%j", (context, message) => {
		expect(synthError(context)).toMatch(message);
	});
});

describe("-c hubUrl", () => {
	const HUB = "https://hub.example.org/websub";
	const functionsOf = (template: ReturnType<typeof synthesize>["appTemplate"]) =>
		ofType(template, "AWS::Lambda::Function").map(
			// The template's shape, which the Template API leaves untyped.
			(fn) =>
				(fn.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)
					?.Variables ?? {},
		);

	it("reaches every function that publishes as HUB_URL, and the CLI as the HubUrl output", () => {
		const { appTemplate } = synthesize({ hubUrl: HUB });
		const variables = functionsOf(appTemplate);
		// Ingest, Publish and Views all render feeds: each must link the same hub.
		expect(variables).toHaveLength(3);
		for (const env of variables) expect(env.HUB_URL).toBe(HUB);
		appTemplate.hasOutput("HubUrl", { Value: HUB });
	});

	it("is no variable and no output when not given", () => {
		const { appTemplate } = synthesize();
		for (const env of functionsOf(appTemplate)) expect(env.HUB_URL).toBeUndefined();
		expect(Object.keys(appTemplate.findOutputs("HubUrl"))).toEqual([]);
	});
});

describe("partners.json", () => {
	const partner = {
		id: "science-news",
		displayName: "The Science News Ltd.",
		accountId: "111122223333",
		externalId: "syndicate-science-news-7c1e4b2a",
	};

	it("accepts the checked-in shape", () => {
		expect(parsePartners([partner], "dev", "partners.json")).toEqual([partner]);
	});

	it("refuses the documentation account ids it ships for any stage but dev, in one line", () => {
		expect(() => parsePartners([partner], "prod", "partners.json")).toThrow(
			"partners.json[0].accountId: 111122223333 is an example account id from AWS's documentation; stage \"prod\" needs each partner's real account id (edit infra/partners.json or give -c partnersFile)",
		);
		expect(synthError({ stage: "staging" })).toMatch(
			/^[^\n]*infra\/partners\.json\[0\]\.accountId: 111122223333 is an example account id/,
		);
		expect(parsePartners([{ ...partner, accountId: "210987654321" }], "prod", "p")).toHaveLength(1);
	});

	it.each([
		[{}, /must be a JSON array/],
		[[{ ...partner, id: "Science_News" }], /\[0\]\.id: "Science_News" is not a partner id/],
		[
			[
				{ ...partner, id: "incoming" },
				{ ...partner, id: "incoming" },
			],
			/\[1\]\.id: "incoming" is listed twice/,
		],
		[
			[{ ...partner, accountId: "12345" }],
			/\[0\]\.accountId: "12345" is not a 12-digit AWS account id/,
		],
		[[{ ...partner, externalId: "short" }], /\[0\]\.externalId: 8 to 1224 characters/],
		[[{ ...partner, displayName: "" }], /\[0\]\.displayName: must be a non-empty string/],
		[[{ ...partner, role: "admin" }], /\[0\]: unknown field role/],
		[
			[{ ...partner, id: "a".repeat(50) }],
			/longer than IAM's 64 characters; with stage "dev" a partner id may have at most 42/,
		],
	])("refuses %j", (raw, message) => {
		expect(() => parsePartners(raw, "dev", "partners.json")).toThrow(message);
	});
});
