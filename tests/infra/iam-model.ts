import { runSimulation, type Simulation } from "@cloud-copilot/iam-simulate";
import type { Template } from "aws-cdk-lib/assertions";
import { synthesize } from "./synth.ts";

// The synthesized templates are evaluated as IAM would see them once deployed in this account
// and region: the intrinsic functions CloudFormation resolves are resolved here the same way.
export const ACCOUNT = "123456789012";
export const REGION = "eu-west-1";

type Json = unknown;
type Resources = Record<string, { Type: string; Properties: Record<string, Json> }>;
export interface NamedPolicy {
	name: string;
	policy: Json;
}

/** Who makes a request: the principal, `aws:PrincipalArn`, and the policies of its identity. */
export interface Principal {
	/** The request's principal (a session ARN for a role). */
	principal: string;
	/** What `aws:PrincipalArn` is for this caller (the role's ARN for a role session). */
	principalArn: string;
	identityPolicies: NamedPolicy[];
}

const noImports = (name: string): Json => {
	throw new Error(`cannot resolve Fn::ImportValue ${name}`);
};

/**
 * Resolves Ref, Fn::GetAtt, Fn::Join and Fn::ImportValue of one template into the strings IAM
 * evaluates. Buckets, queues, the table and roles resolve to their real names; other resources
 * (log groups, the distribution) to ARNs or ids that stand for them, unique by logical id.
 */
function resolver(template: Template, imports: (name: string) => Json = noImports) {
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
			if (resource?.Type === "AWS::SQS::Queue") {
				return `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${resolve(resource.Properties.QueueName) ?? ref}`;
			}
			if (resource?.Type === "AWS::DynamoDB::GlobalTable") {
				return resolve(resource.Properties.TableName);
			}
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
			if (resource?.Type === "AWS::SQS::Queue" && attribute === "Arn") {
				return `arn:aws:sqs:${REGION}:${ACCOUNT}:${resolve(resource.Properties.QueueName) ?? id}`;
			}
			if (resource?.Type === "AWS::DynamoDB::GlobalTable" && attribute === "Arn") {
				return `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${resolve(resource.Properties.TableName)}`;
			}
			throw new Error(`cannot resolve Fn::GetAtt ${id}.${attribute}`);
		}
		if ("Fn::Join" in node) {
			const [separator, parts] = node["Fn::Join"] as [string, Json[]];
			return parts.map(resolve).join(separator);
		}
		if ("Fn::ImportValue" in node) return imports(String(node["Fn::ImportValue"]));
		return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, resolve(v)]));
	}
	return resolve;
}

/**
 * Both stacks of a stage as IAM sees them once deployed: bucket policies, roles with their
 * inline and attached policies, managed policies, and a decision for one request.
 */
export function iamModel(stage: string, context: Record<string, unknown> = {}) {
	const stacks = synthesize({ stage, ...context });
	const templates = { data: stacks.dataTemplate, app: stacks.appTemplate };
	const resources = {
		data: templates.data.toJSON().Resources as Resources,
		app: templates.app.toJSON().Resources as Resources,
	};
	const resolveData = resolver(templates.data);
	// The App stack imports what the Data stack exports: resolved as the Data stack's outputs.
	const outputs = templates.data.toJSON().Outputs as Record<
		string,
		{ Value: Json; Export?: { Name: string } }
	>;
	const exported = (name: string): Json => {
		const output = Object.values(outputs).find((o) => o.Export?.Name === name);
		if (!output) throw new Error(`the Data stack exports no ${name}`);
		return resolveData(output.Value);
	};
	const resolvers = { data: resolveData, app: resolver(templates.app, exported) };
	type Side = keyof typeof resources;

	const bucketName = (kind: string) => `syndicate-${stage}-${kind}-${ACCOUNT}-${REGION}`;

	/** The resolved policy of the bucket with this name. */
	function bucketPolicy(name: string): Json {
		const policy = Object.values(resources.data).find(
			(r) => r.Type === "AWS::S3::BucketPolicy" && resolvers.data(r.Properties.Bucket) === name,
		);
		if (!policy) throw new Error(`no policy for bucket ${name}`);
		return resolvers.data(policy.Properties.PolicyDocument);
	}

	/** The resolved inline and attached identity policies of the first role of a stack that matches. */
	function rolePolicies(side: Side, match: (id: string, role: Record<string, Json>) => boolean) {
		const all = resources[side];
		const resolve = resolvers[side];
		const [roleId, role] =
			Object.entries(all).find(
				([id, r]) => r.Type === "AWS::IAM::Role" && match(id, r.Properties),
			) ?? [];
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
			roleId,
			identityPolicies: [...inline, ...attached] as NamedPolicy[],
			trustPolicy: resolve(role.Properties.AssumeRolePolicyDocument),
		};
	}

	/** The resolved document of the managed policy with this name. */
	function managedPolicy(name: string): NamedPolicy {
		for (const side of ["app", "data"] as const) {
			const found = Object.values(resources[side]).find(
				(r) => r.Type === "AWS::IAM::ManagedPolicy" && r.Properties.ManagedPolicyName === name,
			);
			if (found) return { name, policy: resolvers[side](found.Properties.PolicyDocument) };
		}
		throw new Error(`no managed policy ${name}`);
	}

	/** A function's role, as the function's sessions present it. */
	function functionRole(id: string): Principal {
		const { roleId, identityPolicies } = rolePolicies("app", (logicalId) =>
			logicalId.startsWith(`${id}Role`),
		);
		return {
			principal: `arn:aws:sts::${ACCOUNT}:assumed-role/${roleId}/Syndicate-${stage}-${id}`,
			principalArn: `arn:aws:iam::${ACCOUNT}:role/${roleId}`,
			identityPolicies,
		};
	}

	/** The distribution's id as the App stack's policies name it. */
	function distributionId(): string {
		const [id] =
			Object.entries(resources.app).find(([, r]) => r.Type === "AWS::CloudFront::Distribution") ??
			[];
		if (!id) throw new Error("no distribution in the App stack");
		return String(resolvers.app({ Ref: id }));
	}

	return {
		distributionId,
		resources,
		bucketName,
		bucketPolicy,
		rolePolicies,
		managedPolicy,
		functionRole,
	};
}

/** How IAM decides one request of this principal, given the resource's own policy if any. */
export async function decide(
	caller: Principal,
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
		...(resourcePolicy === undefined ? {} : { resourcePolicy }),
	};
	const result = await runSimulation(simulation, {});
	if (result.resultType === "error") throw new Error(JSON.stringify(result.errors));
	return result.overallResult;
}
