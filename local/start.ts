import { join, resolve } from "node:path";
import { Command, InvalidArgumentError } from "commander";
import { hubUrlProblem } from "#shared/lib/hub-url.ts";
import { DEFAULT_LAMBDA_CONCURRENCY } from "./lambda-functions.ts";
import { PortInUseError } from "./ports.ts";
import {
	defaultPorts,
	FIRST_BUNDLES,
	type LocalStack,
	StackRunningError,
	startLocalStack,
	uploadBundles,
} from "./stack.ts";

function integerVariable(name: string, fallback: number, min: number, max: number): number {
	const value = process.env[name];
	if (value === undefined || value === "") return fallback;
	const parsed = Number(value);
	if (!Number.isInteger(parsed) || parsed < min || parsed > max) {
		throw new InvalidArgumentError(
			`${name} must be an integer from ${min} to ${max}, not "${value}"`,
		);
	}
	return parsed;
}

const port = (name: string, fallback: number) => integerVariable(name, fallback, 0, 65535);

function runtimeVariable(): "lambda" | "in-process" {
	const value = process.env.SYNDICATE_RUNTIME ?? "lambda";
	if (value !== "lambda" && value !== "in-process")
		throw new InvalidArgumentError(
			`SYNDICATE_RUNTIME must be lambda or in-process, not "${value}"`,
		);
	return value;
}

/** SYNDICATE_HUB_URL: the WebSub hub, as `-c hubUrl` is in AWS; none when unset. */
function hubUrlVariable(): string | undefined {
	const value = process.env.SYNDICATE_HUB_URL?.trim();
	if (!value) return undefined;
	const problem = hubUrlProblem(value);
	if (problem) throw new InvalidArgumentError(`SYNDICATE_HUB_URL: ${problem}`);
	return value;
}

function recoverySummary(stack: LocalStack): string | undefined {
	const { backlog, reconciled, published } = stack.recovery;
	if (backlog === 0 && reconciled.queued === 0 && published === 0) return undefined;
	return `Recovered from the last run: ${backlog} queued message(s) delivered, ${reconciled.queued} upload(s) without a report queued again (of ${reconciled.found}), ${published} publish target(s) swept.`;
}

/** How the functions run: the shape the template gave them, or in this process. */
function functionsLine(stack: LocalStack): string {
	if (stack.runtime === "in-process")
		return "Functions: in this process (SYNDICATE_RUNTIME=in-process).";
	const parts = stack.shapes.map((shape) => {
		const containers = stack.functions.get(shape.id)?.options.maxContainers;
		const feed = shape.queue
			? `SQS batches of ${shape.queue.batchSize}, ${stack.queue.concurrencyOf} at once (AWS: ${shape.queue.maxConcurrency})`
			: shape.schedule
				? `scheduled (AWS: ${shape.schedule.expression})`
				: "invoked";
		return `${shape.id} ${feed}, up to ${containers} container(s)`;
	});
	return `Functions in Lambda shape: ${parts.join("; ")}.`;
}

function banner(stack: LocalStack, dataDir: string): string {
	const e = stack.endpoints;
	return `
Syndicate is running locally. Ctrl-C stops it.

  Latest News    ${e.edgeUrl}/en/
  Feeds          ${e.edgeUrl}/feeds/en/latest.rss
                 ${e.edgeUrl}/feeds/en/latest.atom
                 ${e.edgeUrl}/feeds/en/latest.json
  Article        ${e.edgeUrl}/en/articles/science-news/2023-02-hitachi-china-green-league
  Chinese        ${e.edgeUrl}/zh/

Upload a bundle as a partner does (AWS CLI):
  npm run syndicate -- pack examples/bundles/hitachi-china-en-v2 v2.zip
  export AWS_ACCESS_KEY_ID=${e.accessKeyId} AWS_SECRET_ACCESS_KEY=${e.secretAccessKey} AWS_REGION=${e.region}
  aws --endpoint-url ${e.s3Endpoint} s3 cp v2.zip s3://${e.ingestBucket}/incoming/science-news/v2.zip
  ...then read its report (same shell):
  aws --endpoint-url ${e.s3Endpoint} s3 cp s3://${e.ingestBucket}/reports/science-news/v2.zip.json -

  S3          ${e.s3Endpoint}   buckets ${e.ingestBucket}, ${e.siteBucket}, ${e.logsBucket}
  DynamoDB    ${e.dynamodbEndpoint}   table ${e.table}${e.hubUrl ? `\n  WebSub hub  ${e.hubUrl}` : ""}
  Endpoints   ${join(dataDir, "endpoints.json")}
`;
}

async function main(): Promise<void> {
	// `npm start | tee log` and Ctrl-C: tee dies first; a write to the closed pipe must not
	// crash us before we have stopped the servers.
	for (const stream of [process.stdout, process.stderr]) {
		stream.on("error", (error: NodeJS.ErrnoException) => {
			if (error.code !== "EPIPE") throw error;
		});
	}
	const program = new Command()
		.name("npm start --")
		.description("Run the whole Syndicate pipeline locally, on real DynamoDB Local and S3 servers.")
		.option("--fresh", "wipe .data/ first and ingest the example bundles again")
		.option("--data <dir>", "where the servers keep their data", ".data")
		.parse();
	const options = program.opts<{ fresh?: boolean; data: string }>();
	const dataDir = resolve(options.data);
	const ports = {
		s3: port("SYNDICATE_S3_PORT", defaultPorts.s3),
		dynamodb: port("SYNDICATE_DYNAMODB_PORT", defaultPorts.dynamodb),
		edge: port("SYNDICATE_EDGE_PORT", defaultPorts.edge),
	};
	const hubUrl = hubUrlVariable();
	const started = Date.now();
	// Ctrl-C while starting stops what has started (Java included) instead of orphaning it.
	const starting = new AbortController();
	let stack: LocalStack | undefined;
	let stopping = false;
	const shutdown = (signal: string) => {
		if (stopping) return;
		stopping = true;
		console.log(`\n${signal}: stopping…`);
		if (!stack) {
			starting.abort();
			return;
		}
		const since = Date.now();
		stack.stop().then(
			() => {
				console.log(`Stopped in ${((Date.now() - since) / 1000).toFixed(1)} s.`);
				process.exit(0);
			},
			(error: unknown) => {
				console.error(error);
				process.exit(1);
			},
		);
	};
	process.on("SIGINT", () => shutdown("SIGINT"));
	process.on("SIGTERM", () => shutdown("SIGTERM"));
	process.on("SIGHUP", () => shutdown("SIGHUP"));

	try {
		stack = await startLocalStack({
			dataDir,
			fresh: options.fresh ?? false,
			persist: true,
			ports,
			sweepSeconds: integerVariable("SYNDICATE_SWEEP_SECONDS", 3, 1, 86_400),
			viewsSeconds: integerVariable("SYNDICATE_VIEWS_SECONDS", 10, 1, 86_400),
			runtime: runtimeVariable(),
			lambdaConcurrency: integerVariable(
				"SYNDICATE_LAMBDA_CONCURRENCY",
				DEFAULT_LAMBDA_CONCURRENCY,
				1,
				1000,
			),
			...(process.env.SYNDICATE_VISIBILITY_SECONDS
				? {
						visibilityTimeoutSeconds: integerVariable(
							"SYNDICATE_VISIBILITY_SECONDS",
							360,
							0,
							43_200,
						),
					}
				: {}),
			...(process.env.SYNDICATE_DEBUG
				? { debug: (line: string) => console.error(`debug: ${line}`) }
				: {}),
			...(hubUrl ? { hubUrl } : {}),
			signal: starting.signal,
			onCrash: (error) => {
				console.error(`\n${error.message}; everything is stopped.`);
				process.exit(1);
			},
		});
	} catch (error) {
		if (!starting.signal.aborted) throw error;
		console.log("Stopped while starting; what was queued stays on disk for the next start.");
		process.exit(0);
	}

	if (stack.created) {
		const examples = resolve(import.meta.dirname, "../examples/bundles");
		const folders = FIRST_BUNDLES.map((name) => join(examples, name));
		await uploadBundles(stack.s3, stack.endpoints.ingestBucket, "science-news", folders);
		await stack.idle();
	}
	// A new stack has nothing to recover: what its first sweep published is its own seed.
	const recovered = stack.created ? undefined : recoverySummary(stack);
	if (recovered) console.log(recovered);
	console.log(banner(stack, dataDir));
	console.log(`${functionsLine(stack)}\nReady in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
}

main().catch((error: unknown) => {
	if (
		error instanceof PortInUseError ||
		error instanceof InvalidArgumentError ||
		error instanceof StackRunningError
	) {
		console.error(error.message);
	} else if (error instanceof Error && /Java was not found/.test(error.message)) {
		console.error(error.message);
	} else {
		console.error(error);
	}
	process.exit(1);
});
