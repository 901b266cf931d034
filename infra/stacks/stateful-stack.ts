import { Duration, RemovalPolicy, Stack, type StackProps, Validations } from "aws-cdk-lib";
import { AttributeType, Billing, TableEncryptionV2, TableV2 } from "aws-cdk-lib/aws-dynamodb";
import { PolicyStatement, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import {
	BlockPublicAccess,
	Bucket,
	BucketEncryption,
	EventType,
	ObjectOwnership,
} from "aws-cdk-lib/aws-s3";
import { SqsDestination } from "aws-cdk-lib/aws-s3-notifications";
import { Queue, QueueEncryption } from "aws-cdk-lib/aws-sqs";
import type { Construct } from "constructs";
import { tableKeys } from "../../shared/adapters/dynamodb/table.ts";

/**
 * Bucket names, fixed per account and region: partners and ops name the ingest bucket, and
 * the stateless stack builds its policies from names rather than cross-stack exports.
 */
export function bucketNames(stack: Stack) {
	const suffix = `${stack.account}-${stack.region}`;
	return {
		ingest: `syndicate-ingest-${suffix}`,
		site: `syndicate-site-${suffix}`,
		logs: `syndicate-logs-${suffix}`,
	};
}

/** How long the ingest function may run; the queue's visibility timeout follows from it. */
export const INGEST_TIMEOUT = Duration.seconds(60);

/**
 * Everything that holds data: the buckets, the table and the ingest queue. Kept apart from
 * the functions so that redeploying code can never replace a bucket or the table.
 */
export class StatefulStack extends Stack {
	readonly ingestBucket: Bucket;
	readonly siteBucket: Bucket;
	readonly logsBucket: Bucket;
	readonly table: TableV2;
	readonly ingestQueue: Queue;

	constructor(scope: Construct, id: string, props?: StackProps) {
		super(scope, id, props);
		const names = bucketNames(this);

		this.logsBucket = new Bucket(this, "Logs", {
			bucketName: names.logs,
			encryption: BucketEncryption.S3_MANAGED,
			blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
			enforceSSL: true,
			// CloudFront standard logging writes with ACLs.
			objectOwnership: ObjectOwnership.BUCKET_OWNER_PREFERRED,
			lifecycleRules: [{ expiration: Duration.days(90) }],
			removalPolicy: RemovalPolicy.RETAIN,
		});
		Validations.of(this.logsBucket).acknowledge({
			id: "AwsSolutions-S1",
			reason: "This is the access-log bucket; logging it into itself would loop.",
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
			removalPolicy: RemovalPolicy.RETAIN,
		});

		this.siteBucket = new Bucket(this, "Site", {
			bucketName: names.site,
			encryption: BucketEncryption.S3_MANAGED,
			blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
			enforceSSL: true,
			serverAccessLogsBucket: this.logsBucket,
			serverAccessLogsPrefix: "s3/site/",
			removalPolicy: RemovalPolicy.RETAIN,
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

		this.table = new TableV2(this, "Table", {
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
			encryption: TableEncryptionV2.awsManagedKey(),
			pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
			deletionProtection: true,
			removalPolicy: RemovalPolicy.RETAIN,
		});

		const deadLetters = new Queue(this, "IngestDeadLetters", {
			encryption: QueueEncryption.SQS_MANAGED,
			enforceSSL: true,
			retentionPeriod: Duration.days(14),
		});
		Validations.of(deadLetters).acknowledge({
			id: "AwsSolutions-SQS3",
			reason: "This queue is the dead-letter queue of the ingest queue.",
		});
		this.ingestQueue = new Queue(this, "IngestQueue", {
			encryption: QueueEncryption.SQS_MANAGED,
			enforceSSL: true,
			// AWS's advice: six times the consumer's timeout, so retries don't overlap a run.
			visibilityTimeout: Duration.seconds(INGEST_TIMEOUT.toSeconds() * 6),
			deadLetterQueue: { queue: deadLetters, maxReceiveCount: 5 },
		});
		// CDK configures the notification with a Lambda-backed custom resource of its own.
		Validations.of(this).acknowledge(
			{
				id: "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
				reason:
					"CDK's BucketNotificationsHandler logs with the basic execution role; it runs only on deploy.",
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
			{
				prefix: "incoming/",
			},
		);
	}
}
