import { readFileSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import type { App } from "aws-cdk-lib";
import { hubUrlProblem } from "../shared/lib/hub-url.ts";
import { partnerIdPattern } from "../shared/use-cases/agreement-input.ts";

/** A setting given to the CDK app that it cannot use; the message says which and why. */
export class DeployConfigError extends Error {
	constructor(message: string) {
		super(message);
		this.name = "DeployConfigError";
	}
}

/** One partner that may upload with its own IAM role (an entry of `infra/partners.json`). */
export interface PartnerConfig {
	/** The partner id of the app: its uploads live under `incoming/{id}/`, its reports under `reports/{id}/`. */
	id: string;
	displayName: string;
	/** The AWS account whose principals may assume the partner's role. */
	accountId: string;
	/** Required by the role's trust policy (`sts:ExternalId`); it guards against the confused deputy. */
	externalId: string;
}

/** Where CloudFront serves the site when it is not its own `*.cloudfront.net` name. */
export interface CustomDomain {
	domainName: string;
	/** An ACM certificate in us-east-1 (CloudFront's region) covering `domainName`. */
	certificateArn: string;
	/** A Route 53 zone to write the alias records into; without it, ops point DNS themselves. */
	hostedZone?: { id: string; name: string };
}

/** Everything a deployment is parameterized by, read from CDK context and validated once. */
export interface DeployConfig {
	stage: string;
	/** `dev` may be torn down with its data; every other stage keeps and protects it. */
	disposable: boolean;
	domain?: CustomDomain;
	alarmEmail?: string;
	/** The WebSub hub every feed links and every publisher tells of changed feeds. */
	hubUrl?: string;
	partners: PartnerConfig[];
}

/** Account ids AWS's documentation uses in examples (and `infra/partners.json` ships). */
const DOCUMENTATION_ACCOUNTS = new Set(["111122223333", "444455556666", "123456789012"]);

/** The stage a deployment uses when `-c stage` is not given. */
export const DEFAULT_STAGE = "dev";
/** The only stage whose data may be destroyed with its stacks. */
export const DISPOSABLE_STAGE = "dev";

// Lower case (bucket names), short enough that `syndicate-{stage}-ingest-{account}-{region}`
// stays under S3's 63 characters in every region, and role names under IAM's 64.
const STAGE_PATTERN = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
const STAGE_MAX = 12;
const ACCOUNT_PATTERN = /^\d{12}$/;
// IAM's rule for sts:ExternalId; at least 8 characters so it is not guessable from the id.
const EXTERNAL_ID_PATTERN = /^[\w+=,.@:/-]{8,1224}$/;
const DOMAIN_PATTERN = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const CERTIFICATE_PATTERN = /^arn:aws[a-z-]*:acm:([a-z0-9-]+):\d{12}:certificate\/[\w-]+$/;
const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const ROLE_NAME_MAX = 64;

/** The partner `npm run syndicate -- smoke` uploads as after a deploy: the demo partner. */
export const SMOKE_PARTNER = "science-news";

/** The IAM role a partner assumes; its name carries the stage, like every resource name. */
export function partnerRoleName(stage: string, partnerId: string): string {
	return `Syndicate-${stage}-Partner-${partnerId}`;
}

/** The context keys the app reads, each with what it expects: `-c key=value`. */
const CONTEXT_KEYS = {
	stage: "a stage name such as dev or prod",
	domainName: "the site's DNS name, e.g. news.example.org",
	certificateArn: "an ACM certificate ARN in us-east-1",
	hostedZoneId: "a Route 53 hosted zone id",
	hostedZoneName: "that hosted zone's name",
	alarmEmail: "the address alarms go to",
	hubUrl: "a WebSub hub's https URL, which feeds link and publishes ping",
	partnersFile: "a JSON file of partners, like infra/partners.json",
} as const;

/**
 * Context CDK itself keeps: feature flags (`@aws-cdk/…`), its own settings (`aws:cdk:…`),
 * lookups cached in cdk.context.json (`availability-zones:account=…`), and the two plain keys
 * cdk.json and `cdk acknowledge` write.
 */
function isCdkContext(key: string): boolean {
	return (
		key.startsWith("@") ||
		key.includes(":") ||
		key === "cli-telemetry" ||
		key === "acknowledged-issue-numbers"
	);
}

const EXPECTED = Object.entries(CONTEXT_KEYS)
	.map(([key, what]) => `-c ${key}=<${what}>`)
	.join(", ");

/** Refuses a context key the app does not read: a typo would otherwise deploy without it. */
function refuseUnknownContext(app: App): void {
	const context: Record<string, unknown> = app.node.getAllContext();
	for (const key of Object.keys(context)) {
		if (key in CONTEXT_KEYS || key === "siteUrl" || isCdkContext(key)) continue;
		throw new DeployConfigError(`-c ${key} is not a setting of this app; it reads ${EXPECTED}`);
	}
}

function contextString(app: App, key: keyof typeof CONTEXT_KEYS): string | undefined {
	const value: unknown = app.node.tryGetContext(key);
	if (value === undefined || value === null) return undefined;
	if (typeof value === "string" && value.trim() === "") {
		throw new DeployConfigError(
			`-c ${key}= is empty: give -c ${key}=<${CONTEXT_KEYS[key]}>, or leave it out`,
		);
	}
	if (typeof value !== "string") {
		throw new DeployConfigError(`-c ${key} must be a string, got ${JSON.stringify(value)}`);
	}
	return value.trim();
}

/** Checks `infra/partners.json` (or the file `-c partnersFile` names) as parsed JSON. */
export function parsePartners(raw: unknown, stage: string, source: string): PartnerConfig[] {
	if (!Array.isArray(raw))
		throw new DeployConfigError(`${source}: must be a JSON array of partners`);
	const seen = new Set<string>();
	return raw.map((entry: unknown, index) => {
		const where = `${source}[${index}]`;
		if (typeof entry !== "object" || entry === null || Array.isArray(entry)) {
			throw new DeployConfigError(`${where}: must be an object`);
		}
		const record = entry as Record<string, unknown>;
		const unknownKeys = Object.keys(record).filter(
			(key) => !["id", "displayName", "accountId", "externalId"].includes(key),
		);
		if (unknownKeys.length > 0) {
			throw new DeployConfigError(`${where}: unknown field ${unknownKeys.join(", ")}`);
		}
		const field = (name: string): string => {
			const value = record[name];
			if (typeof value !== "string" || value.trim() === "") {
				throw new DeployConfigError(`${where}.${name}: must be a non-empty string`);
			}
			return value;
		};
		const id = field("id");
		if (!partnerIdPattern.test(id)) {
			throw new DeployConfigError(
				`${where}.id: "${id}" is not a partner id (${partnerIdPattern.source}, as \`syndicate partners add\` requires)`,
			);
		}
		if (seen.has(id)) throw new DeployConfigError(`${where}.id: "${id}" is listed twice`);
		seen.add(id);
		const roleName = partnerRoleName(stage, id);
		if (roleName.length > ROLE_NAME_MAX) {
			throw new DeployConfigError(
				`${where}.id: "${id}" makes the role name ${roleName} longer than IAM's ${ROLE_NAME_MAX} characters; with stage "${stage}" a partner id may have at most ${ROLE_NAME_MAX - partnerRoleName(stage, "").length} characters`,
			);
		}
		const displayName = field("displayName");
		if (/[\p{Cc}]/u.test(displayName) || displayName.length > 200) {
			throw new DeployConfigError(`${where}.displayName: one line of at most 200 characters`);
		}
		const accountId = field("accountId");
		if (!ACCOUNT_PATTERN.test(accountId)) {
			throw new DeployConfigError(
				`${where}.accountId: "${accountId}" is not a 12-digit AWS account id`,
			);
		}
		// The checked-in examples: a real stage must not trust whoever owns these accounts.
		if (stage !== DISPOSABLE_STAGE && DOCUMENTATION_ACCOUNTS.has(accountId)) {
			throw new DeployConfigError(
				`${where}.accountId: ${accountId} is an example account id from AWS's documentation; stage "${stage}" needs each partner's real account id (edit infra/partners.json or give -c partnersFile)`,
			);
		}
		const externalId = field("externalId");
		if (!EXTERNAL_ID_PATTERN.test(externalId)) {
			throw new DeployConfigError(
				`${where}.externalId: 8 to 1224 characters of letters, digits and + = , . @ : / - _`,
			);
		}
		return { id, displayName, accountId, externalId };
	});
}

/** Reads and validates the deployment's context: `-c stage`, domain, alarm email, hub, partners. */
export function readDeployConfig(app: App): DeployConfig {
	refuseUnknownContext(app);
	if (app.node.tryGetContext("siteUrl") !== undefined) {
		throw new DeployConfigError(
			"-c siteUrl is gone: the site URL follows the distribution, or -c domainName=… -c certificateArn=… for a custom domain",
		);
	}
	const stage = contextString(app, "stage") ?? DEFAULT_STAGE;
	if (!STAGE_PATTERN.test(stage) || stage.length > STAGE_MAX) {
		throw new DeployConfigError(
			`-c stage: "${stage}" must be lower-case letters and digits (hyphens between), starting with a letter, at most ${STAGE_MAX} characters`,
		);
	}

	const domainName = contextString(app, "domainName")?.toLowerCase();
	const certificateArn = contextString(app, "certificateArn");
	const hostedZoneId = contextString(app, "hostedZoneId");
	const hostedZoneName = contextString(app, "hostedZoneName")?.toLowerCase().replace(/\.$/, "");
	let domain: CustomDomain | undefined;
	if (domainName !== undefined || certificateArn !== undefined) {
		if (domainName === undefined || certificateArn === undefined) {
			throw new DeployConfigError(
				"-c domainName and -c certificateArn go together: give both or neither",
			);
		}
		if (!DOMAIN_PATTERN.test(domainName)) {
			throw new DeployConfigError(`-c domainName: "${domainName}" is not a DNS name`);
		}
		const region = CERTIFICATE_PATTERN.exec(certificateArn)?.[1];
		if (region === undefined) {
			throw new DeployConfigError(
				`-c certificateArn: "${certificateArn}" is not an ACM certificate ARN`,
			);
		}
		if (region !== "us-east-1") {
			throw new DeployConfigError(
				`-c certificateArn: CloudFront only uses certificates in us-east-1, this one is in ${region}`,
			);
		}
		domain = { domainName, certificateArn };
	}
	if (hostedZoneId !== undefined || hostedZoneName !== undefined) {
		if (domain === undefined) {
			throw new DeployConfigError(
				"-c hostedZoneId/hostedZoneName need -c domainName and -c certificateArn",
			);
		}
		// Both, so the zone is imported as given: a lookup by name would need AWS at synth time.
		if (hostedZoneId === undefined || hostedZoneName === undefined) {
			throw new DeployConfigError(
				"-c hostedZoneId and -c hostedZoneName go together: give both or neither",
			);
		}
		if (domain.domainName !== hostedZoneName && !domain.domainName.endsWith(`.${hostedZoneName}`)) {
			throw new DeployConfigError(
				`-c domainName: ${domain.domainName} is not in the hosted zone ${hostedZoneName}`,
			);
		}
		domain.hostedZone = { id: hostedZoneId, name: hostedZoneName };
	}

	const alarmEmail = contextString(app, "alarmEmail");
	if (alarmEmail !== undefined && !EMAIL_PATTERN.test(alarmEmail)) {
		throw new DeployConfigError(`-c alarmEmail: "${alarmEmail}" is not an email address`);
	}

	const hubUrl = contextString(app, "hubUrl");
	const hubProblem = hubUrl === undefined ? undefined : hubUrlProblem(hubUrl);
	if (hubProblem !== undefined) throw new DeployConfigError(`-c hubUrl: ${hubProblem}`);

	const partnersFile =
		contextString(app, "partnersFile") ?? join(import.meta.dirname, "partners.json");
	const path = isAbsolute(partnersFile) ? partnersFile : join(process.cwd(), partnersFile);
	let raw: unknown;
	try {
		raw = JSON.parse(readFileSync(path, "utf8"));
	} catch (error) {
		throw new DeployConfigError(
			`partners: cannot read ${partnersFile}: ${error instanceof Error ? error.message : String(error)}`,
		);
	}
	const partners = parsePartners(raw, stage, partnersFile);

	return {
		stage,
		disposable: stage === DISPOSABLE_STAGE,
		...(domain ? { domain } : {}),
		...(alarmEmail ? { alarmEmail } : {}),
		...(hubUrl ? { hubUrl } : {}),
		partners,
	};
}
