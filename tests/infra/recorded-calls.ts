import { readFileSync } from "node:fs";
import type { RecordedCall } from "#shared/adapters/aws/record-calls.ts";
import { ACCOUNT, decide, type iamModel, type Principal, REGION } from "./iam-model.ts";

/** One request IAM authorizes: an action on a resource, with the condition keys it carries. */
export interface IamRequest {
	action: string;
	resource: string;
	context?: Record<string, string>;
	/** What the request stands for, for a denial's message. */
	why: string;
}

export function readRecordedCalls(file: string): RecordedCall[] {
	let text = "";
	try {
		text = readFileSync(file, "utf8");
	} catch {
		return [];
	}
	return text
		.split("\n")
		.filter((line) => line.trim() !== "")
		.map((line) => JSON.parse(line) as RecordedCall);
}

/** How the names the local stack uses map to a deployed stage's resources. */
export interface NameMap {
	buckets: Record<string, string>;
	tables: Record<string, string>;
	/** Queue URL to queue ARN. */
	queues: Record<string, string>;
	/** The distribution id the functions were given, to the deployed one. */
	distributions: Record<string, string>;
	/** CloudFormation stack names the CLI may read. */
	stacks?: Record<string, string>;
}

const MISSING = new Set(["NoSuchKey", "NotFound"]);

// S3's object-level calls and the action each needs (a version id adds the *Version action).
const S3_OBJECT_ACTIONS: Record<string, { action: string; versioned: string }> = {
	GetObject: { action: "s3:GetObject", versioned: "s3:GetObjectVersion" },
	HeadObject: { action: "s3:GetObject", versioned: "s3:GetObjectVersion" },
	PutObject: { action: "s3:PutObject", versioned: "s3:PutObject" },
	DeleteObject: { action: "s3:DeleteObject", versioned: "s3:DeleteObjectVersion" },
};

// DynamoDB operations and the action each needs; transactions need their items' actions.
const DYNAMODB_ACTIONS: Record<string, string> = {
	GetItem: "dynamodb:GetItem",
	PutItem: "dynamodb:PutItem",
	UpdateItem: "dynamodb:UpdateItem",
	DeleteItem: "dynamodb:DeleteItem",
	Query: "dynamodb:Query",
	Scan: "dynamodb:Scan",
	BatchGetItem: "dynamodb:BatchGetItem",
	BatchWriteItem: "dynamodb:BatchWriteItem",
	Put: "dynamodb:PutItem",
	Update: "dynamodb:UpdateItem",
	Delete: "dynamodb:DeleteItem",
	ConditionCheck: "dynamodb:ConditionCheckItem",
	Get: "dynamodb:GetItem",
};

const SQS_ACTIONS: Record<string, string> = {
	SendMessageBatch: "sqs:SendMessage",
	DeleteMessageBatch: "sqs:DeleteMessage",
	ChangeMessageVisibilityBatch: "sqs:ChangeMessageVisibility",
};

function mapped(map: Record<string, string>, name: unknown, what: string): string {
	const found = map[String(name)];
	if (!found) throw new Error(`no deployed ${what} for the local ${what} ${String(name)}`);
	return found;
}

/**
 * The IAM requests one recorded call makes in AWS. A read the local S3 answered with a missing
 * key also needs `s3:ListBucket` on the bucket: without it S3 answers 403, not 404, and the
 * code that expects "missing" would see "access denied".
 */
export function iamRequestsOf(call: RecordedCall, names: NameMap): IamRequest[] {
	const { input, operation } = call;
	const why = `${call.caller} ${operation} ${JSON.stringify(input)}`;
	switch (call.service) {
		case "s3": {
			const bucket = mapped(names.buckets, input.Bucket, "bucket");
			const bucketArn = `arn:aws:s3:::${bucket}`;
			const object = (key: unknown) => `${bucketArn}/${String(key)}`;
			const objectCall = S3_OBJECT_ACTIONS[operation];
			if (objectCall) {
				const requests: IamRequest[] = [
					{
						action: input.VersionId ? objectCall.versioned : objectCall.action,
						resource: object(input.Key),
						why,
					},
				];
				// S3 documents the ListBucket check behind a 404 without condition keys: a grant
				// scoped by s3:prefix is not relied on to pass it.
				if (MISSING.has(call.outcome)) {
					requests.push({
						action: "s3:ListBucket",
						resource: bucketArn,
						why: `${why}, answered 404 only with s3:ListBucket`,
					});
				}
				return requests;
			}
			if (operation === "DeleteObjects") {
				const { Objects } = input.Delete as { Objects: { Key: string }[] };
				return Objects.map(({ Key: key }) => ({
					action: "s3:DeleteObject",
					resource: object(key),
					why,
				}));
			}
			if (operation === "ListObjectsV2" || operation === "ListObjects") {
				return [
					{
						action: "s3:ListBucket",
						resource: bucketArn,
						context: { "s3:prefix": String(input.Prefix ?? "") },
						why,
					},
				];
			}
			if (operation === "ListObjectVersions") {
				return [
					{
						action: "s3:ListBucketVersions",
						resource: bucketArn,
						context: { "s3:prefix": String(input.Prefix ?? "") },
						why,
					},
				];
			}
			throw new Error(`no IAM mapping for S3 ${operation}`);
		}
		case "dynamodb": {
			const tableArn = (name: unknown) =>
				`arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${mapped(names.tables, name, "table")}`;
			if (operation === "TransactWriteItems" || operation === "TransactGetItems") {
				const items = input.TransactItems as Record<string, { TableName: string }>[];
				return items.flatMap((item) =>
					Object.entries(item).map(([kind, { TableName }]) => ({
						action: mapped(DYNAMODB_ACTIONS, kind, "transaction item"),
						resource: tableArn(TableName),
						why,
					})),
				);
			}
			const action = mapped(DYNAMODB_ACTIONS, operation, "DynamoDB operation");
			if (operation === "BatchGetItem" || operation === "BatchWriteItem") {
				return Object.keys(input.RequestItems as object).map((table) => ({
					action,
					resource: tableArn(table),
					why,
				}));
			}
			const table = tableArn(input.TableName);
			return [
				{ action, resource: input.IndexName ? `${table}/index/${input.IndexName}` : table, why },
			];
		}
		case "cloudfront":
			return [
				{
					action: `cloudfront:${operation}`,
					resource: `arn:aws:cloudfront::${ACCOUNT}:distribution/${mapped(names.distributions, input.DistributionId, "distribution")}`,
					why,
				},
			];
		case "sqs":
			return [
				{
					action: SQS_ACTIONS[operation] ?? `sqs:${operation}`,
					resource: mapped(names.queues, input.QueueUrl, "queue"),
					why,
				},
			];
		case "sts":
			return [{ action: `sts:${operation}`, resource: String(input.RoleArn), why }];
		case "cloudformation":
			return [
				{
					action: `cloudformation:${operation}`,
					// A stack's ARN ends with its id; any will do.
					resource: `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/${mapped(names.stacks ?? {}, input.StackName, "stack")}/8c1e3a50-0f6d-11f0-9a8f-0a1b2c3d4e5f`,
					why,
				},
			];
	}
}

/** A request its principal may not make, and why it was made. */
export interface Denial {
	caller: string;
	action: string;
	resource: string;
	decision: string;
	why: string;
}

/**
 * Decides every distinct request of the recorded calls as IAM would for the principal of its
 * caller, with the bucket's policy where the resource is a bucket or an object in one.
 */
export async function denialsOf(
	calls: readonly RecordedCall[],
	names: NameMap,
	principals: Partial<Record<RecordedCall["caller"], Principal>>,
	model: ReturnType<typeof iamModel>,
): Promise<{ denials: Denial[]; requests: number }> {
	const seen = new Map<string, { caller: RecordedCall["caller"]; request: IamRequest }>();
	for (const call of calls) {
		if (call.caller === "local") continue;
		for (const request of iamRequestsOf(call, names)) {
			const key = JSON.stringify([call.caller, request.action, request.resource, request.context]);
			if (!seen.has(key)) seen.set(key, { caller: call.caller, request });
		}
	}
	const denials: Denial[] = [];
	const bucketPolicies = new Map<string, unknown>();
	for (const { caller, request } of seen.values()) {
		const principal = principals[caller];
		if (!principal) throw new Error(`no principal for caller ${caller}`);
		const bucket = /^arn:aws:s3:::([^/]+)/.exec(request.resource)?.[1];
		let resourcePolicy: unknown;
		if (bucket) {
			if (!bucketPolicies.has(bucket)) bucketPolicies.set(bucket, model.bucketPolicy(bucket));
			resourcePolicy = bucketPolicies.get(bucket);
		}
		const decision = await decide(
			principal,
			request.action,
			request.resource,
			resourcePolicy,
			request.context,
		);
		if (decision !== "Allowed") {
			denials.push({
				caller,
				action: request.action,
				resource: request.resource,
				decision,
				why: request.why,
			});
		}
	}
	return { denials, requests: seen.size };
}
