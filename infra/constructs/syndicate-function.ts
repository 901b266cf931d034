import { Duration, RemovalPolicy } from "aws-cdk-lib";
import type { ITable, ITableV2 } from "aws-cdk-lib/aws-dynamodb";
import { PolicyDocument, PolicyStatement, Role, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import { Architecture, Runtime } from "aws-cdk-lib/aws-lambda";
import {
	type BundlingOptions,
	NodejsFunction,
	type NodejsFunctionProps,
	OutputFormat,
} from "aws-cdk-lib/aws-lambda-nodejs";
import { LogGroup, RetentionDays } from "aws-cdk-lib/aws-logs";
import type { Construct } from "constructs";
import { tableKeys } from "../../shared/adapters/dynamodb/table.ts";

/**
 * How every function is bundled (the AWS SDK stays external: the runtime has it). Exported so
 * the bundle budget test and the cold-start bench build exactly what is deployed.
 */
export const syndicateBundling = {
	format: OutputFormat.ESM,
	minify: true,
	// Shipped beside the bundle (linked) for reading stack traces; Node loads it only when
	// started with --enable-source-maps, which costs import time on every cold start.
	sourceMap: true,
	target: "node24",
	mainFields: ["module", "main"],
	// ESM bundles have no `require`; CommonJS dependencies bundled into them require Node's
	// built-in modules through it.
	banner: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
} satisfies BundlingOptions;

export interface SyndicateFunctionProps
	extends Pick<
		NodejsFunctionProps,
		"entry" | "description" | "timeout" | "memorySize" | "functionName"
	> {
	environment?: Record<string, string>;
	/** What happens to the function's log group when its stack is deleted (default: destroy). */
	logRemovalPolicy?: RemovalPolicy;
}

/**
 * The item-level actions the stores use on the table and its index: reads, conditional
 * writes, transactions' items and batches; no scans, no table administration.
 */
export function tableItemAccess(table: ITable | ITableV2): PolicyStatement {
	return new PolicyStatement({
		actions: [
			"dynamodb:GetItem",
			"dynamodb:BatchGetItem",
			"dynamodb:PutItem",
			"dynamodb:UpdateItem",
			"dynamodb:DeleteItem",
			"dynamodb:BatchWriteItem",
			"dynamodb:Query",
			"dynamodb:ConditionCheckItem",
		],
		resources: [table.tableArn, `${table.tableArn}/index/${tableKeys.gsi1.name}`],
	});
}

/** Our Lambda defaults: Node 24 on arm64, a minified ESM bundle, logs kept a month. */
export class SyndicateFunction extends NodejsFunction {
	/** The function's own role, for acknowledging findings on its policies. */
	readonly executionRole: Role;

	constructor(scope: Construct, id: string, props: SyndicateFunctionProps) {
		const logGroup = new LogGroup(scope, `${id}Logs`, {
			retention: RetentionDays.ONE_MONTH,
			removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.DESTROY,
		});
		// Our own role instead of AWSLambdaBasicExecutionRole: logs to this function's group only.
		const role = new Role(scope, `${id}Role`, {
			assumedBy: new ServicePrincipal("lambda.amazonaws.com"),
			inlinePolicies: {
				logs: new PolicyDocument({
					statements: [
						new PolicyStatement({
							actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
							resources: [logGroup.logGroupArn],
						}),
					],
				}),
			},
		});
		super(scope, id, {
			role,
			...(props.functionName ? { functionName: props.functionName } : {}),
			entry: props.entry,
			description: props.description,
			runtime: Runtime.NODEJS_24_X,
			architecture: Architecture.ARM_64,
			memorySize: props.memorySize ?? 1024,
			timeout: props.timeout ?? Duration.seconds(60),
			logGroup,
			environment: { ...props.environment },
			depsLockFilePath: "package-lock.json",
			bundling: syndicateBundling,
		});
		this.executionRole = role;
	}

	/** Grants the item-level actions the stores use (no scans, no table admin) and sets TABLE_NAME. */
	bindTable(table: ITable | ITableV2): void {
		this.addToRolePolicy(tableItemAccess(table));
		this.addEnvironment("TABLE_NAME", table.tableName);
	}
}
