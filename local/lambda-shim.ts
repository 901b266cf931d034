/**
 * The runtime of one local Lambda container: a process of its own that imports the function's
 * bundle once (the init phase), then runs one invocation at a time as the parent sends them,
 * keeping the module's state between them, and answers over IPC. Started by
 * lambda-runtime.ts with the function's environment only; built beside the bundles.
 */
import { randomUUID } from "node:crypto";
import { pathToFileURL } from "node:url";

interface Invoke {
	type: "invoke";
	requestId: string;
	event: unknown;
	/** Epoch ms when the invocation times out. */
	deadline: number;
}

type Handler = (event: unknown, context: object) => Promise<unknown>;

const [bundle, handlerName = "handler"] = process.argv.slice(2);
const send = (message: object) => process.send?.(message);

function errorOf(error: unknown) {
	return error instanceof Error
		? { errorType: error.name, errorMessage: error.message, stack: error.stack }
		: { errorType: "Error", errorMessage: String(error) };
}

async function init(): Promise<Handler> {
	if (!bundle) throw new Error("no bundle given");
	const module = (await import(pathToFileURL(bundle).href)) as Record<string, unknown>;
	const handler = module[handlerName];
	if (typeof handler !== "function") throw new Error(`${bundle} exports no ${handlerName}`);
	return handler as Handler;
}

// The stack that started this container is gone (killed, crashed): so is the container.
process.on("disconnect", () => process.exit(0));

const env = process.env;
let busy = false;
const started = performance.now();
init().then(
	(handler) => {
		send({ type: "ready", initMs: Math.round(performance.now() - started) });
		process.on("message", async (message: Invoke) => {
			if (message?.type !== "invoke") return;
			if (busy) {
				send({
					type: "error",
					requestId: message.requestId,
					error: { errorType: "Busy", errorMessage: "one invocation at a time" },
				});
				return;
			}
			busy = true;
			const name = env.AWS_LAMBDA_FUNCTION_NAME ?? "local";
			const context = {
				functionName: name,
				functionVersion: env.AWS_LAMBDA_FUNCTION_VERSION ?? "$LATEST",
				invokedFunctionArn: `arn:aws:lambda:${env.AWS_REGION}:000000000000:function:${name}`,
				memoryLimitInMB: env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE ?? "128",
				awsRequestId: message.requestId ?? randomUUID(),
				logGroupName: env.AWS_LAMBDA_LOG_GROUP_NAME ?? `/aws/lambda/${name}`,
				logStreamName: env.AWS_LAMBDA_LOG_STREAM_NAME ?? "local",
				callbackWaitsForEmptyEventLoop: true,
				getRemainingTimeInMillis: () => Math.max(0, message.deadline - Date.now()),
				done: () => undefined,
				fail: () => undefined,
				succeed: () => undefined,
			};
			try {
				const value = await handler(message.event, context);
				send({ type: "result", requestId: message.requestId, value: value ?? null });
			} catch (error) {
				send({ type: "error", requestId: message.requestId, error: errorOf(error) });
			} finally {
				busy = false;
			}
		});
	},
	(error: unknown) => {
		// Lambda reports Runtime.ImportModuleError and starts a new container for the next event.
		send({ type: "init-error", error: errorOf(error) });
		process.exitCode = 1;
		process.disconnect?.();
	},
);
