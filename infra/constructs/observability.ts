import { Duration } from "aws-cdk-lib";
import {
	Alarm,
	ComparisonOperator,
	Dashboard,
	GraphWidget,
	type IMetric,
	MathExpression,
	Metric,
	SearchExpression,
	TextWidget,
	TreatMissingData,
} from "aws-cdk-lib/aws-cloudwatch";
import { SnsAction } from "aws-cdk-lib/aws-cloudwatch-actions";
import { Topic } from "aws-cdk-lib/aws-sns";
import { EmailSubscription } from "aws-cdk-lib/aws-sns-subscriptions";
import type { IQueue } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";

/** The EMF namespace the functions write their metrics under (POWERTOOLS_METRICS_NAMESPACE). */
export const METRICS_NAMESPACE = "Syndicate";

/** The metrics the functions emit, by name, each with the dimension `Stage`. */
export const APP_METRICS = {
	uploads: ["UploadsPublished", "UploadsRejected", "UploadsPending"],
	durations: ["IngestDuration", "PublishDuration"],
	latencies: ["UploadToPublicLatency", "TakedownLatency"],
	feedItems: "FeedItems",
} as const;

export interface ObservabilityProps {
	stage: string;
	/** Subscribed to the alarm topic when given (`-c alarmEmail=…`). */
	alarmEmail?: string;
}

export interface SyndicateAlarmProps {
	/** What is wrong, e.g. `IngestDLQ-NotEmpty`. */
	what: string;
	/** What ops do about it, kebab-case, e.g. `run-dlq-list-then-redrive`. */
	action: string;
	description: string;
	metric: IMetric;
	threshold: number;
	comparisonOperator: ComparisonOperator;
	evaluationPeriods?: number;
	datapointsToAlarm?: number;
	treatMissingData: TreatMissingData;
}

/**
 * The stage's alarm topic, its alarms and its dashboard. Alarm names read as instructions
 * (`Syndicate-dev-IngestDLQ-NotEmpty-run-dlq-list-then-redrive`), so the email subject alone
 * says what to do; docs/operating-in-aws.md has a section per alarm.
 */
export class Observability extends Construct {
	readonly topic: Topic;
	readonly dashboard: Dashboard;
	readonly alarms: Alarm[] = [];
	private readonly stage: string;

	constructor(scope: Construct, id: string, props: ObservabilityProps) {
		super(scope, id);
		this.stage = props.stage;
		this.topic = new Topic(this, "AlarmTopic", {
			topicName: `Syndicate-${props.stage}-Alarms`,
			displayName: `Syndicate ${props.stage} alarms`,
			enforceSSL: true,
		});
		if (props.alarmEmail) this.topic.addSubscription(new EmailSubscription(props.alarmEmail));
		this.dashboard = new Dashboard(this, "Dashboard", {
			dashboardName: `Syndicate-${props.stage}`,
			defaultInterval: Duration.hours(6),
		});
		this.dashboard.addWidgets(
			new TextWidget({
				markdown: `# Syndicate ${props.stage}\nAlarms and what to do: docs/operating-in-aws.md. First command: \`npm run syndicate -- status --stage ${props.stage}\`.`,
				width: 24,
				height: 2,
			}),
		);
		this.addAppMetrics();
	}

	/** Creates an alarm that notifies the topic when it fires and when it clears. */
	alarm(id: string, props: SyndicateAlarmProps): Alarm {
		const alarm = new Alarm(this, id, {
			alarmName: `Syndicate-${this.stage}-${props.what}-${props.action}`,
			alarmDescription: `${props.description} Runbook: docs/operating-in-aws.md#alarms.`,
			metric: props.metric,
			threshold: props.threshold,
			comparisonOperator: props.comparisonOperator,
			evaluationPeriods: props.evaluationPeriods ?? 1,
			...(props.datapointsToAlarm ? { datapointsToAlarm: props.datapointsToAlarm } : {}),
			treatMissingData: props.treatMissingData,
		});
		const action = new SnsAction(this.topic);
		alarm.addAlarmAction(action);
		alarm.addOkAction(action);
		this.alarms.push(alarm);
		return alarm;
	}

	/** Depth of the ingest queue and its dead-letter queue, with their alarms. */
	watchQueues(ingestQueue: IQueue, deadLetterQueue: IQueue): void {
		const minute = Duration.minutes(1);
		const dlqDepth = deadLetterQueue.metricApproximateNumberOfMessagesVisible({
			period: minute,
			statistic: "Maximum",
			label: "dead-lettered uploads",
		});
		this.alarm("IngestDlqNotEmpty", {
			what: "IngestDLQ-NotEmpty",
			action: "run-dlq-list-then-redrive",
			description:
				"An upload failed ingest 5 times and was dead-lettered: `syndicate dlq list` shows which and why; fix the cause, then `syndicate dlq redrive`.",
			metric: dlqDepth,
			threshold: 1,
			comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
			// A queue with messages keeps reporting; no data means an empty, idle queue.
			treatMissingData: TreatMissingData.NOT_BREACHING,
		});
		const oldest = ingestQueue.metricApproximateAgeOfOldestMessage({
			period: Duration.minutes(5),
			statistic: "Maximum",
			label: "oldest upload waiting (s)",
		});
		this.alarm("IngestQueueOld", {
			what: "IngestQueue-OlderThan5min",
			action: "check-ingest-errors-and-throttles",
			description:
				"An upload has waited more than 5 minutes for ingest: the ingest function is failing, throttled or stopped.",
			metric: oldest,
			threshold: 300,
			comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
			treatMissingData: TreatMissingData.NOT_BREACHING,
		});
		this.dashboard.addWidgets(
			new GraphWidget({
				title: "Ingest queue depth",
				left: [
					ingestQueue.metricApproximateNumberOfMessagesVisible({
						period: minute,
						statistic: "Maximum",
						label: "waiting",
					}),
					ingestQueue.metricApproximateNumberOfMessagesNotVisible({
						period: minute,
						statistic: "Maximum",
						label: "in flight",
					}),
				],
				right: [oldest],
				width: 12,
			}),
			new GraphWidget({ title: "Dead-letter queue depth", left: [dlqDepth], width: 12 }),
		);
	}

	/** The EMF metrics the functions emit: uploads by outcome, durations, latencies, feed sizes. */
	private addAppMetrics(): void {
		const five = Duration.minutes(5);
		this.dashboard.addWidgets(
			new GraphWidget({
				title: "Uploads by outcome (per 5 min)",
				left: APP_METRICS.uploads.map((name) => this.appMetricSum(name)),
				width: 12,
			}),
			new GraphWidget({
				title: "Upload → public and takedown latency (p50, p99)",
				left: APP_METRICS.latencies.flatMap((name) => [
					this.appMetricSearch(name, "p50"),
					this.appMetricSearch(name, "p99"),
				]),
				width: 12,
			}),
			new GraphWidget({
				title: "Ingest and publish duration (p50, p99)",
				left: APP_METRICS.durations.flatMap((name) => [
					this.appMetricSearch(name, "p50"),
					this.appMetricSearch(name, "p99"),
				]),
				width: 12,
			}),
			new GraphWidget({
				title: "Items per feed (max)",
				left: [this.appMetricSearch(APP_METRICS.feedItems, "Maximum")],
				period: five,
				width: 12,
			}),
		);
	}

	// Powertools adds a `service` dimension (and may add more) beside `Stage`: a search by
	// metric name and stage finds every series, whatever else the functions put on them.
	private searchTerm(name: string): string {
		return `Namespace="${METRICS_NAMESPACE}" MetricName="${name}" Stage="${this.stage}"`;
	}

	private appMetricSum(name: string): IMetric {
		return new MathExpression({
			expression: `SUM(SEARCH('${this.searchTerm(name)}', 'Sum', 300))`,
			usingMetrics: {},
			label: name,
			period: Duration.minutes(5),
		});
	}

	private appMetricSearch(name: string, statistic: string): IMetric {
		return new SearchExpression({
			expression: `SEARCH('${this.searchTerm(name)}', '${statistic}', 300)`,
			label: `${name} ${statistic}`,
			period: Duration.minutes(5),
		});
	}

	/** A function's errors, throttles and duration on the dashboard. */
	addFunctionWidgets(
		label: string,
		metrics: { errors: IMetric; invocations: IMetric; duration: IMetric[]; throttles: IMetric },
	): void {
		this.dashboard.addWidgets(
			new GraphWidget({
				title: `${label}: invocations, errors, throttles`,
				left: [metrics.invocations],
				right: [metrics.errors, metrics.throttles],
				width: 12,
			}),
			new GraphWidget({ title: `${label}: duration`, left: metrics.duration, width: 12 }),
		);
	}

	/**
	 * CloudFront's requests and 5xx rate. Its metrics exist in us-east-1 only: the dashboard
	 * reads them there; the alarm takes the metric in the stack's own region, so it only has
	 * data when the App stack is deployed in us-east-1 (docs/operating-in-aws.md says more).
	 */
	watchDistribution(distributionId: string): void {
		const cloudFront = (metricName: string, statistic: string, label: string, region?: string) =>
			new Metric({
				namespace: "AWS/CloudFront",
				metricName,
				dimensionsMap: { DistributionId: distributionId, Region: "Global" },
				statistic,
				period: Duration.minutes(5),
				label,
				...(region ? { region } : {}),
			});
		this.alarm("Edge5xx", {
			what: "Edge-5xxRateOver5pct",
			action: "check-site-bucket-and-origin-access",
			description:
				"More than 5% of CloudFront responses were 5xx in 2 of 3 five-minute periods: the site bucket or its Origin Access Control grant is failing.",
			metric: cloudFront("5xxErrorRate", "Average", "5xx rate (%)"),
			threshold: 5,
			comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
			evaluationPeriods: 3,
			datapointsToAlarm: 2,
			// No requests, no datapoints: quiet is not an outage.
			treatMissingData: TreatMissingData.NOT_BREACHING,
		});
		this.dashboard.addWidgets(
			new GraphWidget({
				title: "CloudFront requests",
				left: [cloudFront("Requests", "Sum", "requests", "us-east-1")],
				width: 12,
			}),
			new GraphWidget({
				title: "CloudFront error rates (%)",
				left: [
					cloudFront("5xxErrorRate", "Average", "5xx", "us-east-1"),
					cloudFront("4xxErrorRate", "Average", "4xx", "us-east-1"),
				],
				width: 12,
			}),
		);
	}
}
