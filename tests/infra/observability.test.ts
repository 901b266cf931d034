import { Match, type Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { synthesize } from "./synth.ts";

let plain: Template;
let withEmail: Template;

beforeAll(() => {
	plain = synthesize().appTemplate;
	withEmail = synthesize({ alarmEmail: "ops@example.org" }).appTemplate;
});

interface MetricQuery {
	Id: string;
	MetricStat?: {
		Metric: {
			MetricName: string;
			Namespace: string;
			Dimensions?: { Name: string; Value: unknown }[];
		};
		Period: number;
		Stat: string;
	};
}

interface AlarmProps {
	AlarmName: string;
	Threshold: number;
	ComparisonOperator: string;
	EvaluationPeriods: number;
	DatapointsToAlarm?: number;
	TreatMissingData: string;
	AlarmActions: unknown[];
	OKActions: unknown[];
	Metrics?: MetricQuery[];
	MetricName?: string;
	Namespace?: string;
	Period?: number;
	Statistic?: string;
	Dimensions?: { Name: string; Value: unknown }[];
}

/** The alarm with this name, its single metric flattened whichever way CDK rendered it. */
function alarm(template: Template, name: string) {
	const alarms = Object.values(template.findResources("AWS::CloudWatch::Alarm")).map(
		(a) => a.Properties as AlarmProps,
	);
	const found = alarms.find((a) => a.AlarmName === name);
	if (!found)
		throw new Error(`no alarm ${name}; have ${alarms.map((a) => a.AlarmName).join(", ")}`);
	const stat = found.Metrics?.[0]?.MetricStat;
	return {
		...found,
		metric: stat
			? {
					name: stat.Metric.MetricName,
					namespace: stat.Metric.Namespace,
					dimensions: stat.Metric.Dimensions,
					period: stat.Period,
					stat: stat.Stat,
				}
			: {
					name: found.MetricName,
					namespace: found.Namespace,
					dimensions: found.Dimensions,
					period: found.Period,
					stat: found.Statistic,
				},
	};
}

function topicRef(template: Template): { Ref: string } {
	const [id] = Object.keys(template.findResources("AWS::SNS::Topic"));
	return { Ref: id ?? "missing" };
}

describe("alarm topic", () => {
	it("is one TLS-only topic named after the stage, with no subscriber by default", () => {
		plain.resourceCountIs("AWS::SNS::Topic", 1);
		plain.hasResourceProperties("AWS::SNS::Topic", { TopicName: "Syndicate-dev-Alarms" });
		plain.hasResourceProperties("AWS::SNS::TopicPolicy", {
			PolicyDocument: {
				Statement: Match.arrayWith([
					Match.objectLike({
						Effect: "Deny",
						Condition: { Bool: { "aws:SecureTransport": "false" } },
					}),
				]),
			},
		});
		plain.resourceCountIs("AWS::SNS::Subscription", 0);
	});

	it("subscribes the -c alarmEmail address", () => {
		withEmail.resourceCountIs("AWS::SNS::Subscription", 1);
		withEmail.hasResourceProperties("AWS::SNS::Subscription", {
			Protocol: "email",
			Endpoint: "ops@example.org",
			TopicArn: topicRef(withEmail),
		});
	});

	it("is told when every alarm fires and when it clears", () => {
		const alarms = Object.values(plain.findResources("AWS::CloudWatch::Alarm"));
		// Six for the pipeline, and the views aggregator's errors and not-running alarms.
		expect(alarms).toHaveLength(8);
		for (const a of alarms) {
			expect(a.Properties.AlarmActions).toEqual([topicRef(plain)]);
			expect(a.Properties.OKActions).toEqual([topicRef(plain)]);
			expect(a.Properties.AlarmDescription).toContain("docs/operating-in-aws.md");
		}
	});
});

describe("alarms, named for what to do", () => {
	it("fires when an upload is dead-lettered", () => {
		const a = alarm(plain, "Syndicate-dev-IngestDLQ-NotEmpty-run-dlq-list-then-redrive");
		expect(a).toMatchObject({
			Threshold: 1,
			ComparisonOperator: "GreaterThanOrEqualToThreshold",
			EvaluationPeriods: 1,
			TreatMissingData: "notBreaching",
		});
		expect(a.metric).toMatchObject({
			name: "ApproximateNumberOfMessagesVisible",
			namespace: "AWS/SQS",
			period: 60,
			stat: "Maximum",
		});
		expect(JSON.stringify(a.metric.dimensions)).toContain("IngestDeadLetters");
	});

	it("fires when the oldest upload has waited more than 5 minutes", () => {
		const a = alarm(
			plain,
			"Syndicate-dev-IngestQueue-OlderThan5min-check-ingest-errors-and-throttles",
		);
		expect(a).toMatchObject({ Threshold: 300, ComparisonOperator: "GreaterThanThreshold" });
		expect(a.metric).toMatchObject({
			name: "ApproximateAgeOfOldestMessage",
			namespace: "AWS/SQS",
			stat: "Maximum",
		});
		expect(JSON.stringify(a.metric.dimensions)).toContain("IngestQueue");
	});

	it.each([
		["Ingest", "read-ingest-logs-then-run-dlq-list"],
		["Publish", "read-publish-logs-then-run-status"],
	])("fires on any %s function error", (fn, action) => {
		const a = alarm(plain, `Syndicate-dev-${fn}-Errors-${action}`);
		expect(a).toMatchObject({
			Threshold: 1,
			ComparisonOperator: "GreaterThanOrEqualToThreshold",
			TreatMissingData: "notBreaching",
		});
		expect(a.metric).toMatchObject({
			name: "Errors",
			namespace: "AWS/Lambda",
			period: 300,
			stat: "Sum",
		});
		expect(a.metric.dimensions).toEqual([
			{ Name: "FunctionName", Value: { Ref: expect.stringMatching(new RegExp(`^${fn}`)) } },
		]);
	});

	it("fires when the publish schedule has not run for 10 minutes, silence included", () => {
		const a = alarm(plain, "Syndicate-dev-Publish-NotRunning-check-its-schedule-rule-is-enabled");
		expect(a).toMatchObject({
			Threshold: 1,
			ComparisonOperator: "LessThanThreshold",
			EvaluationPeriods: 1,
			TreatMissingData: "breaching",
		});
		expect(a.metric).toMatchObject({
			name: "Invocations",
			namespace: "AWS/Lambda",
			period: 600,
			stat: "Sum",
		});
		plain.hasResourceProperties("AWS::Events::Rule", {
			ScheduleExpression: "rate(1 minute)",
			State: "ENABLED",
		});
	});

	it("fires when more than 5% of CloudFront responses are 5xx", () => {
		const a = alarm(
			plain,
			"Syndicate-dev-Edge-5xxRateOver5pct-check-site-bucket-and-origin-access",
		);
		expect(a).toMatchObject({
			Threshold: 5,
			ComparisonOperator: "GreaterThanThreshold",
			EvaluationPeriods: 3,
			DatapointsToAlarm: 2,
			TreatMissingData: "notBreaching",
		});
		expect(a.metric).toMatchObject({
			name: "5xxErrorRate",
			namespace: "AWS/CloudFront",
			period: 300,
			stat: "Average",
		});
		expect(a.metric.dimensions).toEqual([
			{ Name: "DistributionId", Value: { Ref: expect.stringMatching(/^EdgeDistribution/) } },
			{ Name: "Region", Value: "Global" },
		]);
	});
});

describe("dashboard", () => {
	function body(): string {
		const [dashboard] = Object.values(plain.findResources("AWS::CloudWatch::Dashboard"));
		expect(dashboard?.Properties.DashboardName).toBe("Syndicate-dev");
		// The body is a Fn::Join of literal JSON and tokens; the literal parts are what we check.
		const parts = dashboard?.Properties.DashboardBody["Fn::Join"][1] as unknown[];
		return parts.map((p) => (typeof p === "string" ? p : "<token>")).join("");
	}

	it.each([
		"UploadsPublished",
		"UploadsRejected",
		"UploadsPending",
		"IngestDuration",
		"PublishDuration",
		"UploadToPublicLatency",
		"TakedownLatency",
		"FeedItems",
	])("graphs the functions' EMF metric %s for this stage", (name) => {
		expect(body()).toContain(
			`SEARCH('Namespace=\\"Syndicate\\" MetricName=\\"${name}\\" Stage=\\"dev\\"'`,
		);
	});

	it("graphs queue and dead-letter depth, function errors and durations, and CloudFront in us-east-1", () => {
		const text = body();
		for (const title of [
			"Uploads by outcome",
			"Ingest queue depth",
			"Dead-letter queue depth",
			"Ingest: invocations, errors, throttles",
			"Ingest: duration",
			"Publish: invocations, errors, throttles",
			"Publish: duration",
			"CloudFront requests",
			"CloudFront error rates",
		]) {
			expect(text).toContain(`"title":"${title}`);
		}
		expect(text).toMatch(
			/"AWS\/CloudFront","Requests","DistributionId","<token>","Region","Global",\{[^}]*"region":"us-east-1"/,
		);
		expect(text).toContain('"AWS/SQS","ApproximateNumberOfMessagesVisible"');
	});
});

describe("functions' environment for Powertools", () => {
	it("names each function's service and the metrics namespace", () => {
		const services = Object.values(plain.findResources("AWS::Lambda::Function")).map((fn) => {
			const env = fn.Properties.Environment.Variables;
			expect(env.POWERTOOLS_METRICS_NAMESPACE).toBe("Syndicate");
			expect(env.STAGE).toBe("dev");
			return env.POWERTOOLS_SERVICE_NAME;
		});
		expect(services.sort()).toEqual(["syndicate-ingest", "syndicate-publish", "syndicate-views"]);
	});
});
