import { readFileSync } from "node:fs";
import { join } from "node:path";
import { runSimulation, type Simulation } from "@cloud-copilot/iam-simulate";
import { beforeAll, describe, expect, it } from "vitest";
import { type PartnerConfig, parsePartners, partnerRoleName } from "../../infra/config.ts";
import { ACCOUNT, decide, iamModel, type Principal } from "./iam-model.ts";

const STAGE = "dev";

const partners: PartnerConfig[] = parsePartners(
	JSON.parse(readFileSync(join(import.meta.dirname, "../../infra/partners.json"), "utf8")),
	STAGE,
	"infra/partners.json",
);

type Json = unknown;
type Caller = Principal;

let model: ReturnType<typeof iamModel>;
beforeAll(() => {
	model = iamModel(STAGE);
});

const bucketName = (kind: string) => model.bucketName(kind);
const bucketPolicy = (name: string) => model.bucketPolicy(name);
const rolePolicies: ReturnType<typeof iamModel>["rolePolicies"] = (side, match) =>
	model.rolePolicies(side, match);

function partnerRole(partnerId: string) {
	const name = partnerRoleName(STAGE, partnerId);
	return {
		arn: `arn:aws:iam::${ACCOUNT}:role/${name}`,
		session: `arn:aws:sts::${ACCOUNT}:assumed-role/${name}/upload-session`,
		...rolePolicies("data", (_, role) => role.RoleName === name),
	};
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
		const roles = Object.values(model.resources.data)
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
			const role = Object.values(model.resources.data).find(
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
