import { Duration, Validations } from "aws-cdk-lib";
import { Certificate } from "aws-cdk-lib/aws-certificatemanager";
import {
	AllowedMethods,
	type BehaviorOptions,
	CachedMethods,
	CachePolicy,
	Function as CloudFrontFunction,
	Distribution,
	type ErrorResponse,
	FunctionCode,
	FunctionEventType,
	FunctionRuntime,
	HeadersFrameOption,
	HeadersReferrerPolicy,
	HttpVersion,
	OriginRequestPolicy,
	ResponseHeadersPolicy,
	SecurityPolicyProtocol,
	ViewerProtocolPolicy,
} from "aws-cdk-lib/aws-cloudfront";
import { S3BucketOrigin } from "aws-cdk-lib/aws-cloudfront-origins";
import { AaaaRecord, ARecord, HostedZone, RecordTarget } from "aws-cdk-lib/aws-route53";
import { CloudFrontTarget } from "aws-cdk-lib/aws-route53-targets";
import type { IBucket } from "aws-cdk-lib/aws-s3";
import { Construct } from "constructs";
import {
	EDGE_UNCOMPRESSED_EXTENSIONS,
	EDGE_UNCOMPRESSED_NAMES,
} from "../../shared/domain/compressed-variants.ts";
import { FEED_CORS } from "../../shared/domain/feeds/cors.ts";
import { FEED_STYLESHEET } from "../../shared/domain/feeds/feed-stylesheet.ts";
import { GONE_METADATA_NAME } from "../../shared/publishing/site-paths.ts";
import type { CustomDomain } from "../config.ts";
import { FEED_ENCODING_CODE } from "./feed-encoding-code.ts";

/** The content security policy of contracts.md: no scripts, no inline styles, nothing framed. */
export const CONTENT_SECURITY_POLICY =
	"default-src 'none'; img-src 'self'; style-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
/** The same under `/feeds/`, where an RSS or Atom document loads its XSLT (feed.xsl). */
export const FEED_CONTENT_SECURITY_POLICY = `${CONTENT_SECURITY_POLICY}; ${FEED_STYLESHEET.contentSecurityPolicy}`;
/** Two years, the HSTS preload list's minimum. */
export const HSTS_MAX_AGE = Duration.seconds(63_072_000);
/** The not-found page the publisher's `home` target writes at the root of the site bucket. */
export const NOT_FOUND_PAGE = "/404.html";

/**
 * The viewer-request function, in CloudFront's JavaScript runtime 2.0. `/en` answers 301 to
 * `/en/` (a language's front page has one address, as at the local edge); a path ending in `/`
 * is that folder's `index.html`, since S3 behind Origin Access Control has no directory index.
 */
export const VIEWER_REQUEST_CODE = `function handler(event) {
  var request = event.request;
  var uri = request.uri;
  if (/^\\/[a-z]{2,3}(-[a-z0-9]{1,8})*$/i.test(uri)) {
    return {
      statusCode: 301,
      statusDescription: 'Moved Permanently',
      headers: { location: { value: uri + '/' }, 'cache-control': { value: 'max-age=3600' } }
    };
  }
  if (uri.endsWith('/')) request.uri = uri + 'index.html';
  return request;
}`;

/**
 * The default behaviour's viewer-response function: a page a takedown left carries the S3
 * metadata site-paths.ts names (an `x-amz-meta-*` header at the edge), and its 200 becomes
 * 410 Gone, as the local edge answers it; the header itself is not passed on. Cached or not,
 * every response goes through it. A 304 stays a 304: the viewer revalidated what it holds.
 */
export const GONE_PAGE_CODE = `var GONE = ${JSON.stringify(`x-amz-meta-${GONE_METADATA_NAME}`)};

function handler(event) {
  var response = event.response;
  if (!response.headers[GONE]) return response;
  delete response.headers[GONE];
  if (response.statusCode === 200) {
    response.statusCode = 410;
    response.statusDescription = 'Gone';
  }
  return response;
}`;

export interface EdgeProps {
	stage: string;
	/** The site bucket, with its regional domain name (the origin). */
	siteBucket: IBucket;
	/** Standard (legacy) access logs go here, under `logPrefix`. */
	logsBucket: IBucket;
	logPrefix: string;
	domain?: CustomDomain;
}

/**
 * CloudFront in front of the site bucket, behaving like the local edge: pages and feeds cached
 * briefly (as the publisher's Cache-Control says), photos and the content-hashed stylesheet
 * for long, compression (Atom, JSON Feed and OPML from the publisher's compressed copies), the
 * security headers on every response, `/404.html` with status 404 for any missing object, and
 * one access log line per request in the logs bucket.
 */
export class Edge extends Construct {
	readonly distribution: Distribution;
	/** The public base URL the functions bake into feeds and pages. */
	readonly siteUrl: string;

	constructor(scope: Construct, id: string, props: EdgeProps) {
		super(scope, id);
		const { stage, domain } = props;

		// Both policies honour the origin's Cache-Control between their min and max TTL and
		// put the normalised Accept-Encoding in the cache key, which is what lets CloudFront
		// serve gzip and Brotli. Query strings, headers and cookies stay out of the key: the
		// site varies by path only.
		const pagesAndFeeds = new CachePolicy(this, "PagesAndFeeds", {
			cachePolicyName: `Syndicate-${stage}-PagesAndFeeds`,
			comment: "Pages and feeds: the publisher's 60 s, at most 5 minutes; takedowns invalidate",
			minTtl: Duration.seconds(0),
			defaultTtl: Duration.seconds(60),
			maxTtl: Duration.minutes(5),
			enableAcceptEncodingGzip: true,
			enableAcceptEncodingBrotli: true,
		});
		const mediaAndAssets = new CachePolicy(this, "MediaAndAssets", {
			cachePolicyName: `Syndicate-${stage}-MediaAndAssets`,
			comment: "Photos and content-hashed assets: long-lived, the publisher says immutable",
			minTtl: Duration.seconds(0),
			defaultTtl: Duration.days(1),
			maxTtl: Duration.days(365),
			enableAcceptEncodingGzip: true,
			enableAcceptEncodingBrotli: true,
		});
		const securityHeadersBehavior = {
			contentSecurityPolicy: { contentSecurityPolicy: CONTENT_SECURITY_POLICY, override: true },
			contentTypeOptions: { override: true },
			strictTransportSecurity: {
				accessControlMaxAge: HSTS_MAX_AGE,
				includeSubdomains: true,
				override: true,
			},
			referrerPolicy: {
				referrerPolicy: HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN,
				override: true,
			},
			frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
		};
		const securityHeaders = new ResponseHeadersPolicy(this, "SecurityHeaders", {
			responseHeadersPolicyName: `Syndicate-${stage}-SecurityHeaders`,
			comment: "The security headers of every response, as at the local edge",
			securityHeadersBehavior,
		});
		// A behaviour has one headers policy: the feeds get the same security headers (with the
		// XSLT stylesheet allowed), CORS so
		// a web reader on any origin may fetch them, and the `Vary` S3 cannot set. CloudFront
		// adds the CORS headers only to requests with an Origin, so caches after the edge must
		// keep those apart (Origin) as they keep the codings apart (Accept-Encoding).
		const feedHeaders = new ResponseHeadersPolicy(this, "FeedHeaders", {
			responseHeadersPolicyName: `Syndicate-${stage}-FeedHeaders`,
			comment: "The security headers, CORS for any origin, and Vary: Accept-Encoding, Origin",
			securityHeadersBehavior: {
				...securityHeadersBehavior,
				contentSecurityPolicy: {
					contentSecurityPolicy: FEED_CONTENT_SECURITY_POLICY,
					override: true,
				},
			},
			corsBehavior: {
				accessControlAllowOrigins: [FEED_CORS.allowOrigin],
				accessControlAllowMethods: [...FEED_CORS.allowMethods],
				accessControlAllowHeaders: [FEED_CORS.allowHeaders],
				accessControlExposeHeaders: [...FEED_CORS.exposeHeaders],
				accessControlMaxAge: Duration.seconds(FEED_CORS.maxAgeSeconds),
				accessControlAllowCredentials: false,
				originOverride: true,
			},
			customHeadersBehavior: {
				customHeaders: [{ header: "Vary", value: FEED_CORS.vary, override: true }],
			},
		});
		const viewerRequest = new CloudFrontFunction(this, "ViewerRequest", {
			comment: "/en -> /en/, and folder paths to their index.html",
			runtime: FunctionRuntime.JS_2_0,
			code: FunctionCode.fromInline(VIEWER_REQUEST_CODE),
		});
		const gonePage = new CloudFrontFunction(this, "GonePage", {
			comment: "A taken-down page's 200 to 410 Gone, by its S3 metadata",
			runtime: FunctionRuntime.JS_2_0,
			code: FunctionCode.fromInline(GONE_PAGE_CODE),
		});
		const feedEncoding = new CloudFrontFunction(this, "FeedEncoding", {
			comment: `${EDGE_UNCOMPRESSED_NAMES} to the compressed copy Accept-Encoding takes`,
			runtime: FunctionRuntime.JS_2_0,
			code: FunctionCode.fromInline(FEED_ENCODING_CODE),
		});

		const origin = S3BucketOrigin.withOriginAccessControl(props.siteBucket);
		const common = {
			origin,
			viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
			allowedMethods: AllowedMethods.ALLOW_GET_HEAD,
			compress: true,
			responseHeadersPolicy: securityHeaders,
		} satisfies Partial<BehaviorOptions>;
		const longLived: BehaviorOptions = { ...common, cachePolicy: mediaAndAssets };
		// Feeds take the pages' policy without the pages' function: no feed path ends in `/` or
		// is a bare language. RSS needs no function (CloudFront compresses it), and feed requests
		// are the bulk of the traffic, each function run billed. Atom, JSON Feed and OPML, which
		// CloudFront does not compress, get behaviours of their own ahead of `/feeds/*`, whose
		// function picks the document's compressed copy. The rewritten URI is that copy's cache
		// key; the normalised Accept-Encoding the policy adds only splits one copy's entries by
		// how viewers spell the header and never mixes codings, as CloudFront compresses none of
		// these types itself.
		// OPTIONS: CloudFront passes a CORS preflight to S3, which answers it from the site
		// bucket's CORS rule when it sees the Origin and Access-Control-Request-* headers; the
		// headers policy then sets the answer's CORS headers. Preflights are not cached: those
		// headers are not in the cache key, so a bare OPTIONS (which S3 refuses) would be
		// served to the preflights after it; browsers keep a preflight's answer themselves.
		const feeds: BehaviorOptions = {
			...common,
			cachePolicy: pagesAndFeeds,
			responseHeadersPolicy: feedHeaders,
			allowedMethods: AllowedMethods.ALLOW_GET_HEAD_OPTIONS,
			cachedMethods: CachedMethods.CACHE_GET_HEAD,
			originRequestPolicy: OriginRequestPolicy.CORS_S3_ORIGIN,
		};
		const encodedFeeds: BehaviorOptions = {
			...feeds,
			functionAssociations: [
				{ eventType: FunctionEventType.VIEWER_REQUEST, function: feedEncoding },
			],
		};
		const encodedFeedBehaviors = Object.fromEntries(
			EDGE_UNCOMPRESSED_EXTENSIONS.map((extension) => [`/feeds/*.${extension}`, encodedFeeds]),
		);
		// S3 answers 403 for a missing key when the reader may not list the bucket (as with
		// Origin Access Control); both become the site's own not-found page with status 404.
		const errorResponses: ErrorResponse[] = [403, 404].map((httpStatus) => ({
			httpStatus,
			responseHttpStatus: 404,
			responsePagePath: NOT_FOUND_PAGE,
			ttl: Duration.seconds(60),
		}));

		this.distribution = new Distribution(this, "Distribution", {
			comment: `Syndicate ${stage}: pages and feeds`,
			defaultBehavior: {
				...common,
				cachePolicy: pagesAndFeeds,
				functionAssociations: [
					{ eventType: FunctionEventType.VIEWER_REQUEST, function: viewerRequest },
					{ eventType: FunctionEventType.VIEWER_RESPONSE, function: gonePage },
				],
			},
			// In this order: CloudFront takes the first pattern that matches.
			additionalBehaviors: {
				...encodedFeedBehaviors,
				"/feeds/*": feeds,
				"/media/*": longLived,
				"/assets/*": longLived,
			},
			defaultRootObject: "index.html",
			errorResponses,
			httpVersion: HttpVersion.HTTP2_AND_3,
			enableLogging: true,
			logBucket: props.logsBucket,
			logFilePrefix: props.logPrefix,
			...(domain
				? {
						domainNames: [domain.domainName],
						certificate: Certificate.fromCertificateArn(this, "Certificate", domain.certificateArn),
						minimumProtocolVersion: SecurityPolicyProtocol.TLS_V1_2_2021,
					}
				: {}),
		});
		this.siteUrl = `https://${domain?.domainName ?? this.distribution.distributionDomainName}`;

		if (domain?.hostedZone) {
			const zone = HostedZone.fromHostedZoneAttributes(this, "Zone", {
				hostedZoneId: domain.hostedZone.id,
				zoneName: domain.hostedZone.name,
			});
			const target = RecordTarget.fromAlias(new CloudFrontTarget(this.distribution));
			new ARecord(this, "AliasA", { zone, recordName: domain.domainName, target });
			new AaaaRecord(this, "AliasAAAA", { zone, recordName: domain.domainName, target });
		}

		Validations.of(this.distribution).acknowledge(
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
		if (!domain) {
			Validations.of(this.distribution).acknowledge({
				id: "AwsSolutions-CFR4",
				reason:
					"No custom domain given: the default *.cloudfront.net certificate is used and its TLS floor is AWS's. With -c domainName/certificateArn the floor is TLSv1.2_2021.",
			});
		}
	}
}
