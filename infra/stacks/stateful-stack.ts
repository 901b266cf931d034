import {
	CfnOutput,
	Duration,
	RemovalPolicy,
	Stack,
	type StackProps,
	Validations,
} from "aws-cdk-lib";
import { AttributeType, Billing, TableEncryptionV2, TableV2 } from "aws-cdk-lib/aws-dynamodb";
import { AnyPrincipal, Effect, PolicyStatement, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import {
	BlockPublicAccess,
	Bucket,
	BucketEncryption,
	type CfnBucket,
	EventType,
	HttpMethods,
	ObjectOwnership,
} from "aws-cdk-lib/aws-s3";
import { SqsDestination } from "aws-cdk-lib/aws-s3-notifications";
import { Queue, QueueEncryption } from "aws-cdk-lib/aws-sqs";
import type { Construct } from "constructs";
import { tableKeys } from "../../shared/adapters/dynamodb/table.ts";
import { FEED_CORS } from "../../shared/domain/feeds/cors.ts";
import type { DeployConfig } from "../config.ts";
import { PartnerAccess } from "../constructs/partner-access.ts";

/**
 * Bucket names, fixed per stage, account and region: partners and ops name the ingest
 * bucket, and the stateless stack builds its policies from names rather than cross-stack
 * exports.
 */
export function bucketNames(stack: Stack, stage: string) {
	const suffix = `${stack.account}-${stack.region}`;
	return {
		ingest: `syndicate-${stage}-ingest-${suffix}`,
		site: `syndicate-${stage}-site-${suffix}`,
		logs: `syndicate-${stage}-logs-${suffix}`,
	};
}

/** The name every named resource of a stage starts with, e.g. `Syndicate-dev-IngestQueue`. */
export function resourceName(stage: string, name: string): string {
	return `Syndicate-${stage}-${name}`;
}

/** How long the ingest function may run; the queue's visibility timeout follows from it. */
export const INGEST_TIMEOUT = Duration.seconds(60);

/** The prefix CloudFront's standard logs are written under in the logs bucket (contracts.md). */
export const CLOUDFRONT_LOG_PREFIX = "cloudfront/";

export interface StatefulStackProps extends StackProps {
	config: DeployConfig;
}

/**
 * Everything that holds data: the buckets, the table, the ingest queue and the partners'
 * roles on the ingest bucket. Kept apart from the functions so that redeploying code can
 * never replace a bucket or the table.
 */
export class StatefulStack extends Stack {
	readonly ingestBucket: Bucket;
	readonly siteBucket: Bucket;
	readonly logsBucket: Bucket;
	readonly table: TableV2;
	readonly ingestQueue: Queue;
	readonly deadLetterQueue: Queue;
	readonly partners: PartnerAccess[];

	constructor(scope: Construct, id: string, props: StatefulStackProps) {
		super(scope, id, props);
		const { stage, disposable } = props.config;
		const names = bucketNames(this, stage);
		// `dev` goes away with its data on `cdk destroy`; any other stage keeps buckets, table
		// and queues when its stacks are deleted (see docs/operating-in-aws.md, teardown).
		const removalPolicy = disposable ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;
		const bucketLifetime = { removalPolicy, autoDeleteObjects: disposable };

		this.logsBucket = new Bucket(this, "Logs", {
			bucketName: names.logs,
			encryption: BucketEncryption.S3_MANAGED,
			blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
			enforceSSL: true,
			// CloudFront standard logging writes with ACLs.
			objectOwnership: ObjectOwnership.BUCKET_OWNER_PREFERRED,
			lifecycleRules: [{ expiration: Duration.days(90) }],
			...bucketLifetime,
		});
		Validations.of(this.logsBucket).acknowledge({
			id: "AwsSolutions-S1",
			reason: "This is the access-log bucket; logging it into itself would loop.",
		});
		// cfn-lint (.ci/run) calls AccessControl legacy; CloudFront's standard logging writes
		// through the log-delivery ACL, so this bucket keeps it.
		(this.logsBucket.node.defaultChild as CfnBucket).addMetadata("cfn-lint", {
			config: { ignore_checks: ["W3045"] },
		});

		this.ingestBucket = new Bucket(this, "Ingest", {
			bucketName: names.ingest,
			// Versioned: every upload is kept byte for byte, even when a key is overwritten.
			versioned: true,
			encryption: BucketEncryption.S3_MANAGED,
			blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
			enforceSSL: true,
			serverAccessLogsBucket: this.logsBucket,
			serverAccessLogsPrefix: "s3/ingest/",
			...bucketLifetime,
		});

		this.siteBucket = new Bucket(this, "Site", {
			bucketName: names.site,
			encryption: BucketEncryption.S3_MANAGED,
			blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
			enforceSSL: true,
			// For the CORS preflights of feed readers, which the distribution's feed behaviours
			// pass on: S3 answers a preflight only from a rule. Only CloudFront reads this bucket,
			// and only its feed behaviours pass OPTIONS and the Origin on.
			cors: [
				{
					allowedOrigins: [FEED_CORS.allowOrigin],
					allowedMethods: [HttpMethods.GET, HttpMethods.HEAD],
					allowedHeaders: [FEED_CORS.allowHeaders],
					exposedHeaders: [...FEED_CORS.exposeHeaders],
					maxAge: FEED_CORS.maxAgeSeconds,
				},
			],
			serverAccessLogsBucket: this.logsBucket,
			serverAccessLogsPrefix: "s3/site/",
			...bucketLifetime,
		});
		// Origin Access Control: only CloudFront distributions of this account read the site.
		// Granted here, by account, because the distribution lives in the stateless stack and a
		// policy naming it would make the two stacks depend on each other.
		this.siteBucket.addToResourcePolicy(
			new PolicyStatement({
				actions: ["s3:GetObject"],
				principals: [new ServicePrincipal("cloudfront.amazonaws.com")],
				resources: [this.siteBucket.arnForObjects("*")],
				conditions: {
					StringEquals: { "AWS:SourceAccount": this.account },
					ArnLike: {
						"AWS:SourceArn": `arn:${this.partition}:cloudfront::${this.account}:distribution/*`,
					},
				},
			}),
		);

		this.partners = props.config.partners.map(
			(partner) =>
				new PartnerAccess(this, `Partner-${partner.id}`, {
					stage,
					partner,
					ingestBucket: this.ingestBucket,
				}),
		);
		// Only partner roles put uploads: whatever an identity policy elsewhere in the account
		// allows (an admin, a CI role, a function), a key under incoming/ names its partner,
		// so nobody else may write one. The ingest function writes archive/, content/ and
		// reports/ only, which this statement leaves alone.
		const partnerArns = this.partners.map((p) => p.roleArn);
		this.ingestBucket.addToResourcePolicy(
			new PolicyStatement({
				sid: "OnlyPartnerRolesUpload",
				effect: Effect.DENY,
				principals: [new AnyPrincipal()],
				actions: ["s3:PutObject"],
				resources: [this.ingestBucket.arnForObjects("incoming/*")],
				...(partnerArns.length > 0
					? { conditions: { ArnNotLike: { "aws:PrincipalArn": partnerArns } } }
					: {}),
			}),
		);

		this.table = new TableV2(this, "Table", {
			tableName: resourceName(stage, "Table"),
			partitionKey: { name: tableKeys.partitionKey, type: AttributeType.STRING },
			sortKey: { name: tableKeys.sortKey, type: AttributeType.STRING },
			globalSecondaryIndexes: [
				{
					indexName: tableKeys.gsi1.name,
					partitionKey: { name: tableKeys.gsi1.partitionKey, type: AttributeType.STRING },
					sortKey: { name: tableKeys.gsi1.sortKey, type: AttributeType.STRING },
				},
			],
			billing: Billing.onDemand(),
			// The view aggregator's claims and daily counts say when they may go (expiresAt).
			timeToLiveAttribute: "expiresAt",
			encryption: TableEncryptionV2.awsManagedKey(),
			pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
			deletionProtection: !disposable,
			removalPolicy,
		});

		this.deadLetterQueue = new Queue(this, "IngestDeadLetters", {
			queueName: resourceName(stage, "IngestDLQ"),
			encryption: QueueEncryption.SQS_MANAGED,
			enforceSSL: true,
			retentionPeriod: Duration.days(14),
			removalPolicy,
		});
		Validations.of(this.deadLetterQueue).acknowledge({
			id: "AwsSolutions-SQS3",
			reason: "This queue is the dead-letter queue of the ingest queue.",
		});
		this.ingestQueue = new Queue(this, "IngestQueue", {
			queueName: resourceName(stage, "IngestQueue"),
			encryption: QueueEncryption.SQS_MANAGED,
			enforceSSL: true,
			// AWS's advice: six times the consumer's timeout, so retries don't overlap a run.
			visibilityTimeout: Duration.seconds(INGEST_TIMEOUT.toSeconds() * 6),
			deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: 5 },
			removalPolicy,
		});
		// CDK configures the notification (and, in a disposable stage, empties the buckets on
		// delete) with Lambda-backed custom resources of its own.
		Validations.of(this).acknowledge(
			{
				id: "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
				reason:
					"CDK's BucketNotificationsHandler and auto-delete-objects provider log with the basic execution role; they run only on deploy and delete.",
			},
			{
				id: "AwsSolutions-IAM5[Resource::*]",
				reason:
					"CDK's BucketNotificationsHandler needs s3:PutBucketNotification, which it is granted on '*'.",
			},
		);
		this.ingestBucket.addEventNotification(
			EventType.OBJECT_CREATED,
			new SqsDestination(this.ingestQueue),
			{ prefix: "incoming/" },
		);

		// The ops CLI finds a deployed stage through these outputs (`--stage <name>`).
		new CfnOutput(this, "TableName", { value: this.table.tableName });
		new CfnOutput(this, "IngestBucketName", { value: this.ingestBucket.bucketName });
		new CfnOutput(this, "SiteBucketName", { value: this.siteBucket.bucketName });
		new CfnOutput(this, "LogsBucketName", { value: this.logsBucket.bucketName });
		new CfnOutput(this, "QueueUrl", { value: this.ingestQueue.queueUrl });
		new CfnOutput(this, "DeadLetterQueueUrl", { value: this.deadLetterQueue.queueUrl });
		const outputKeys = new Map<string, string>();
		for (const access of this.partners) {
			const key = partnerRoleOutputKey(access.partner.id);
			const clash = outputKeys.get(key);
			if (clash !== undefined) {
				throw new Error(
					`partners ${clash} and ${access.partner.id} both give the output key ${key}; rename one`,
				);
			}
			outputKeys.set(key, access.partner.id);
			new CfnOutput(this, key, {
				value: access.roleArn,
				description: `Role partner ${access.partner.id} assumes (with its external id) to upload`,
			});
		}
	}
}

/** `science-news` → `PartnerRoleArnScienceNews`: output keys are alphanumeric. */
export function partnerRoleOutputKey(partnerId: string): string {
	const pascal = partnerId
		.split("-")
		.map((part) => part.charAt(0).toUpperCase() + part.slice(1))
		.join("");
	return `PartnerRoleArn${pascal}`;
}
