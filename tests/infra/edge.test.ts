import { runInNewContext } from "node:vm";
import { Match, type Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { EDGE_UNCOMPRESSED_EXTENSIONS } from "#shared/domain/compressed-variants.ts";
import { GONE_PAGE_CODE, VIEWER_REQUEST_CODE } from "../../infra/constructs/edge.ts";
import { FEED_ENCODING_CODE } from "../../infra/constructs/feed-encoding-code.ts";
import { fullContext, synthesize } from "./synth.ts";

// contracts.md, word for word.
const CSP =
	"default-src 'none'; img-src 'self'; style-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

let plain: Template;
let withDomain: Template;
let withZone: Template;

beforeAll(() => {
	plain = synthesize().appTemplate;
	withDomain = synthesize({
		stage: fullContext.stage,
		partnersFile: fullContext.partnersFile,
		domainName: fullContext.domainName,
		certificateArn: fullContext.certificateArn,
	}).appTemplate;
	withZone = synthesize(fullContext).appTemplate;
});

type Config = Record<string, unknown>;

function distributionConfig(template: Template): Config {
	const [distribution] = Object.values(template.findResources("AWS::CloudFront::Distribution"));
	return distribution?.Properties.DistributionConfig as Config;
}

function cachePolicy(template: Template, logicalId: string): Config {
	const policies = template.findResources("AWS::CloudFront::CachePolicy");
	const [id] = Object.keys(policies).filter((key) => key.startsWith(`Edge${logicalId}`));
	return policies[id ?? ""]?.Properties.CachePolicyConfig as Config;
}

function policyRef(
	template: Template,
	logicalId: string,
	type = "AWS::CloudFront::CachePolicy",
): { Ref: string } {
	const policies = template.findResources(type);
	const [id] = Object.keys(policies).filter((key) => key.startsWith(`Edge${logicalId}`));
	return { Ref: id ?? "missing" };
}

function headersPolicy(template: Template, logicalId: string): Config {
	const { Ref } = policyRef(template, logicalId, "AWS::CloudFront::ResponseHeadersPolicy");
	return template.findResources("AWS::CloudFront::ResponseHeadersPolicy")[Ref]?.Properties
		.ResponseHeadersPolicyConfig as Config;
}

const ENCODED_FEEDS = EDGE_UNCOMPRESSED_EXTENSIONS.map((extension) => `/feeds/*.${extension}`);

interface CloudFrontResponse {
	statusCode: number;
	headers: Record<string, { value: string }>;
}

/** Runs the viewer-request function as CloudFront would, on one request URI. */
function viewerRequest(uri: string): { uri: string } | CloudFrontResponse {
	const handler = runInNewContext(`${VIEWER_REQUEST_CODE}; handler`) as (event: unknown) => unknown;
	return handler({ request: { uri, method: "GET", querystring: {}, headers: {} } }) as
		| { uri: string }
		| CloudFrontResponse;
}

describe("cache policies", () => {
	it("caches pages and feeds briefly, honouring the publisher's Cache-Control, with gzip and Brotli", () => {
		const config = cachePolicy(plain, "PagesAndFeeds");
		expect(config).toMatchObject({ MinTTL: 0, DefaultTTL: 60, MaxTTL: 300 });
		expect(config.ParametersInCacheKeyAndForwardedToOrigin).toMatchObject({
			EnableAcceptEncodingGzip: true,
			EnableAcceptEncodingBrotli: true,
			QueryStringsConfig: { QueryStringBehavior: "none" },
			HeadersConfig: { HeaderBehavior: "none" },
			CookiesConfig: { CookieBehavior: "none" },
		});
		const distribution = distributionConfig(plain);
		const feeds = (distribution.CacheBehaviors as Config[]).find(
			(b) => b.PathPattern === "/feeds/*",
		);
		for (const behavior of [distribution.DefaultCacheBehavior as Config, feeds]) {
			expect(behavior).toMatchObject({
				CachePolicyId: policyRef(plain, "PagesAndFeeds"),
				Compress: true,
				ViewerProtocolPolicy: "redirect-to-https",
			});
		}
		expect(distribution.DefaultCacheBehavior).toMatchObject({ AllowedMethods: ["GET", "HEAD"] });
		// RSS, which CloudFront compresses, runs no function: none billed per request.
		expect(feeds?.FunctionAssociations).toBeUndefined();
	});

	it("caches photos and the content-hashed assets for long", () => {
		const config = cachePolicy(plain, "MediaAndAssets");
		expect(config).toMatchObject({ MinTTL: 0, DefaultTTL: 86_400, MaxTTL: 31_536_000 });
		expect(config.ParametersInCacheKeyAndForwardedToOrigin).toMatchObject({
			EnableAcceptEncodingGzip: true,
			EnableAcceptEncodingBrotli: true,
		});
		const behaviors = (distributionConfig(plain).CacheBehaviors as Config[]).filter(
			(b) => !String(b.PathPattern).startsWith("/feeds/"),
		);
		expect(behaviors.map((b) => b.PathPattern).sort()).toEqual(["/assets/*", "/media/*"]);
		for (const behavior of behaviors) {
			expect(behavior).toMatchObject({
				CachePolicyId: policyRef(plain, "MediaAndAssets"),
				Compress: true,
				ViewerProtocolPolicy: "redirect-to-https",
				AllowedMethods: ["GET", "HEAD"],
			});
		}
	});
});

describe("response headers policy", () => {
	it("sends exactly the security headers of contracts.md, overriding the origin's", () => {
		plain.resourceCountIs("AWS::CloudFront::ResponseHeadersPolicy", 2);
		const config = headersPolicy(plain, "SecurityHeaders");
		expect(config.Name).toBe("Syndicate-dev-SecurityHeaders");
		expect(config.SecurityHeadersConfig).toEqual({
			ContentSecurityPolicy: { ContentSecurityPolicy: CSP, Override: true },
			ContentTypeOptions: { Override: true },
			StrictTransportSecurity: {
				AccessControlMaxAgeSec: 63_072_000,
				IncludeSubdomains: true,
				Override: true,
			},
			ReferrerPolicy: { ReferrerPolicy: "strict-origin-when-cross-origin", Override: true },
			FrameOptions: { FrameOption: "DENY", Override: true },
		});
		expect(config.CustomHeadersConfig).toBeUndefined();
		expect(config.CorsConfig).toBeUndefined();
	});

	it("applies to every behaviour, the feeds' adding CORS, Vary: Accept-Encoding, Origin and their XSLT", () => {
		const config = distributionConfig(plain);
		const behaviors = [
			config.DefaultCacheBehavior,
			...(config.CacheBehaviors as Config[]),
		] as Config[];
		for (const behavior of behaviors) {
			const feed = String(behavior.PathPattern).startsWith("/feeds/");
			expect(behavior.ResponseHeadersPolicyId).toEqual(
				policyRef(
					plain,
					feed ? "FeedHeaders" : "SecurityHeaders",
					"AWS::CloudFront::ResponseHeadersPolicy",
				),
			);
		}
		const feeds = headersPolicy(plain, "FeedHeaders");
		expect(feeds.Name).toBe("Syndicate-dev-FeedHeaders");
		// The same, but that an RSS or Atom document may load its XSLT stylesheet (feed.xsl).
		expect(feeds.SecurityHeadersConfig).toEqual({
			...(headersPolicy(plain, "SecurityHeaders").SecurityHeadersConfig as Config),
			ContentSecurityPolicy: { ContentSecurityPolicy: `${CSP}; script-src 'self'`, Override: true },
		});
		// Any origin may read a feed, without credentials; the reader may see the ETag to send
		// If-None-Match itself, and a preflight is remembered for a day.
		expect(feeds.CorsConfig).toEqual({
			AccessControlAllowOrigins: { Items: ["*"] },
			AccessControlAllowMethods: { Items: ["GET", "HEAD", "OPTIONS"] },
			AccessControlAllowHeaders: { Items: ["*"] },
			AccessControlExposeHeaders: { Items: ["ETag"] },
			AccessControlMaxAgeSec: 86_400,
			AccessControlAllowCredentials: false,
			OriginOverride: true,
		});
		// S3 cannot send Vary; without it a shared cache after the edge could mix the codings,
		// or hand a response without CORS headers (no Origin asked) to a reader on another origin.
		expect(feeds.CustomHeadersConfig).toEqual({
			Items: [{ Header: "Vary", Value: "Accept-Encoding, Origin", Override: true }],
		});
	});
});

describe("CORS preflights of feed readers", () => {
	it("reach S3 through the feed behaviours only, with the headers S3 answers them by", () => {
		const config = distributionConfig(plain);
		for (const behavior of config.CacheBehaviors as Config[]) {
			const feed = String(behavior.PathPattern).startsWith("/feeds/");
			expect(behavior.AllowedMethods, String(behavior.PathPattern)).toEqual(
				feed ? ["GET", "HEAD", "OPTIONS"] : ["GET", "HEAD"],
			);
			if (!feed) {
				expect(behavior.OriginRequestPolicyId).toBeUndefined();
				continue;
			}
			// Not cached: a bare OPTIONS S3 refuses must not be served to the preflights after it.
			expect(behavior.CachedMethods).toEqual(["GET", "HEAD"]);
			// The managed CORS-S3Origin policy: Origin and Access-Control-Request-* to S3.
			expect(behavior.OriginRequestPolicyId).toBe("88a5eaf4-2fd4-4709-b370-b4c650ea3fcf");
		}
		expect((config.DefaultCacheBehavior as Config).OriginRequestPolicyId).toBeUndefined();
	});

	it("are answered by the site bucket's CORS rule: reads from any origin", () => {
		const { dataTemplate } = synthesize();
		const buckets = Object.entries(dataTemplate.findResources("AWS::S3::Bucket"));
		const withCors = buckets.filter(([, bucket]) => bucket.Properties.CorsConfiguration);
		expect(withCors.map(([id]) => id.replace(/[0-9A-F]{8}$/, ""))).toEqual(["Site"]);
		expect(withCors[0]?.[1].Properties.CorsConfiguration).toEqual({
			CorsRules: [
				{
					AllowedOrigins: ["*"],
					AllowedMethods: ["GET", "HEAD"],
					AllowedHeaders: ["*"],
					ExposedHeaders: ["ETag"],
					MaxAge: 86_400,
				},
			],
		});
	});
});

describe("missing objects", () => {
	it("serves /404.html with status 404 for S3's 403 (no ListBucket behind OAC) and for 404", () => {
		expect(distributionConfig(plain).CustomErrorResponses).toEqual([
			{ ErrorCode: 403, ResponseCode: 404, ResponsePagePath: "/404.html", ErrorCachingMinTTL: 60 },
			{ ErrorCode: 404, ResponseCode: 404, ResponsePagePath: "/404.html", ErrorCachingMinTTL: 60 },
		]);
	});
});

describe("viewer-request function", () => {
	it("runs on the default behaviour in CloudFront's JavaScript runtime 2.0", () => {
		plain.hasResourceProperties("AWS::CloudFront::Function", {
			FunctionConfig: Match.objectLike({ Runtime: "cloudfront-js-2.0" }),
			FunctionCode: VIEWER_REQUEST_CODE,
		});
		const behavior = distributionConfig(plain).DefaultCacheBehavior as Config;
		expect(behavior.FunctionAssociations).toEqual([
			{ EventType: "viewer-request", FunctionARN: expect.anything() },
			{ EventType: "viewer-response", FunctionARN: expect.anything() },
		]);
	});

	it.each(["/en", "/zh", "/zh-Hant", "/ja"])(
		"redirects %s to its front page with a slash",
		(uri) => {
			expect(viewerRequest(uri)).toEqual({
				statusCode: 301,
				statusDescription: "Moved Permanently",
				headers: { location: { value: `${uri}/` }, "cache-control": { value: "max-age=3600" } },
			});
		},
	);

	it.each([
		["/", "/index.html"],
		["/en/", "/en/index.html"],
		["/feeds/en/latest.rss", "/feeds/en/latest.rss"],
		["/en/articles/science-news/a1", "/en/articles/science-news/a1"],
		["/404.html", "/404.html"],
		["/feeds", "/feeds"],
		["/english", "/english"],
	])("passes %s on as %s", (uri, expected) => {
		expect(viewerRequest(uri)).toMatchObject({ uri: expected });
	});
});

/** Runs the viewer-response function as CloudFront would, on one response. */
function viewerResponse(response: CloudFrontResponse & { statusDescription?: string }) {
	const handler = runInNewContext(`${GONE_PAGE_CODE}; handler`) as (event: unknown) => unknown;
	const request = { uri: "/en/articles/science-news/a1", method: "GET", headers: {} };
	return handler({ request, response }) as CloudFrontResponse & { statusDescription?: string };
}

describe("viewer-response function: taken-down pages", () => {
	it("runs on the default behaviour, where the article pages are, in runtime 2.0", () => {
		const functions = plain.findResources("AWS::CloudFront::Function");
		const [gone] = Object.entries(functions).filter(
			([, fn]) => fn.Properties.FunctionCode === GONE_PAGE_CODE,
		);
		expect(gone?.[1].Properties.FunctionConfig).toMatchObject({ Runtime: "cloudfront-js-2.0" });
		const behavior = distributionConfig(plain).DefaultCacheBehavior as Config;
		expect(behavior.FunctionAssociations).toContainEqual({
			EventType: "viewer-response",
			FunctionARN: { "Fn::GetAtt": [gone?.[0], "FunctionARN"] },
		});
	});

	it("turns the 200 of a page carrying x-amz-meta-syndicate-gone into 410 Gone, dropping the header", () => {
		const answer = viewerResponse({
			statusCode: 200,
			statusDescription: "OK",
			headers: {
				"content-type": { value: "text/html; charset=utf-8" },
				"x-amz-meta-syndicate-gone": { value: "410" },
			},
		});
		expect(answer).toEqual({
			statusCode: 410,
			statusDescription: "Gone",
			headers: { "content-type": { value: "text/html; charset=utf-8" } },
		});
	});

	it("leaves every other response as it is, and a revalidated gone page's 304", () => {
		const page = {
			statusCode: 200,
			statusDescription: "OK",
			headers: { "content-type": { value: "text/html; charset=utf-8" } },
		};
		expect(viewerResponse(structuredClone(page))).toEqual(page);
		const revalidated = viewerResponse({
			statusCode: 304,
			headers: { "x-amz-meta-syndicate-gone": { value: "410" } },
		});
		expect(revalidated).toEqual({ statusCode: 304, headers: {} });
	});
});

describe("feeds CloudFront does not compress", () => {
	it("have behaviours of their own, ahead of /feeds/*, each running the feed-encoding function", () => {
		const behaviors = distributionConfig(plain).CacheBehaviors as Config[];
		const patterns = behaviors.map((b) => b.PathPattern);
		// CloudFront takes the first pattern that matches: these must come before /feeds/*.
		expect(patterns.slice(0, ENCODED_FEEDS.length + 1)).toEqual([...ENCODED_FEEDS, "/feeds/*"]);
		const functions = plain.findResources("AWS::CloudFront::Function");
		const [feedEncoding] = Object.entries(functions).filter(
			([, fn]) => fn.Properties.FunctionCode === FEED_ENCODING_CODE,
		);
		expect(feedEncoding?.[1].Properties.FunctionConfig).toMatchObject({
			Runtime: "cloudfront-js-2.0",
		});
		for (const behavior of behaviors.slice(0, ENCODED_FEEDS.length)) {
			expect(behavior).toMatchObject({
				CachePolicyId: policyRef(plain, "PagesAndFeeds"),
				Compress: true,
				ViewerProtocolPolicy: "redirect-to-https",
			});
			expect(behavior.FunctionAssociations).toEqual([
				{
					EventType: "viewer-request",
					FunctionARN: { "Fn::GetAtt": [feedEncoding?.[0], "FunctionARN"] },
				},
			]);
		}
	});

	it("are published with their compressed copies by every function", () => {
		for (const fn of Object.values(plain.findResources("AWS::Lambda::Function"))) {
			expect(fn.Properties.Environment.Variables.COMPRESSED_VARIANTS).toBe("true");
		}
	});
});

describe("distribution", () => {
	it("logs every request to the logs bucket under cloudfront/", () => {
		expect(distributionConfig(plain).Logging).toEqual({
			Bucket: {
				"Fn::Join": [
					"",
					[
						"syndicate-dev-logs-",
						{ Ref: "AWS::AccountId" },
						"-",
						{ Ref: "AWS::Region" },
						".s3.",
						{ Ref: "AWS::Region" },
						".",
						{ Ref: "AWS::URLSuffix" },
					],
				],
			},
			Prefix: "cloudfront/",
		});
	});

	it("without a domain: the distribution's own name, certificate and URL", () => {
		const config = distributionConfig(plain);
		expect(config.Aliases).toBeUndefined();
		expect(config.ViewerCertificate).toBeUndefined();
		plain.resourceCountIs("AWS::Route53::RecordSet", 0);
		const urls = Object.values(plain.findResources("AWS::Lambda::Function")).map(
			(fn) => fn.Properties.Environment.Variables.SITE_URL,
		);
		expect(urls).toHaveLength(3);
		for (const url of urls) {
			expect(url).toEqual({
				"Fn::Join": [
					"",
					[
						"https://",
						{ "Fn::GetAtt": [expect.stringMatching(/^EdgeDistribution/), "DomainName"] },
					],
				],
			});
		}
	});

	it("with -c domainName and -c certificateArn: the alias, the certificate, TLS 1.2 and the domain as site URL", () => {
		const config = distributionConfig(withDomain);
		expect(config.Aliases).toEqual(["news.example.org"]);
		expect(config.ViewerCertificate).toEqual({
			AcmCertificateArn: fullContext.certificateArn,
			MinimumProtocolVersion: "TLSv1.2_2021",
			SslSupportMethod: "sni-only",
		});
		withDomain.resourceCountIs("AWS::Route53::RecordSet", 0);
		for (const fn of Object.values(withDomain.findResources("AWS::Lambda::Function"))) {
			expect(fn.Properties.Environment.Variables.SITE_URL).toBe("https://news.example.org");
		}
	});

	it("with a hosted zone too: A and AAAA alias records to the distribution", () => {
		for (const type of ["A", "AAAA"]) {
			withZone.hasResourceProperties("AWS::Route53::RecordSet", {
				Name: "news.example.org.",
				Type: type,
				HostedZoneId: fullContext.hostedZoneId,
				AliasTarget: {
					DNSName: { "Fn::GetAtt": [Match.stringLikeRegexp("^EdgeDistribution"), "DomainName"] },
					HostedZoneId: Match.anyValue(),
				},
			});
		}
	});
});
