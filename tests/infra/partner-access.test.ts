import { readFileSync } from "node:fs";
import { join } from "node:path";
import { runSimulation, type Simulation } from "@cloud-copilot/iam-simulate";
import type { Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { type PartnerConfig, parsePartners, partnerRoleName } from "../../infra/config.ts";
import { synthesize } from "./synth.ts";

// The synthesized templates are evaluated as IAM would see them once deployed in this account
// and region: the intrinsic functions CloudFormation resolves are resolved here the same way.
const ACCOUNT = "123456789012";
const REGION = "eu-west-1";
const STAGE = "dev";

const partners: PartnerConfig[] = parsePartners(
	JSON.parse(readFileSync(join(import.meta.dirname, "../../infra/partners.json"), "utf8")),
	STAGE,
	"infra/partners.json",
);

type Json = unknown;
type Resources = Record<string, { Type: string; Properties: Record<string, Json> }>;

/**
 * Resolves Ref, Fn::GetAtt, Fn::Join and Fn::ImportValue of one template into the strings IAM
 * evaluates. Buckets and roles resolve to their real names; other resources (log groups, the
 * distribution, the imported table) to ARNs that stand for them, unique by logical id.
 */
function resolver(template: Template) {
	const resources = template.toJSON().Resources as Resources;
	const pseudo: Record<string, string> = {
		"AWS::Partition": "aws",
		"AWS::AccountId": ACCOUNT,
		"AWS::Region": REGION,
		"AWS::URLSuffix": "amazonaws.com",
	};
	function resolve(value: Json): Json {
		if (Array.isArray(value)) return value.map(resolve);
		if (typeof value !== "object" || value === null) return value;
		const node = value as Record<string, Json>;
		if ("Ref" in node) {
			const ref = node.Ref as string;
			if (ref in pseudo) return pseudo[ref];
			const resource = resources[ref];
			if (resource?.Type === "AWS::S3::Bucket") return resolve(resource.Properties.BucketName);
			if (resource) return ref;
			throw new Error(`cannot resolve Ref ${ref}`);
		}
		if ("Fn::GetAtt" in node) {
			const [id, attribute] = node["Fn::GetAtt"] as [string, string];
			const resource = resources[id];
			if (resource?.Type === "AWS::S3::Bucket" && attribute === "Arn") {
				return `arn:aws:s3:::${resolve(resource.Properties.BucketName)}`;
			}
			if (resource?.Type === "AWS::IAM::Role" && attribute === "Arn") {
				return `arn:aws:iam::${ACCOUNT}:role/${resource.Properties.RoleName ?? id}`;
			}
			if (resource?.Type === "AWS::Logs::LogGroup" && attribute === "Arn") {
				return `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${id}:*`;
			}
			throw new Error(`cannot resolve Fn::GetAtt ${id}.${attribute}`);
		}
		if ("Fn::Join" in node) {
			const [separator, parts] = node["Fn::Join"] as [string, Json[]];
			return parts.map(resolve).join(separator);
		}
		if ("Fn::ImportValue" in node) {
			const name = String(node["Fn::ImportValue"]);
			// The Data stack exports the table's ARN and name to the App stack.
			return name.includes("Arn")
				? `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/Syndicate-${STAGE}-Table`
				: `Syndicate-${STAGE}-Table`;
		}
		return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, resolve(v)]));
	}
	return resolve;
}

let resolveData: (value: Json) => Json;
let resolveApp: (value: Json) => Json;
let data: Resources;
let app: Resources;

beforeAll(() => {
	const stacks = synthesize({ stage: STAGE });
	data = stacks.dataTemplate.toJSON().Resources as Resources;
	app = stacks.appTemplate.toJSON().Resources as Resources;
	resolveData = resolver(stacks.dataTemplate);
	resolveApp = resolver(stacks.appTemplate);
});

function bucketName(prefix: string): string {
	return `syndicate-${STAGE}-${prefix}-${ACCOUNT}-${REGION}`;
}

/** The resolved policy of the bucket with this name. */
function bucketPolicy(name: string): Json {
	const policy = Object.values(data).find(
		(r) => r.Type === "AWS::S3::BucketPolicy" && resolveData(r.Properties.Bucket) === name,
	);
	if (!policy) throw new Error(`no policy for bucket ${name}`);
	return resolveData(policy.Properties.PolicyDocument);
}

/** The resolved inline and attached identity policies of the first role of a stack that matches. */
function rolePolicies(
	stack: "data" | "app",
	match: (id: string, role: Record<string, Json>) => boolean,
) {
	const all = stack === "data" ? data : app;
	const resolve = stack === "data" ? resolveData : resolveApp;
	const [roleId, role] =
		Object.entries(all).find(([id, r]) => r.Type === "AWS::IAM::Role" && match(id, r.Properties)) ??
		[];
	if (!roleId || !role) throw new Error("no such role");
	const inline = (
		(role.Properties.Policies ?? []) as { PolicyName: string; PolicyDocument: Json }[]
	).map((p) => ({ name: p.PolicyName, policy: resolve(p.PolicyDocument) }));
	const attached = Object.entries(all)
		.filter(
			([, r]) =>
				r.Type === "AWS::IAM::Policy" &&
				JSON.stringify(r.Properties.Roles) === JSON.stringify([{ Ref: roleId }]),
		)
		.map(([id, r]) => ({ name: id, policy: resolve(r.Properties.PolicyDocument) }));
	return {
		identityPolicies: [...inline, ...attached],
		trustPolicy: resolve(role.Properties.AssumeRolePolicyDocument),
	};
}

function partnerRole(partnerId: string) {
	const name = partnerRoleName(STAGE, partnerId);
	return {
		arn: `arn:aws:iam::${ACCOUNT}:role/${name}`,
		session: `arn:aws:sts::${ACCOUNT}:assumed-role/${name}/upload-session`,
		...rolePolicies("data", (_, role) => role.RoleName === name),
	};
}

interface Caller {
	/** The request's principal (a session ARN for a role). */
	principal: string;
	/** What `aws:PrincipalArn` is for this caller (the role's ARN for a role session). */
	principalArn: string;
	identityPolicies: { name: string; policy: Json }[];
}

async function decide(
	caller: Caller,
	action: string,
	resource: string,
	resourcePolicy: Json,
	context: Record<string, string> = {},
): Promise<string> {
	const simulation: Simulation = {
		request: {
			principal: caller.principal,
			action,
			resource: { resource, accountId: ACCOUNT },
			contextVariables: {
				"aws:PrincipalArn": caller.principalArn,
				"aws:PrincipalAccount": ACCOUNT,
				"aws:SecureTransport": "true",
				...context,
			},
		},
		identityPolicies: caller.identityPolicies,
		serviceControlPolicies: [],
		resourceControlPolicies: [],
		resourcePolicy,
	};
	const result = await runSimulation(simulation, {});
	if (result.resultType === "error") throw new Error(JSON.stringify(result.errors));
	return result.overallResult;
}

const ingest = () => `arn:aws:s3:::${bucketName("ingest")}`;

describe.each(partners.map((p) => [p.id, p] as const))("partner %s", (id) => {
	const other = partners.find((p) => p.id !== id)?.id ?? "someone-else";
	let caller: Caller;
	let policy: Json;

	beforeAll(() => {
		const role = partnerRole(id);
		caller = {
			principal: role.session,
			principalArn: role.arn,
			identityPolicies: role.identityPolicies,
		};
		policy = bucketPolicy(bucketName("ingest"));
	});

	it("may upload under its own incoming/ prefix", async () => {
		expect(await decide(caller, "s3:PutObject", `${ingest()}/incoming/${id}/x.zip`, policy)).toBe(
			"Allowed",
		);
	});

	it("may read its own reports", async () => {
		expect(
			await decide(caller, "s3:GetObject", `${ingest()}/reports/${id}/x.zip.json`, policy),
		).toBe("Allowed");
	});

	it.each(["incoming", "reports"])("may list its own %s/ prefix", async (area) => {
		for (const prefix of [`${area}/${id}/`, `${area}/${id}/2026/`]) {
			expect(await decide(caller, "s3:ListBucket", ingest(), policy, { "s3:prefix": prefix })).toBe(
				"Allowed",
			);
		}
	});

	it("may not list the bucket, another partner's prefixes or prefixes that only start like its own", async () => {
		for (const prefix of [
			"",
			"incoming/",
			`incoming/${other}/`,
			`reports/${other}/`,
			`incoming/${id}-x/`,
			"archive/",
		]) {
			expect(
				await decide(caller, "s3:ListBucket", ingest(), policy, { "s3:prefix": prefix }),
			).not.toBe("Allowed");
		}
		expect(await decide(caller, "s3:ListBucket", ingest(), policy)).not.toBe("Allowed");
	});

	it("may not touch another partner's uploads or reports, nor archive/ or content/", async () => {
		const denied: [string, string][] = [
			["s3:PutObject", `incoming/${other}/x.zip`],
			["s3:GetObject", `incoming/${other}/x.zip`],
			["s3:GetObject", `reports/${other}/x.zip.json`],
			["s3:PutObject", `reports/${id}/x.zip.json`],
			["s3:PutObject", `incoming/${id}-x/x.zip`],
			["s3:GetObject", `archive/${id}/x.zip`],
			["s3:PutObject", `archive/${id}/x.zip`],
			["s3:GetObject", `content/${id}/a1/body.html`],
			["s3:PutObject", `content/${id}/a1/body.html`],
			["s3:GetObject", `incoming/${id}/x.zip`],
		];
		for (const [action, key] of denied) {
			expect(
				`${action} ${key}: ${await decide(caller, action, `${ingest()}/${key}`, policy)}`,
			).toBe(`${action} ${key}: ImplicitlyDenied`);
		}
	});

	it("may not delete, set ACLs on or read versions of even its own uploads", async () => {
		for (const action of [
			"s3:DeleteObject",
			"s3:DeleteObjectVersion",
			"s3:PutObjectAcl",
			"s3:GetObjectVersion",
			"s3:PutObjectTagging",
		]) {
			expect(await decide(caller, action, `${ingest()}/incoming/${id}/x.zip`, policy)).toBe(
				"ImplicitlyDenied",
			);
		}
	});

	it.each(["site", "logs"])("may not read or write the %s bucket", async (bucket) => {
		const name = bucketName(bucket);
		const resourcePolicy = bucketPolicy(name);
		for (const action of ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]) {
			for (const key of [
				"index.html",
				`incoming/${id}/x.zip`,
				`cloudfront/E1.2026-01-01-00.a.gz`,
			]) {
				expect(await decide(caller, action, `arn:aws:s3:::${name}/${key}`, resourcePolicy)).toBe(
					"ImplicitlyDenied",
				);
			}
		}
		expect(
			await decide(caller, "s3:ListBucket", `arn:aws:s3:::${name}`, resourcePolicy, {
				"s3:prefix": `incoming/${id}/`,
			}),
		).toBe("ImplicitlyDenied");
	});

	it("is assumable from the partner's account with its external id only", async () => {
		const partner = partners.find((p) => p.id === id) as PartnerConfig;
		const { trustPolicy, arn } = partnerRole(id);
		const assume = async (account: string, externalId?: string) => {
			const simulation: Simulation = {
				request: {
					principal: `arn:aws:iam::${account}:role/uploader`,
					action: "sts:AssumeRole",
					resource: { resource: arn, accountId: ACCOUNT },
					contextVariables: {
						"aws:PrincipalArn": `arn:aws:iam::${account}:role/uploader`,
						"aws:PrincipalAccount": account,
						...(externalId ? { "sts:ExternalId": externalId } : {}),
					},
				},
				identityPolicies: [
					{
						name: "may-assume",
						policy: {
							Version: "2012-10-17",
							Statement: [{ Effect: "Allow", Action: "sts:AssumeRole", Resource: arn }],
						},
					},
				],
				serviceControlPolicies: [],
				resourceControlPolicies: [],
				resourcePolicy: trustPolicy,
			};
			const result = await runSimulation(simulation, {});
			if (result.resultType === "error") throw new Error(JSON.stringify(result.errors));
			return result.overallResult;
		};
		expect(await assume(partner.accountId, partner.externalId)).toBe("Allowed");
		expect(await assume(partner.accountId, `${partner.externalId}-wrong`)).not.toBe("Allowed");
		expect(await assume(partner.accountId)).not.toBe("Allowed");
		expect(await assume("999988887777", partner.externalId)).not.toBe("Allowed");
	});
});

describe("the ingest bucket's policy", () => {
	const admin: () => Caller = () => ({
		principal: `arn:aws:sts::${ACCOUNT}:assumed-role/Admin/ops`,
		principalArn: `arn:aws:iam::${ACCOUNT}:role/Admin`,
		identityPolicies: [
			{
				name: "AdministratorAccess",
				policy: {
					Version: "2012-10-17",
					Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }],
				},
			},
		],
	});

	it.each(partners.map((p) => p.id))(
		"denies an upload under incoming/%s/ to a principal that is not that partner's role, however powerful",
		async (id) => {
			const policy = bucketPolicy(bucketName("ingest"));
			expect(
				await decide(admin(), "s3:PutObject", `${ingest()}/incoming/${id}/x.zip`, policy),
			).toBe("ExplicitlyDenied");
			// The deny is exactly that: the same admin still reads uploads and writes elsewhere.
			expect(
				await decide(admin(), "s3:GetObject", `${ingest()}/incoming/${id}/x.zip`, policy),
			).toBe("Allowed");
			expect(await decide(admin(), "s3:PutObject", `${ingest()}/archive/${id}/x.zip`, policy)).toBe(
				"Allowed",
			);
		},
	);

	it("denies uploads over plain HTTP, even to a partner role", async () => {
		const [partner] = partners;
		if (!partner) return;
		const role = partnerRole(partner.id);
		const caller = {
			principal: role.session,
			principalArn: role.arn,
			identityPolicies: role.identityPolicies,
		};
		expect(
			await decide(
				caller,
				"s3:PutObject",
				`${ingest()}/incoming/${partner.id}/x.zip`,
				bucketPolicy(bucketName("ingest")),
				{
					"aws:SecureTransport": "false",
				},
			),
		).toBe("ExplicitlyDenied");
	});

	it("leaves the ingest function its own writes (archive/, content/, reports/) and no uploads", async () => {
		const role = rolePolicies("app", (id) => id.startsWith("IngestRole"));
		const caller: Caller = {
			principal: `arn:aws:sts::${ACCOUNT}:assumed-role/IngestRole/Syndicate-${STAGE}-Ingest`,
			principalArn: `arn:aws:iam::${ACCOUNT}:role/IngestRole`,
			identityPolicies: role.identityPolicies,
		};
		const policy = bucketPolicy(bucketName("ingest"));
		const [partner] = partners;
		const id = partner?.id ?? "science-news";
		for (const key of [
			`archive/${id}/x.zip`,
			`content/${id}/a1/body.html`,
			`reports/${id}/x.zip.json`,
		]) {
			expect(await decide(caller, "s3:PutObject", `${ingest()}/${key}`, policy)).toBe("Allowed");
		}
		expect(
			await decide(caller, "s3:GetObjectVersion", `${ingest()}/incoming/${id}/x.zip`, policy),
		).toBe("Allowed");
		expect(await decide(caller, "s3:PutObject", `${ingest()}/incoming/${id}/x.zip`, policy)).toBe(
			"ExplicitlyDenied",
		);
	});
});

describe("roles per partner in the template", () => {
	it("has exactly one role per partner of infra/partners.json, with its ARN as an output", () => {
		const roles = Object.values(data)
			.filter(
				(r) =>
					r.Type === "AWS::IAM::Role" && String(r.Properties.RoleName ?? "").includes("-Partner-"),
			)
			.map((r) => r.Properties.RoleName);
		expect(roles.sort()).toEqual(partners.map((p) => partnerRoleName(STAGE, p.id)).sort());
		expect(partners.length).toBeGreaterThanOrEqual(2);
	});

	it("gives each role three statements, no managed policies and a one-hour session", () => {
		for (const partner of partners) {
			const role = Object.values(data).find(
				(r) =>
					r.Type === "AWS::IAM::Role" &&
					r.Properties.RoleName === partnerRoleName(STAGE, partner.id),
			);
			expect(role?.Properties.ManagedPolicyArns).toBeUndefined();
			expect(role?.Properties.MaxSessionDuration).toBe(3600);
			const { identityPolicies } = partnerRole(partner.id);
			expect(identityPolicies).toHaveLength(1);
			const [inline] = identityPolicies;
			const statements = (inline?.policy as { Statement: { Action: string }[] } | undefined)
				?.Statement;
			expect(statements?.map((s) => s.Action)).toEqual([
				"s3:PutObject",
				"s3:GetObject",
				"s3:ListBucket",
			]);
		}
	});
});
