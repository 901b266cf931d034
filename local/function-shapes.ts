import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, rename, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "..");

/**
 * A value of a function's environment as the template gives it, with the references to other
 * resources named by what they stand for: the local stack maps each to its own stand-in.
 */
export type EnvironmentValue =
	| string
	| { bucket: string }
	| { table: true }
	| { siteUrl: true }
	| { distributionId: true };

/** How the SQS event source mapping feeds a function, and the queue it reads. */
export interface QueueSource {
	batchSize: number;
	/** ScalingConfig.MaximumConcurrency: the most invocations the mapping runs at once. */
	maxConcurrency: number;
	reportBatchItemFailures: boolean;
	visibilityTimeoutSeconds: number;
	/** The queue's RedrivePolicy: receives before a message goes to the dead-letter queue. */
	maxReceiveCount: number;
}

/** One deployed function, as the synthesized template declares it. */
export interface FunctionShape {
	/** The construct id, e.g. `Ingest`. */
	id: string;
	/** The folder under functions/ its bundle is built from, e.g. `ingest`. */
	entry: string;
	functionName: string;
	/** `index.handler`: the bundle's file and export. */
	handler: string;
	runtime: string;
	timeoutSeconds: number;
	memorySize: number;
	environment: Record<string, EnvironmentValue>;
	queue?: QueueSource;
	/** The EventBridge rule that runs it, e.g. `rate(1 minute)`. */
	schedule?: { rule: string; expression: string; rateSeconds: number };
}

export interface FunctionShapes {
	/** The stage synthesized. */
	stage: string;
	functions: FunctionShape[];
	/** How long the synth took when the shapes were extracted (not when read from the cache). */
	synthMs: number;
}

type Json = unknown;
interface Resource {
	Type: string;
	Properties?: Record<string, Json>;
	Metadata?: Record<string, Json>;
}
interface Template {
	Resources: Record<string, Resource>;
	Outputs?: Record<string, { Value: Json; Export?: { Name: Json } }>;
}

/** `Ingest4069586C` → `Ingest`: the construct id CDK hashed into a logical id. */
function constructIdOf(logicalId: string): string {
	return logicalId.replace(/[0-9A-F]{8}$/, "");
}

function kebab(id: string): string {
	return id.replace(/([a-z0-9])([A-Z])/g, "$1-$2").toLowerCase();
}

/** `rate(1 minute)` → 60. */
export function rateSeconds(expression: string): number {
	const match = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(expression);
	if (!match) throw new Error(`not a rate expression: ${expression}`);
	const unit = { minute: 60, hour: 3600, day: 86_400 }[match[2]?.replace(/s$/, "") ?? ""] ?? 0;
	return Number(match[1]) * unit;
}

/**
 * Reads every function's shape from the two stacks' templates: handler, timeout, memory,
 * environment (its references named, see `EnvironmentValue`), the SQS event source mapping
 * with its queue's visibility timeout and redrive policy, and the schedule rule's rate.
 */
export function shapesOf(app: Template, data: Template): FunctionShape[] {
	const same = (a: Json, b: Json) => JSON.stringify(a) === JSON.stringify(b);
	const exported = (name: Json): Json => {
		const output = Object.values(data.Outputs ?? {}).find((o) => same(o.Export?.Name, name));
		if (!output) throw new Error(`no export named ${JSON.stringify(name)} in the data stack`);
		return output.Value;
	};
	/** A reference (Ref, GetAtt) into the data stack, through its export. */
	const dataResource = (value: Json): [string, Resource, string | undefined] => {
		const node = value as Record<string, Json>;
		const [id, attribute] =
			"Ref" in node ? [node.Ref as string, undefined] : (node["Fn::GetAtt"] as [string, string]);
		const resource = data.Resources[id];
		if (!resource) throw new Error(`no resource ${id} in the data stack`);
		return [id, resource, attribute];
	};
	const environmentValue = (name: string, value: Json): EnvironmentValue => {
		if (typeof value === "string") return value;
		const node = value as Record<string, Json>;
		const bucket = Object.entries(data.Resources).find(
			([, r]) => r.Type === "AWS::S3::Bucket" && same(r.Properties?.BucketName, value),
		);
		if (bucket) return { bucket: constructIdOf(bucket[0]) };
		if ("Fn::ImportValue" in node) {
			const [, resource, attribute] = dataResource(exported(node["Fn::ImportValue"]));
			if (resource.Type.startsWith("AWS::DynamoDB::") && attribute === undefined)
				return { table: true };
		}
		const appType = (id: string) => app.Resources[id]?.Type;
		if ("Ref" in node && appType(node.Ref as string) === "AWS::CloudFront::Distribution")
			return { distributionId: true };
		if ("Fn::Join" in node) {
			const [separator, parts] = node["Fn::Join"] as [string, Json[]];
			const [scheme, domain] = parts as [Json, Record<string, [string, string]>];
			const getAtt = domain?.["Fn::GetAtt"];
			if (
				separator === "" &&
				parts.length === 2 &&
				scheme === "https://" &&
				getAtt &&
				appType(getAtt[0]) === "AWS::CloudFront::Distribution" &&
				getAtt[1] === "DomainName"
			)
				return { siteUrl: true };
		}
		throw new Error(`cannot map the template's ${name}: ${JSON.stringify(value)}`);
	};

	const resources = Object.entries(app.Resources);
	return resources
		.filter(
			([, r]) => r.Type === "AWS::Lambda::Function" && r.Properties?.Handler === "index.handler",
		)
		.map(([logicalId, resource]) => {
			const p = resource.Properties ?? {};
			const path = String(resource.Metadata?.["aws:cdk:path"] ?? "");
			// `Syndicate-dev-App/Ingest/Resource`: the id given to addFunction.
			const id = path.split("/").at(-2) ?? constructIdOf(logicalId);
			const entry = kebab(id);
			const variables = ((p.Environment as { Variables?: Record<string, Json> })?.Variables ??
				{}) as Record<string, Json>;
			const shape: FunctionShape = {
				id,
				entry,
				functionName: String(p.FunctionName),
				handler: String(p.Handler),
				runtime: String(p.Runtime),
				timeoutSeconds: Number(p.Timeout ?? 3),
				memorySize: Number(p.MemorySize ?? 128),
				environment: Object.fromEntries(
					Object.entries(variables).map(([name, value]) => [name, environmentValue(name, value)]),
				),
			};
			const targets = (ref: Json) => same(ref, { Ref: logicalId });
			const mapping = resources.find(
				([, r]) =>
					r.Type === "AWS::Lambda::EventSourceMapping" && targets(r.Properties?.FunctionName),
			)?.[1].Properties;
			if (mapping) {
				const arn = mapping.EventSourceArn as Record<string, Json>;
				const [, queue, attribute] = dataResource(
					"Fn::ImportValue" in arn ? exported(arn["Fn::ImportValue"]) : arn,
				);
				if (queue.Type !== "AWS::SQS::Queue" || attribute !== "Arn")
					throw new Error(`${id}'s event source is not an SQS queue`);
				const redrive = queue.Properties?.RedrivePolicy as { maxReceiveCount?: number } | undefined;
				shape.queue = {
					batchSize: Number(mapping.BatchSize ?? 10),
					maxConcurrency: Number(
						(mapping.ScalingConfig as { MaximumConcurrency?: number })?.MaximumConcurrency ?? 1000,
					),
					reportBatchItemFailures: ((mapping.FunctionResponseTypes as string[]) ?? []).includes(
						"ReportBatchItemFailures",
					),
					visibilityTimeoutSeconds: Number(queue.Properties?.VisibilityTimeout ?? 30),
					maxReceiveCount: Number(redrive?.maxReceiveCount ?? Number.POSITIVE_INFINITY),
				};
			}
			const [ruleId, rule] =
				resources.find(
					([, r]) =>
						r.Type === "AWS::Events::Rule" &&
						((r.Properties?.Targets as { Arn: Json }[]) ?? []).some((t) =>
							same(t.Arn, { "Fn::GetAtt": [logicalId, "Arn"] }),
						),
				) ?? [];
			if (ruleId && rule?.Properties?.ScheduleExpression) {
				const expression = String(rule.Properties.ScheduleExpression);
				shape.schedule = { rule: ruleId, expression, rateSeconds: rateSeconds(expression) };
			}
			return shape;
		});
}

/** Every file under a folder, recursively, sorted. */
export async function filesUnder(folder: string): Promise<string[]> {
	const entries = await readdir(folder, { withFileTypes: true, recursive: true });
	return entries
		.filter((e) => e.isFile())
		.map((e) => join(e.parentPath, e.name))
		.sort();
}

/** A hash of these files' paths and contents. */
export async function hashOf(files: readonly string[]): Promise<string> {
	const hash = createHash("sha256");
	for (const file of files) {
		hash.update(file.slice(ROOT.length)).update("\0");
		hash.update(await readFile(file)).update("\0");
	}
	return hash.digest("hex").slice(0, 16);
}

const STAGE = "dev";

/** Synthesizes the app (no bundling) and reads the functions' shapes from its templates. */
async function synthShapes(): Promise<FunctionShapes> {
	const started = performance.now();
	const [{ App }, { buildApp }] = await Promise.all([
		import("aws-cdk-lib"),
		import("../infra/app.ts"),
	]);
	const built = buildApp(
		new App({ context: { "aws:cdk:bundling-stacks": [], stage: STAGE }, outdir: undefined }),
	);
	const assembly = built.app.synth();
	const app = assembly.getStackByName(built.stateless.stackName).template as Template;
	const data = assembly.getStackByName(built.stateful.stackName).template as Template;
	const functions = shapesOf(app, data);
	return { stage: STAGE, functions, synthMs: Math.round(performance.now() - started) };
}

/**
 * The functions' shapes, from the synthesized template of the `dev` stage. A synth costs
 * seconds (CDK and cdk-nag), so what it found is kept under `cacheDir`, keyed by a hash of
 * infra/ and the package files: any change there synthesizes again.
 */
export async function functionShapes(
	cacheDir: string,
): Promise<FunctionShapes & { cached: boolean }> {
	const sources = [
		...(await filesUnder(join(ROOT, "infra"))),
		// What is extracted changes with this file.
		join(ROOT, "local", "function-shapes.ts"),
		join(ROOT, "package.json"),
		join(ROOT, "package-lock.json"),
	].filter((file) => existsSync(file));
	const file = join(cacheDir, `shapes-${await hashOf(sources)}.json`);
	try {
		return { ...(JSON.parse(await readFile(file, "utf8")) as FunctionShapes), cached: true };
	} catch {
		// Not extracted yet for these sources.
	}
	const shapes = await synthShapes();
	await mkdir(cacheDir, { recursive: true });
	const temporary = `${file}.${process.pid}.tmp`;
	await writeFile(temporary, `${JSON.stringify(shapes, null, 2)}\n`);
	await rename(temporary, file);
	return { ...shapes, cached: false };
}
