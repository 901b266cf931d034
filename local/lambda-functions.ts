import { CALL_LOG_VARIABLE } from "#shared/adapters/aws/record-calls.ts";
import type { EnvironmentValue, FunctionShape } from "./function-shapes.ts";
import type { FunctionBuild } from "./lambda-build.ts";
import { LambdaFunction } from "./lambda-runtime.ts";

/** How many containers each function may have at once locally, unless told otherwise. */
export const DEFAULT_LAMBDA_CONCURRENCY = 4;

/** The local stand-ins for what a function's environment refers to. */
export interface LocalResources {
	/** By the construct id of the bucket in the data stack: `Ingest`, `Site`, `Logs`. */
	buckets: Record<string, string>;
	table: string;
	siteUrl: string;
	region: string;
	/** The variables that point the SDK at the local servers (endpoints, credentials, checksums). */
	sdk: Record<string, string>;
	/** The WebSub hub (`SYNDICATE_HUB_URL`), given to every function as HUB_URL, as `-c hubUrl` is in AWS. */
	hubUrl?: string;
}

/**
 * Variables of the template the local stack leaves out, and why: what they switch on has no
 * local counterpart.
 */
export const NOT_LOCAL: Record<string, string> = {
	DISTRIBUTION_ID:
		"there is no CloudFront distribution to invalidate: the local edge keeps no cache",
	COMPRESSED_VARIANTS: "the local edge compresses every response itself",
};

/**
 * Variables of this process a container gets too: log level and metrics switches, the file
 * every SDK call is recorded to when a test or benchmark records them, and the compressed
 * copies a benchmark turns on to write as deployed.
 */
const PASSED_THROUGH = [
	"AWS_LAMBDA_LOG_LEVEL",
	"POWERTOOLS_LOG_LEVEL",
	"POWERTOOLS_DEV",
	"POWERTOOLS_METRICS_DISABLED",
	CALL_LOG_VARIABLE,
	"COMPRESSED_VARIANTS",
];

function localValueOf(name: string, value: EnvironmentValue, local: LocalResources): string {
	if (typeof value === "string") return value;
	if ("bucket" in value) {
		const bucket = local.buckets[value.bucket];
		if (!bucket) throw new Error(`${name}: no local bucket stands for ${value.bucket}`);
		return bucket;
	}
	if ("table" in value) return local.table;
	if ("siteUrl" in value) return local.siteUrl;
	throw new Error(`${name}: ${JSON.stringify(value)} has no local value`);
}

/**
 * A function's process environment in a local container: the template's variables with their
 * references resolved to the local servers' names and URLs, then the SDK's local endpoint and
 * credential variables, and nothing else of this process's environment.
 */
export function localEnvironment(
	shape: FunctionShape,
	local: LocalResources,
): Record<string, string> {
	const environment: Record<string, string> = {};
	for (const [name, value] of Object.entries(shape.environment)) {
		if (name in NOT_LOCAL) continue;
		environment[name] = localValueOf(name, value, local);
	}
	const passed = Object.fromEntries(
		PASSED_THROUGH.flatMap((name) => {
			const value = process.env[name];
			return value === undefined ? [] : [[name, value]];
		}),
	);
	return {
		...environment,
		...(local.hubUrl ? { HUB_URL: local.hubUrl } : {}),
		...local.sdk,
		// CloudWatch reads metrics from the logs in AWS; locally they would only bury the logs.
		POWERTOOLS_METRICS_DISABLED: "true",
		...passed,
	};
}

/** Each function of the template, run in local containers of its own. */
export function localFunctions(
	shapes: readonly FunctionShape[],
	build: FunctionBuild,
	local: LocalResources,
	options: { maxContainers: number; debug?: (line: string) => void },
): Map<string, LambdaFunction> {
	return new Map(
		shapes.map((shape) => [
			shape.id,
			new LambdaFunction({
				functionName: shape.functionName,
				bundle: build.bundleOf(shape.entry),
				handler: shape.handler,
				shim: build.shim,
				timeoutSeconds: shape.timeoutSeconds,
				memorySize: shape.memorySize,
				runtime: shape.runtime,
				region: local.region,
				environment: localEnvironment(shape, local),
				// The event source mapping's MaximumConcurrency bounds it in AWS; the laptop, here.
				maxContainers: Math.max(
					1,
					Math.min(options.maxContainers, shape.queue?.maxConcurrency ?? options.maxContainers),
				),
				...(options.debug ? { debug: options.debug } : {}),
			}),
		]),
	);
}

/** The shape of the function with this construct id, or an error naming what the template has. */
export function shapeOf(shapes: readonly FunctionShape[], id: string): FunctionShape {
	const shape = shapes.find((s) => s.id === id);
	if (!shape)
		throw new Error(
			`the template has no function ${id} (it has ${shapes.map((s) => s.id).join(", ")})`,
		);
	return shape;
}
