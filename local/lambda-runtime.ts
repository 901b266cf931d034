import { type ChildProcess, fork } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { dirname } from "node:path";
import { createInterface } from "node:readline";

/** What a container runs: the function as the template declares it, built. */
export interface LambdaFunctionOptions {
	functionName: string;
	/** The built bundle (`index.mjs`) and the export the template's Handler names. */
	bundle: string;
	handler: string;
	/** The container runtime, built (lambda-build.ts). */
	shim: string;
	timeoutSeconds: number;
	memorySize: number;
	runtime: string;
	region: string;
	/** The function's environment, resolved; the Lambda runtime's own variables are added. */
	environment: Record<string, string>;
	/** The most containers at once: each runs one invocation at a time. */
	maxContainers: number;
	/** Debug lines (cold starts and their init ms, replaced containers). */
	debug?: (line: string) => void;
}

/** An invocation that failed: the handler threw, the container crashed or it timed out. */
export class InvocationError extends Error {
	constructor(
		message: string,
		readonly errorType: string,
	) {
		super(message);
		this.name = "InvocationError";
	}
}

interface Pending {
	resolve: (value: unknown) => void;
	reject: (error: Error) => void;
	timer?: NodeJS.Timeout;
}

interface Container {
	id: number;
	child: ChildProcess;
	/** Resolves with the init ms once the bundle is imported. */
	ready: Promise<number>;
	busy: boolean;
	invocations: number;
	current?: { requestId: string } & Pending;
	gone: boolean;
}

export interface LambdaStats {
	/** Containers started (each a cold start). */
	coldStarts: number;
	/** Containers that crashed or timed out, and were dropped. */
	replaced: number;
	invocations: number;
	/** The most invocations that ran at once. */
	mostAtOnce: number;
}

/** `2026/12/06/[$LATEST]0123…`: a log stream name as Lambda gives each container. */
function logStreamName(): string {
	const day = new Date().toISOString().slice(0, 10).replaceAll("-", "/");
	return `${day}/[$LATEST]${randomBytes(16).toString("hex")}`;
}

/**
 * A function as Lambda runs it: containers are processes of their own (lambda-shim.ts) started
 * on demand (a cold start), at most `maxContainers`, each running one invocation at a time and
 * keeping its module state between invocations. A container that crashes or runs past the
 * function's timeout is killed and dropped; the next invocation starts a new one.
 */
export class LambdaFunction {
	readonly stats: LambdaStats = { coldStarts: 0, replaced: 0, invocations: 0, mostAtOnce: 0 };
	private readonly containers = new Set<Container>();
	/** Invocations waiting for a container, first come first served. */
	private readonly waiting: {
		resolve: (container: Container) => void;
		reject: (error: Error) => void;
	}[] = [];
	private running = 0;
	private nextId = 1;
	private stopped = false;

	constructor(readonly options: LambdaFunctionOptions) {}

	get name(): string {
		return this.options.functionName;
	}

	/** Containers alive now. */
	get size(): number {
		return this.containers.size;
	}

	/** Runs one invocation in a free container, starting one if there is room, else waiting. */
	async invoke(event: unknown): Promise<unknown> {
		if (this.stopped) throw new InvocationError(`${this.name} is stopped`, "Stopped");
		const container = await this.claim();
		this.running++;
		this.stats.invocations++;
		this.stats.mostAtOnce = Math.max(this.stats.mostAtOnce, this.running);
		try {
			await this.initialized(container);
			return await this.run(container, event);
		} finally {
			this.running--;
			this.release(container);
		}
	}

	/** Kills every container (an invocation under way fails). */
	async stop(): Promise<void> {
		this.stopped = true;
		for (const waiter of this.waiting.splice(0))
			waiter.reject(new InvocationError(`${this.name} is stopped`, "Stopped"));
		const exits = [...this.containers].map(
			(container) =>
				new Promise<void>((resolve) => {
					if (container.child.exitCode !== null || container.child.signalCode !== null)
						return resolve();
					container.child.once("exit", () => resolve());
					container.child.kill("SIGKILL");
				}),
		);
		await Promise.all(exits);
	}

	private claim(): Promise<Container> {
		const idle = [...this.containers].find((c) => !c.busy && !c.gone);
		if (idle) {
			idle.busy = true;
			return Promise.resolve(idle);
		}
		if (this.containers.size < this.options.maxContainers) {
			const container = this.start();
			container.busy = true;
			return Promise.resolve(container);
		}
		return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
	}

	private release(container: Container): void {
		container.busy = false;
		const next = this.waiting.shift();
		if (!next) return;
		if (!container.gone) {
			container.busy = true;
			next.resolve(container);
			return;
		}
		// Its container was dropped: a new one takes the waiting invocation.
		const fresh = this.start();
		fresh.busy = true;
		next.resolve(fresh);
	}

	private start(): Container {
		const { options } = this;
		const id = this.nextId++;
		const stream = logStreamName();
		const [file, handler] = options.handler.split(".");
		const child = fork(options.shim, [options.bundle, handler ?? "handler"], {
			// The function's variables only, as Lambda gives them, not this process's.
			env: {
				...options.environment,
				AWS_REGION: options.region,
				AWS_DEFAULT_REGION: options.region,
				AWS_EXECUTION_ENV: `AWS_Lambda_${options.runtime}`,
				AWS_LAMBDA_FUNCTION_NAME: options.functionName,
				AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
				AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(options.memorySize),
				AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${options.functionName}`,
				AWS_LAMBDA_LOG_STREAM_NAME: stream,
				AWS_LAMBDA_INITIALIZATION_TYPE: "on-demand",
				LAMBDA_TASK_ROOT: dirname(options.bundle),
				_HANDLER: `${file}.${handler}`,
				TZ: "UTC",
				...(process.env.PATH ? { PATH: process.env.PATH } : {}),
			},
			// Plain Node, without the loaders (tsx) this process may run under.
			execArgv: [],
			serialization: "advanced",
			stdio: ["ignore", "pipe", "pipe", "ipc"],
		});
		// Line by line through this process's console, as CloudWatch takes a function's output.
		for (const [stream, write] of [
			[child.stdout, (line: string) => console.log(line)],
			[child.stderr, (line: string) => console.error(line)],
		] as const) {
			if (stream)
				createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY }).on("line", write);
		}
		this.stats.coldStarts++;
		const started = performance.now();
		let readied: (ms: number) => void = () => undefined;
		let failed: (error: Error) => void = () => undefined;
		const container: Container = {
			id,
			child,
			busy: false,
			invocations: 0,
			gone: false,
			ready: new Promise<number>((resolve, reject) => {
				readied = resolve;
				failed = reject;
			}),
		};
		// An init that fails is reported with the invocation that waited for it.
		container.ready.catch(() => undefined);
		child.on("message", (message: Record<string, unknown>) => {
			if (message.type === "ready") {
				const initMs = Number(message.initMs);
				options.debug?.(
					`${options.functionName}: cold start of container ${id} (${stream}): init ${initMs} ms, ${Math.round(performance.now() - started)} ms with the process`,
				);
				readied(initMs);
				return;
			}
			if (message.type === "init-error") {
				const error = message.error as { errorType: string; errorMessage: string };
				failed(new InvocationError(error.errorMessage, "Runtime.ImportModuleError"));
				this.drop(container, `init failed: ${error.errorMessage}`);
				return;
			}
			const current = container.current;
			if (!current || message.requestId !== current.requestId) return;
			container.current = undefined;
			clearTimeout(current.timer);
			if (message.type === "result") current.resolve(message.value);
			else {
				const error = message.error as { errorType: string; errorMessage: string; stack?: string };
				const thrown = new InvocationError(error.errorMessage, error.errorType);
				if (error.stack) thrown.stack = error.stack;
				current.reject(thrown);
			}
		});
		child.once("exit", (code, signal) => {
			const why = `Runtime exited (code ${code}, signal ${signal})`;
			failed(new InvocationError(why, "Runtime.ExitError"));
			const current = container.current;
			container.current = undefined;
			if (current) {
				clearTimeout(current.timer);
				current.reject(new InvocationError(why, "Runtime.ExitError"));
			}
			this.drop(container, why);
		});
		child.on("error", (error) => {
			failed(error);
			this.drop(container, String(error));
		});
		this.containers.add(container);
		return container;
	}

	private drop(container: Container, why: string): void {
		if (container.gone) return;
		container.gone = true;
		this.containers.delete(container);
		if (!this.stopped) {
			this.stats.replaced++;
			this.options.debug?.(
				`${this.name}: container ${container.id} dropped after ${container.invocations} invocation(s): ${why}`,
			);
		}
		if (container.child.exitCode === null && container.child.signalCode === null)
			container.child.kill("SIGKILL");
	}

	/**
	 * Waits for the container's init (the bundle's import). Lambda bounds an on-demand init at
	 * 10 s, then retries it within the invocation's timeout: one bound, the function's
	 * timeout, stands for both here.
	 */
	private initialized(container: Container): Promise<number> {
		let timer: NodeJS.Timeout | undefined;
		const timeoutMs = Math.max(this.options.timeoutSeconds, 10) * 1000;
		return Promise.race([
			container.ready,
			new Promise<never>((_, reject) => {
				timer = setTimeout(() => {
					reject(new InvocationError(`${this.name}: init timed out`, "Sandbox.Timedout"));
					this.drop(container, "init timed out");
				}, timeoutMs);
			}),
		]).finally(() => clearTimeout(timer));
	}

	private run(container: Container, event: unknown): Promise<unknown> {
		const { timeoutSeconds } = this.options;
		const requestId = randomUUID();
		container.invocations++;
		return new Promise((resolve, reject) => {
			if (container.gone) {
				reject(new InvocationError("Runtime exited before the invocation", "Runtime.ExitError"));
				return;
			}
			const timer = setTimeout(() => {
				container.current = undefined;
				reject(
					new InvocationError(
						`${this.name}: Task timed out after ${timeoutSeconds.toFixed(2)} seconds`,
						"Sandbox.Timedout",
					),
				);
				this.drop(container, "timed out");
			}, timeoutSeconds * 1000);
			container.current = { requestId, resolve, reject, timer };
			const message = {
				type: "invoke",
				requestId,
				event,
				deadline: Date.now() + timeoutSeconds * 1000,
			};
			container.child.send(message, (error) => {
				if (!error || container.current?.requestId !== requestId) return;
				container.current = undefined;
				clearTimeout(timer);
				reject(
					new InvocationError(`cannot reach the container: ${error.message}`, "Runtime.ExitError"),
				);
				this.drop(container, String(error));
			});
		});
	}
}

/** An EventBridge schedule's event, as the rule delivers it to its target. */
export function scheduledEvent(region: string, ruleName: string) {
	return {
		version: "0",
		id: randomUUID(),
		"detail-type": "Scheduled Event",
		source: "aws.events",
		account: "000000000000",
		time: `${new Date().toISOString().slice(0, 19)}Z`,
		region,
		resources: [`arn:aws:events:${region}:000000000000:rule/${ruleName}`],
		detail: {},
	};
}
