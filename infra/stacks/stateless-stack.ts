import { join } from "node:path";
import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from "aws-cdk-lib";
import { ComparisonOperator, TreatMissingData } from "aws-cdk-lib/aws-cloudwatch";
import type { ITableV2 } from "aws-cdk-lib/aws-dynamodb";
import { Rule, Schedule } from "aws-cdk-lib/aws-events";
import { LambdaFunction } from "aws-cdk-lib/aws-events-targets";
import { ManagedPolicy, PolicyStatement } from "aws-cdk-lib/aws-iam";
import { SqsEventSource } from "aws-cdk-lib/aws-lambda-event-sources";
import { Bucket, type IBucket } from "aws-cdk-lib/aws-s3";
import type { IQueue } from "aws-cdk-lib/aws-sqs";
import type { Construct } from "constructs";
import { type DeployConfig, partnerRoleName, SMOKE_PARTNER } from "../config.ts";
import { Edge } from "../constructs/edge.ts";
import { acknowledgeWildcardResources } from "../constructs/nag.ts";
import { METRICS_NAMESPACE, Observability } from "../constructs/observability.ts";
import { SyndicateFunction, tableItemAccess } from "../constructs/syndicate-function.ts";
import {
	bucketNames,
	CLOUDFRONT_LOG_PREFIX,
	INGEST_TIMEOUT,
	resourceName,
} from "./stateful-stack.ts";

export interface StatelessStackProps extends StackProps {
	config: DeployConfig;
	table: ITableV2;
	ingestQueue: IQueue;
	deadLetterQueue: IQueue;
}

/** One function of the app, as `addFunction` builds it. */
export interface AppFunctionOptions {
	/** The handler, relative to `functions/`, e.g. `publish/handler.ts`. */
	entry: string;
	description: string;
	timeout?: Duration;
	memorySize?: number;
	/** What ops do when the function errors, kebab-case: the end of its alarm's name. */
	onErrors: string;
	/** Runs on a schedule; an alarm fires when it has not run for `notRunningAfter` (10 min). */
	schedule?: { rate: Duration; description: string; notRunningAfter?: Duration };
}

const FUNCTIONS = join(import.meta.dirname, "../../functions");

function kebab(id: string): string {
	return id.replace(/([a-z0-9])([A-Z])/g, "$1-$2").toLowerCase();
}

/**
 * The code: the functions, their schedules, the CloudFront distribution, and the alarms and
 * dashboard that watch them. A further function is one `addFunction` call (its own role,
 * log group, table access, environment, error alarm, dashboard row and optional schedule with
 * its not-running alarm) plus the grants it needs, e.g. `grantSitePublishing`.
 */
export class StatelessStack extends Stack {
	readonly config: DeployConfig;
	readonly edge: Edge;
	readonly observability: Observability;
	readonly ingestBucket: IBucket;
	readonly siteBucket: IBucket;
	readonly logsBucket: IBucket;
	/** The public base URL feeds and pages are built with (SITE_URL). */
	readonly siteUrl: string;
	private readonly table: ITableV2;
	private readonly functionEnvironment: Record<string, string>;

	constructor(scope: Construct, id: string, props: StatelessStackProps) {
		super(scope, id, props);
		const { config } = props;
		const { stage } = config;
		this.config = config;
		this.table = props.table;
		const names = bucketNames(this, stage);
		this.ingestBucket = Bucket.fromBucketName(this, "IngestBucket", names.ingest);
		this.logsBucket = Bucket.fromBucketName(this, "LogsBucket", names.logs);
		// Imported by name: the OAC grant sits in the stateful stack's bucket policy already.
		this.siteBucket = Bucket.fromBucketAttributes(this, "SiteBucket", {
			bucketName: names.site,
			bucketRegionalDomainName: `${names.site}.s3.${this.region}.${this.urlSuffix}`,
		});

		this.edge = new Edge(this, "Edge", {
			stage,
			siteBucket: this.siteBucket,
			logsBucket: this.logsBucket,
			logPrefix: CLOUDFRONT_LOG_PREFIX,
			...(config.domain ? { domain: config.domain } : {}),
		});
		// The distribution's domain is a token of this stack: functions here may use it without
		// any cross-stack reference, and the distribution depends on nothing of theirs.
		this.siteUrl = this.edge.siteUrl;
		this.functionEnvironment = {
			STAGE: stage,
			POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
			INGEST_BUCKET: this.ingestBucket.bucketName,
			SITE_BUCKET: this.siteBucket.bucketName,
			LOGS_BUCKET: this.logsBucket.bucketName,
			SITE_URL: this.siteUrl,
			// Publishers invalidate exactly the paths they changed, so takedowns are not cached.
			DISTRIBUTION_ID: this.edge.distribution.distributionId,
			// The edge serves Atom, JSON Feed and OPML from the compressed copies publishers write.
			COMPRESSED_VARIANTS: "true",
			// Every function that publishes renders feeds: each must link the same hub, or a feed
			// one of them rewrites would lose its link.
			...(config.hubUrl ? { HUB_URL: config.hubUrl } : {}),
		};

		this.observability = new Observability(this, "Observability", {
			stage,
			...(config.alarmEmail ? { alarmEmail: config.alarmEmail } : {}),
		});
		this.observability.watchQueues(props.ingestQueue, props.deadLetterQueue);

		const ingest = this.addFunction("Ingest", {
			entry: "ingest/handler.ts",
			description: "Ingests partner bundles from the ingest queue and publishes what changed",
			timeout: INGEST_TIMEOUT,
			onErrors: "read-ingest-logs-then-run-dlq-list",
		});
		ingest.addEventSource(
			new SqsEventSource(props.ingestQueue, {
				batchSize: 5,
				reportBatchItemFailures: true,
				maxConcurrency: 20,
			}),
		);
		const uploads = [this.ingestBucket.arnForObjects("incoming/*")];
		const ingestWrites = ["archive/*", "content/*", "reports/*"].map((prefix) =>
			this.ingestBucket.arnForObjects(prefix),
		);
		// GetObjectVersion: the ingest reads the exact version each event names.
		ingest.addToRolePolicy(
			new PolicyStatement({ actions: ["s3:GetObject", "s3:GetObjectVersion"], resources: uploads }),
		);
		ingest.addToRolePolicy(
			new PolicyStatement({ actions: ["s3:PutObject"], resources: ingestWrites }),
		);
		// An upload that is gone by the time its event arrives is then answered 404, reported as
		// gone, not 403. Not scoped by s3:prefix: S3 documents that check with no condition keys.
		ingest.addToRolePolicy(
			new PolicyStatement({ actions: ["s3:ListBucket"], resources: [this.ingestBucket.bucketArn] }),
		);
		acknowledgeWildcardResources(
			ingest.executionRole,
			// archive/* and content/* are acknowledged with the publishing grant's reads.
			[...uploads, ...ingestWrites.filter((arn) => arn.endsWith("reports/*"))],
			"Object-level S3 actions scoped to the key prefixes the function owns; no wildcard actions.",
		);
		this.grantSitePublishing(ingest);

		const publish = this.addFunction("Publish", {
			entry: "publish/handler.ts",
			description: "Publishes stale pages and feeds (schedule), or the targets it is given",
			timeout: Duration.minutes(2),
			onErrors: "read-publish-logs-then-run-status",
			schedule: {
				rate: Duration.minutes(1),
				description:
					"Publishes pending changes and targets a failed publisher left stale, every minute",
			},
		});
		this.grantSitePublishing(publish);

		const views = this.addFunction("Views", {
			entry: "views/handler.ts",
			description:
				"Counts article page views in CloudFront's access logs; republishes Most Viewed when its order changes",
			timeout: Duration.minutes(5),
			onErrors: "read-views-logs-then-run-views-aggregate",
			schedule: {
				rate: Duration.minutes(15),
				description: "Counts the access logs CloudFront delivered since the last run",
			},
		});
		// Each log object is claimed before it is counted, so even overlapping runs count it once.
		this.grantAccessLogReads(views);
		this.grantSitePublishing(views);

		this.observability.watchDistribution(this.edge.distribution.distributionId);
		const operator = this.addOperatorPolicy(props);

		// The ops CLI finds a deployed stage through these outputs (`--stage <name>`).
		new CfnOutput(this, "DistributionId", { value: this.edge.distribution.distributionId });
		new CfnOutput(this, "SiteUrl", { value: this.siteUrl });
		new CfnOutput(this, "LatestFeed", { value: `${this.siteUrl}/feeds/en/latest.rss` });
		new CfnOutput(this, "AlarmTopicArn", { value: this.observability.topic.topicArn });
		new CfnOutput(this, "DashboardName", { value: this.observability.dashboard.dashboardName });
		new CfnOutput(this, "OperatorPolicyArn", { value: operator.managedPolicyArn });
		// The CLI publishes too: its feeds must link the hub the functions' feeds link.
		if (config.hubUrl) new CfnOutput(this, "HubUrl", { value: config.hubUrl });
	}

	/**
	 * `Syndicate-{stage}-Operator`: what the ops CLI does with `--stage`, and nothing more (every
	 * command's calls are proven against it by tests/e2e/aws-calls.test.ts). The account's
	 * administrator attaches it to the role or group ops sign in with.
	 */
	private addOperatorPolicy(props: StatelessStackProps): ManagedPolicy {
		const { stage } = this.config;
		const stackArn = (name: string) =>
			this.formatArn({ service: "cloudformation", resource: "stack", resourceName: `${name}/*` });
		const uploads = this.ingestBucket.arnForObjects("incoming/*");
		const reports = this.ingestBucket.arnForObjects("reports/*");
		const policy = new ManagedPolicy(this, "OperatorPolicy", {
			managedPolicyName: resourceName(stage, "Operator"),
			description: `The ops CLI on stage ${stage}: rights, takedowns, publishing, uploads, the ingest queues`,
			statements: [
				tableItemAccess(this.table),
				...this.sitePublishing(),
				...this.accessLogReads(),
				// `uploads show` and `reprocess` read an upload's exact version and its report;
				// `reprocess` reports an upload it cannot queue again.
				new PolicyStatement({
					actions: ["s3:GetObject", "s3:GetObjectVersion"],
					resources: [uploads, reports],
				}),
				new PolicyStatement({ actions: ["s3:PutObject"], resources: [reports] }),
				// `uploads reconcile` lists every version of the uploads.
				new PolicyStatement({
					actions: ["s3:ListBucketVersions"],
					resources: [this.ingestBucket.bucketArn],
					conditions: { StringLike: { "s3:prefix": ["incoming/*"] } },
				}),
				// `status`, `dlq list`, `dlq redrive`, `uploads reprocess`.
				new PolicyStatement({
					actions: [
						"sqs:GetQueueAttributes",
						"sqs:ReceiveMessage",
						"sqs:ChangeMessageVisibility",
						"sqs:SendMessage",
						"sqs:DeleteMessage",
					],
					resources: [props.ingestQueue.queueArn, props.deadLetterQueue.queueArn],
				}),
				...this.smokeTestSessions(),
				// `--stage` finds the stage through its stacks' outputs.
				new PolicyStatement({
					actions: ["cloudformation:DescribeStacks"],
					resources: [stackArn(Stack.of(props.table).stackName), stackArn(this.stackName)],
				}),
			],
		});
		acknowledgeWildcardResources(
			policy,
			[
				...this.contentReads(),
				this.siteBucket.arnForObjects("*"),
				this.logObjects(),
				uploads,
				reports,
				stackArn(Stack.of(props.table).stackName),
				stackArn(this.stackName),
			],
			"Object-level S3 actions scoped to the key prefixes ops work on, and the stage's two stacks by name; no wildcard actions.",
		);
		return policy;
	}

	/**
	 * Adds one function of the app: `Syndicate-{stage}-{id}`, with its own role and log group,
	 * item-level access to the table, the shared environment (buckets, site URL, distribution,
	 * stage, Powertools service and namespace), an error alarm, a dashboard row and, given a
	 * schedule, the rule that runs it and an alarm for when it stops running.
	 */
	addFunction(id: string, options: AppFunctionOptions): SyndicateFunction {
		const { stage, disposable } = this.config;
		const fn = new SyndicateFunction(this, id, {
			functionName: resourceName(stage, id),
			entry: join(FUNCTIONS, options.entry),
			description: options.description,
			...(options.timeout ? { timeout: options.timeout } : {}),
			...(options.memorySize ? { memorySize: options.memorySize } : {}),
			environment: {
				...this.functionEnvironment,
				POWERTOOLS_SERVICE_NAME: `syndicate-${kebab(id)}`,
			},
			logRemovalPolicy: disposable ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
		});
		fn.bindTable(this.table);

		const fiveMinutes = Duration.minutes(5);
		const errors = fn.metricErrors({ period: fiveMinutes, statistic: "Sum", label: "errors" });
		this.observability.alarm(`${id}Errors`, {
			what: `${id}-Errors`,
			action: options.onErrors,
			description: `The ${id} function failed (an unhandled error or a timeout) in the last 5 minutes.`,
			metric: errors,
			threshold: 1,
			comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
			treatMissingData: TreatMissingData.NOT_BREACHING,
		});
		if (options.schedule) {
			new Rule(this, `${id}Schedule`, {
				description: options.schedule.description,
				schedule: Schedule.rate(options.schedule.rate),
				targets: [new LambdaFunction(fn)],
			});
			const window = options.schedule.notRunningAfter ?? Duration.minutes(10);
			this.observability.alarm(`${id}NotRunning`, {
				what: `${id}-NotRunning`,
				action: "check-its-schedule-rule-is-enabled",
				description: `The ${id} function has not been invoked for ${window.toHumanString()}: its EventBridge schedule is disabled, deleted or throttled.`,
				metric: fn.metricInvocations({ period: window, statistic: "Sum" }),
				threshold: 1,
				comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
				// No invocations publish no datapoint at all: silence is exactly the failure.
				treatMissingData: TreatMissingData.BREACHING,
			});
		}
		this.observability.addFunctionWidgets(id, {
			invocations: fn.metricInvocations({ period: fiveMinutes, statistic: "Sum" }),
			errors,
			throttles: fn.metricThrottles({ period: fiveMinutes, statistic: "Sum" }),
			duration: ["p50", "p99", "Maximum"].map((statistic) =>
				fn.metricDuration({ period: fiveMinutes, statistic, label: statistic }),
			),
		});
		return fn;
	}

	/** `smoke` uploads as the demo partner, on a session of its role, where the stage has it. */
	private smokeTestSessions(): PolicyStatement[] {
		const { stage, partners } = this.config;
		if (!partners.some((partner) => partner.id === SMOKE_PARTNER)) return [];
		const role = this.formatArn({
			service: "iam",
			region: "",
			resource: "role",
			resourceName: partnerRoleName(stage, SMOKE_PARTNER),
		});
		return [new PolicyStatement({ actions: ["sts:AssumeRole"], resources: [role] })];
	}

	/**
	 * Reading CloudFront's access logs: list and get objects under `cloudfront/` in the logs
	 * bucket (the Most Viewed aggregator's input), nothing else there.
	 */
	accessLogReads(): PolicyStatement[] {
		return [
			new PolicyStatement({ actions: ["s3:GetObject"], resources: [this.logObjects()] }),
			new PolicyStatement({
				actions: ["s3:ListBucket"],
				resources: [this.logsBucket.bucketArn],
				conditions: { StringLike: { "s3:prefix": [`${CLOUDFRONT_LOG_PREFIX}*`] } },
			}),
		];
	}

	private logObjects(): string {
		return this.logsBucket.arnForObjects(`${CLOUDFRONT_LOG_PREFIX}*`);
	}

	grantAccessLogReads(fn: SyndicateFunction): void {
		for (const statement of this.accessLogReads()) fn.addToRolePolicy(statement);
		acknowledgeWildcardResources(
			fn.executionRole,
			[this.logObjects()],
			"Reads any access-log object CloudFront writes under its own prefix; the wildcard is the log file name.",
		);
	}

	/**
	 * Publishing: read stored article content (bodies, and the archived bundles photos are read
	 * from), write and delete site objects, read one back where its digest is unknown (a page's
	 * takedown notice replaces only a page the site holds: a missing key must answer 404, so
	 * the bucket may be listed), and invalidate exactly the paths it changed on this stage's
	 * distribution.
	 */
	sitePublishing(): PolicyStatement[] {
		return [
			new PolicyStatement({ actions: ["s3:GetObject"], resources: this.contentReads() }),
			new PolicyStatement({
				actions: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
				resources: [this.siteBucket.arnForObjects("*")],
			}),
			new PolicyStatement({ actions: ["s3:ListBucket"], resources: [this.siteBucket.bucketArn] }),
			new PolicyStatement({
				actions: ["cloudfront:CreateInvalidation"],
				resources: [
					this.formatArn({
						service: "cloudfront",
						region: "",
						resource: "distribution",
						resourceName: this.edge.distribution.distributionId,
					}),
				],
			}),
		];
	}

	private contentReads(): string[] {
		return ["content/*", "archive/*"].map((prefix) => this.ingestBucket.arnForObjects(prefix));
	}

	grantSitePublishing(fn: SyndicateFunction): void {
		for (const statement of this.sitePublishing()) fn.addToRolePolicy(statement);
		acknowledgeWildcardResources(
			fn.executionRole,
			[...this.contentReads(), this.siteBucket.arnForObjects("*")],
			"Object-level S3 actions scoped to the key prefixes the function owns; no wildcard actions.",
		);
	}
}
