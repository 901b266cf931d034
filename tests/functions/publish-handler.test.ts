import { setTimeout as sleep } from "node:timers/promises";
import type { Context } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { DynamoDbAgreementChanges } from "#shared/adapters/dynamodb/dynamodb-agreement-changes.ts";
import { DynamoDbAgreementStore } from "#shared/adapters/dynamodb/dynamodb-agreement-store.ts";
import { type LocalStack, startEphemeralStack } from "../../local/stack.ts";
import { makeAgreement } from "../helpers/agreements.ts";
import { makeBundle, makeManifest } from "../helpers/bundles.ts";
import { type CapturedOutput, captureOutput } from "../helpers/captured-output.ts";
import { getObject, readReport, upload } from "../helpers/stack.ts";

type Handler = (event: { targets?: string[] }, context: Context) => Promise<{ published: number }>;

let stack: LocalStack;
let handler: Handler;

beforeAll(async () => {
	stack = await startEphemeralStack();
	// The real handler module, loaded afresh with the stack's variables and a stage.
	vi.resetModules();
	process.env.STAGE = "test";
	delete process.env.POWERTOOLS_METRICS_DISABLED;
	handler = (await import("../../functions/publish/handler.ts")).handler as unknown as Handler;
}, 60_000);
afterAll(async () => {
	await stack?.stop();
});

const context = {
	functionName: "syndicate-test-publish",
	awsRequestId: "request-2",
} as unknown as Context;

async function invoke(event: { targets?: string[] }) {
	const output = captureOutput();
	try {
		return { output, result: await handler(event, context) };
	} catch (error) {
		return { output, error };
	} finally {
		output.restore();
	}
}

function only<T>(items: T[]): T {
	expect(items).toHaveLength(1);
	return items[0] as T;
}

describe("the publish handler, on the local stack's servers", () => {
	let given: { output: CapturedOutput; result?: { published: number } };

	beforeAll(async () => {
		given = await invoke({ targets: ["home"] });
	});

	it("publishes the targets it is given", async () => {
		expect(given.result).toEqual({ published: 1 });
		expect(await getObject(stack, stack.endpoints.siteBucket, "index.html")).toBeDefined();
	});

	it("logs one JSON line with what it published and how long it took", () => {
		const line = only(given.output.lines().filter((l) => !("_aws" in l)));
		expect(line).toMatchObject({
			level: "INFO",
			service: "publish",
			message: "published the targets given",
			published: 1,
			ms: expect.any(Number),
			function_name: "syndicate-test-publish",
			function_request_id: "request-2",
		});
	});

	it("writes its duration as EMF, in the Syndicate namespace with the stage", () => {
		const emf = only(given.output.metrics());
		expect(emf._aws.CloudWatchMetrics[0]).toMatchObject({
			Namespace: "Syndicate",
			Dimensions: [["service", "Stage"]],
			Metrics: [{ Name: "PublishDuration", Unit: "Milliseconds" }],
		});
		expect(emf).toMatchObject({ service: "publish", Stage: "test" });
		expect(emf.PublishDuration).toEqual(expect.any(Number));
	});

	it("sweeps on the schedule's event", async () => {
		const { result, output } = await invoke({});
		expect(result).toEqual({ published: 0 });
		expect(output.lines()).toContainEqual(expect.objectContaining({ message: "swept" }));
	});

	it("logs a failed invocation with its stack before Lambda records it", async () => {
		const { error, output } = await invoke({ targets: ["not-a-target"] });
		expect(String(error)).toContain("not a target id: not-a-target");
		expect(output.lines()).toContainEqual(
			expect.objectContaining({
				level: "ERROR",
				message: "invocation failed",
				error: expect.objectContaining({
					message: "not a target id: not-a-target",
					stack: expect.stringContaining("parseTargetId"),
				}),
			}),
		);
		// Metrics are flushed on failure too: the duration is simply missing.
		expect(output.metrics()).toEqual([]);
	});
});

describe("the publish handler's sweep, when an agreement's window ends", () => {
	const ARTICLE = "2024-handler-window";
	const PAGE = `en/articles/science-news/${ARTICLE}`;
	let until: Date;
	let swept: { output: CapturedOutput; result?: { published: number } };
	let sweptBetween: [number, number];

	beforeAll(async () => {
		// Long enough for the upload to be published first; the schedule then finds it due.
		until = new Date(Date.now() + 3000);
		const agreements = new DynamoDbAgreementStore(stack.dynamodb, stack.endpoints.table);
		const revision = await agreements.putAgreement(
			makeAgreement({
				agreementId: "handler-window",
				languages: ["en"],
				validUntil: until.toISOString(),
			}),
			{ at: new Date(), action: "grant", by: "test", reason: "a window that ends" },
		);
		// As the grant command leaves it: its articles (none yet) decided.
		await new DynamoDbAgreementChanges(stack.dynamodb, stack.endpoints.table).settleChange(
			"handler-window",
			revision,
		);
		const key = "incoming/science-news/handler-window.zip";
		const rights = { ...(makeManifest().rights as object), agreement: "handler-window" };
		await upload(stack, key, makeBundle({ manifest: makeManifest({ id: ARTICLE, rights }) }));
		expect(await readReport(stack, key)).toMatchObject({ status: "published" });
		expect(await getObject(stack, stack.endpoints.siteBucket, PAGE)).toBeDefined();
		await sleep(until.getTime() - Date.now() + 50);
		const before = Date.now();
		swept = await invoke({});
		sweptBetween = [before, Date.now()];
	}, 60_000);

	it("takes the article down", async () => {
		expect(swept.result?.published).toBeGreaterThan(0);
		// The page is replaced by its gone notice (the edge answers it 410): no headline left.
		const page = await getObject(stack, stack.endpoints.siteBucket, PAGE);
		expect(new TextDecoder().decode(page)).not.toContain(makeManifest().headline as string);
		expect(swept.output.lines()).toContainEqual(
			expect.objectContaining({ message: "swept", takenDown: 1 }),
		);
	});

	it("writes TakedownLatency from the window's end to the takedown published", () => {
		const emf = only(swept.output.metrics().filter((doc) => "PublishDuration" in doc));
		const names = emf._aws.CloudWatchMetrics[0]?.Metrics.map((metric) => metric.Name);
		expect(names?.sort()).toEqual(["PublishDuration", "TakedownLatency"]);
		const [start, end] = sweptBetween;
		expect(emf.TakedownLatency).toBeGreaterThanOrEqual(start - until.getTime());
		expect(emf.TakedownLatency).toBeLessThanOrEqual(end - until.getTime());
	});

	it("writes FeedItems for each feed it rendered again, the emptied one at 0", () => {
		const feeds = swept.output.metrics().filter((doc) => "FeedItems" in doc);
		expect(feeds.find((doc) => doc.feed === "en/partners/science-news")).toMatchObject({
			service: "publish",
			Stage: "test",
			FeedKind: "partners",
			language: "en",
			FeedItems: 0,
		});
		expect(feeds.map((doc) => doc.feed)).toContain("en/latest");
	});
});
