import { join } from "node:path";
import { CfnOutput, Duration, Stack, type StackProps, Validations } from "aws-cdk-lib";
import {
	AllowedMethods,
	CachePolicy,
	Function as CloudFrontFunction,
	Distribution,
	FunctionCode,
	FunctionEventType,
	HttpVersion,
	ResponseHeadersPolicy,
	ViewerProtocolPolicy,
} from "aws-cdk-lib/aws-cloudfront";
import { S3BucketOrigin } from "aws-cdk-lib/aws-cloudfront-origins";
import type { ITableV2 } from "aws-cdk-lib/aws-dynamodb";
import { Rule, Schedule } from "aws-cdk-lib/aws-events";
import { LambdaFunction } from "aws-cdk-lib/aws-events-targets";
import { PolicyStatement } from "aws-cdk-lib/aws-iam";
import { SqsEventSource } from "aws-cdk-lib/aws-lambda-event-sources";
import { Bucket } from "aws-cdk-lib/aws-s3";
import type { IQueue } from "aws-cdk-lib/aws-sqs";
import type { Construct } from "constructs";
import { acknowledgeWildcardResources } from "../constructs/nag.ts";
import { SyndicateFunction } from "../constructs/syndicate-function.ts";
import { bucketNames, INGEST_TIMEOUT } from "./stateful-stack.ts";

export interface StatelessStackProps extends StackProps {
	table: ITableV2;
	ingestQueue: IQueue;
	/** Public base URL of the site, e.g. a custom domain; defaults to the distribution's. */
	siteUrl?: string;
}

const FUNCTIONS = join(import.meta.dirname, "../../functions");

// `/en/` → `/en/index.html`: S3 has no directory index behind Origin Access Control.
const INDEX_REWRITE = `function handler(event) {
  var request = event.request;
  if (request.uri.endsWith('/')) request.uri += 'index.html';
  return request;
}`;

/** The code: ingest and publish functions, the publish schedule and the CloudFront distribution. */
export class StatelessStack extends Stack {
	readonly distribution: Distribution;

	constructor(scope: Construct, id: string, props: StatelessStackProps) {
		super(scope, id, props);
		const { table } = props;
		const names = bucketNames(this);
		const ingestBucket = Bucket.fromBucketName(this, "IngestBucket", names.ingest);
		const logsBucket = Bucket.fromBucketName(this, "LogsBucket", names.logs);
		// Imported by name: the OAC grant sits in the stateful stack's bucket policy already.
		const siteBucket = Bucket.fromBucketAttributes(this, "SiteBucket", {
			bucketName: names.site,
			bucketRegionalDomainName: `${names.site}.s3.${this.region}.${this.urlSuffix}`,
		});

		this.distribution = new Distribution(this, "Edge", {
			comment: "Syndicate pages and feeds",
			defaultBehavior: {
				origin: S3BucketOrigin.withOriginAccessControl(siteBucket),
				viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
				allowedMethods: AllowedMethods.ALLOW_GET_HEAD,
				// Honours the origin's Cache-Control (60 s for feeds and pages) and compresses.
				cachePolicy: CachePolicy.CACHING_OPTIMIZED,
				compress: true,
				responseHeadersPolicy: ResponseHeadersPolicy.SECURITY_HEADERS,
				functionAssociations: [
					{
						eventType: FunctionEventType.VIEWER_REQUEST,
						function: new CloudFrontFunction(this, "IndexRewrite", {
							code: FunctionCode.fromInline(INDEX_REWRITE),
						}),
					},
				],
			},
			defaultRootObject: "index.html",
			httpVersion: HttpVersion.HTTP2_AND_3,
			enableLogging: true,
			logBucket: logsBucket,
			logFilePrefix: "cloudfront/",
		});
		Validations.of(this.distribution).acknowledge(
			{
				id: "AwsSolutions-CFR4",
				reason:
					"The default *.cloudfront.net certificate is used until a custom domain is set; its TLS floor is AWS's.",
			},
			{
				id: "AwsSolutions-CFR1",
				reason: "News feeds are public worldwide by design; rights are enforced per article.",
			},
			{
				id: "AwsSolutions-CFR2",
				reason:
					"Static, read-only content behind GET/HEAD only; WAF is planned with rate limiting.",
			},
			{
				id: "Annotation::@aws-cdk/aws-cloudfront-origins:updateImportedBucketPolicyOac",
				reason:
					"The site bucket's policy in the stateful stack grants this account's distributions (OAC).",
			},
		);
		const siteUrl = props.siteUrl ?? `https://${this.distribution.distributionDomainName}`;
		const environment = {
			INGEST_BUCKET: ingestBucket.bucketName,
			SITE_BUCKET: siteBucket.bucketName,
			SITE_URL: siteUrl,
			// Publishers invalidate exactly the paths they changed, so takedowns are not cached.
			DISTRIBUTION_ID: this.distribution.distributionId,
		};

		const ingest = new SyndicateFunction(this, "Ingest", {
			entry: join(FUNCTIONS, "ingest/handler.ts"),
			description: "Ingests partner bundles from the ingest queue and publishes what changed",
			timeout: INGEST_TIMEOUT,
			environment,
		});
		ingest.bindTable(table);
		ingest.addEventSource(
			new SqsEventSource(props.ingestQueue, {
				batchSize: 5,
				reportBatchItemFailures: true,
				maxConcurrency: 20,
			}),
		);
		const uploads = [ingestBucket.arnForObjects("incoming/*")];
		const contentReads = [ingestBucket.arnForObjects("content/*")];
		const ingestWrites = ["archive/*", "content/*", "reports/*"].map((prefix) =>
			ingestBucket.arnForObjects(prefix),
		);
		// GetObjectVersion: the ingest reads the exact version each event names.
		ingest.addToRolePolicy(
			new PolicyStatement({ actions: ["s3:GetObject", "s3:GetObjectVersion"], resources: uploads }),
		);
		ingest.addToRolePolicy(
			new PolicyStatement({ actions: ["s3:GetObject"], resources: contentReads }),
		);
		ingest.addToRolePolicy(
			new PolicyStatement({ actions: ["s3:PutObject"], resources: ingestWrites }),
		);

		const publish = new SyndicateFunction(this, "Publish", {
			entry: join(FUNCTIONS, "publish/handler.ts"),
			description: "Publishes stale pages and feeds (schedule), or the targets it is given",
			timeout: Duration.minutes(2),
			environment,
		});
		publish.bindTable(table);
		publish.addToRolePolicy(
			new PolicyStatement({ actions: ["s3:GetObject"], resources: contentReads }),
		);
		new Rule(this, "PublishSchedule", {
			description:
				"Publishes pending changes and targets a failed publisher left stale, every minute",
			schedule: Schedule.rate(Duration.minutes(1)),
			targets: [new LambdaFunction(publish)],
		});

		const siteObjects = [siteBucket.arnForObjects("*")];
		const distributionArn = this.formatArn({
			service: "cloudfront",
			region: "",
			resource: "distribution",
			resourceName: this.distribution.distributionId,
		});
		for (const fn of [ingest, publish]) {
			fn.addToRolePolicy(
				new PolicyStatement({
					actions: ["s3:PutObject", "s3:DeleteObject"],
					resources: siteObjects,
				}),
			);
			fn.addToRolePolicy(
				new PolicyStatement({
					actions: ["cloudfront:CreateInvalidation"],
					resources: [distributionArn],
				}),
			);
		}
		const reason =
			"Object-level S3 actions scoped to the key prefixes the function owns; no wildcard actions.";
		acknowledgeWildcardResources(
			ingest.executionRole,
			[...uploads, ...new Set([...contentReads, ...ingestWrites]), ...siteObjects],
			reason,
		);
		acknowledgeWildcardResources(publish.executionRole, [...contentReads, ...siteObjects], reason);

		new CfnOutput(this, "SiteUrl", { value: siteUrl });
		new CfnOutput(this, "LatestFeed", { value: `${siteUrl}/feeds/en/latest.rss` });
	}
}
