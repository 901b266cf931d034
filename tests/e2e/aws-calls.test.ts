import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import {
	CreateQueueCommand,
	GetQueueAttributesCommand,
	SendMessageCommand,
} from "@aws-sdk/client-sqs";
import { buildApp } from "fauxqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sqsClient } from "#shared/adapters/aws/ops-clients.ts";
import { CALL_LOG_VARIABLE, type RecordedCall } from "#shared/adapters/aws/record-calls.ts";
import { SqsIngestQueues } from "#shared/adapters/sqs/sqs-ingest-queues.ts";
import { SqsUploadQueue } from "#shared/adapters/sqs/sqs-upload-queue.ts";
import { type LocalStack, startEphemeralStack } from "../../local/stack.ts";
import { expectOk, syndicate } from "../cli/spawn-cli.ts";
import { gzipLog, logKey, views } from "../helpers/access-logs.ts";
import { exampleBundle, makeBundle, makeManifest } from "../helpers/bundles.ts";
import { upload } from "../helpers/stack.ts";
import { ACCOUNT, iamModel, REGION } from "../infra/iam-model.ts";
import { denialsOf, type NameMap, readRecordedCalls } from "../infra/recorded-calls.ts";

/*
 * Every AWS SDK call the functions and the ops CLI make, proven against the IAM policies they
 * would run under in AWS. DynamoDB Local and s3rver enforce no IAM: here every call is recorded
 * (the clients' recording middleware, `SYNDICATE_CALL_LOG`) while partners upload and ops work
 * the rights lifecycle, and each recorded call is then decided by `@cloud-copilot/iam-simulate`
 * against the synthesized role of the function that made it (the CLI: the operator policy),
 * together with the bucket policies and their deny statements.
 */

const STAGE = "dev";
const PARTNER = "science-news";
const DISTRIBUTION = "E2QWRUHEXAMPLE";

let dir: string;
let log: string;
let stack: LocalStack;
let cloudfront: Server;
let model: ReturnType<typeof iamModel>;
const saved = { ...process.env };

/** Answers CreateInvalidation as CloudFront does, so the functions invalidate as in AWS. */
async function startCloudFront(): Promise<string> {
	cloudfront = createServer((request, response) => {
		request.resume();
		request.on("end", () => {
			response.writeHead(201, { "content-type": "text/xml" });
			response.end(
				`<?xml version="1.0" encoding="UTF-8"?><Invalidation xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/"><Id>I2J0I21PCUYOIK</Id><Status>InProgress</Status><CreateTime>2026-12-06T00:00:00Z</CreateTime><InvalidationBatch><Paths><Quantity>0</Quantity></Paths><CallerReference>x</CallerReference></InvalidationBatch></Invalidation>`,
			);
		});
	});
	await new Promise<void>((resolve) => cloudfront.listen(0, "127.0.0.1", resolve));
	return `http://127.0.0.1:${(cloudfront.address() as AddressInfo).port}`;
}

beforeAll(async () => {
	dir = await mkdtemp(join(tmpdir(), "syndicate-calls-"));
	log = join(dir, "calls.ndjson");
	// As in AWS: the functions invalidate the distribution and write compressed copies.
	Object.assign(process.env, {
		[CALL_LOG_VARIABLE]: log,
		DISTRIBUTION_ID: DISTRIBUTION,
		AWS_ENDPOINT_URL_CLOUDFRONT: await startCloudFront(),
		COMPRESSED_VARIANTS: "true",
		// The upload that is gone fails on purpose, three times: its error lines would only be noise.
		POWERTOOLS_LOG_LEVEL: "SILENT",
	});
	stack = await startEphemeralStack();
	model = iamModel(STAGE);
}, 120_000);
afterAll(async () => {
	await stack?.stop();
	await new Promise((resolve) => cloudfront?.close(resolve));
	process.env = saved;
	if (dir) await rm(dir, { recursive: true, force: true });
});

const cli = async (...args: string[]) => expectOk(await syndicate(stack.endpoints.dataDir, args));
const soon = (seconds: number) => new Date(Date.now() + seconds * 1000).toISOString();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The local names of the stack, and the names of the stage they stand for. */
function names(queues: Record<string, string> = {}): NameMap {
	const { ingestBucket, siteBucket, logsBucket, table } = stack.endpoints;
	return {
		buckets: {
			[ingestBucket]: model.bucketName("ingest"),
			[siteBucket]: model.bucketName("site"),
			[logsBucket]: model.bucketName("logs"),
		},
		tables: { [table]: `Syndicate-${STAGE}-Table` },
		queues,
		distributions: { [DISTRIBUTION]: model.distributionId() },
	};
}

/** The principal an operator's session has with `Syndicate-{stage}-Operator` attached to it. */
function operatorSession() {
	return {
		principal: `arn:aws:sts::${ACCOUNT}:assumed-role/Ops/alice`,
		principalArn: `arn:aws:iam::${ACCOUNT}:role/Ops`,
		identityPolicies: [model.managedPolicy(`Syndicate-${STAGE}-Operator`)],
	};
}

async function expectAllAllowed(calls: RecordedCall[], nameMap: NameMap) {
	const { denials, requests } = await denialsOf(
		calls,
		nameMap,
		{
			ingest: model.functionRole("Ingest"),
			publish: model.functionRole("Publish"),
			views: model.functionRole("Views"),
			cli: operatorSession(),
		},
		model,
	);
	const counts = new Map<string, number>();
	for (const { caller, operation, outcome } of calls) {
		const key = `${caller} ${operation}${outcome === "ok" ? "" : ` (${outcome})`}`;
		counts.set(key, (counts.get(key) ?? 0) + 1);
	}
	console.log(
		`${calls.length} calls recorded, ${requests} distinct IAM requests, ${denials.length} denied:\n${[
			...counts,
		]
			.sort(([a], [b]) => a.localeCompare(b))
			.map(([key, n]) => `  ${key} ×${n}`)
			.join("\n")}`,
	);
	expect(
		denials.map((d) => `${d.caller}: ${d.decision} ${d.action} on ${d.resource} (${d.why})`),
	).toEqual([]);
}

describe("every call of the functions and the CLI, against the role that makes it", () => {
	it("partners upload, ops work the rights lifecycle, the schedule and the view count run", async () => {
		const key = (name: string) => `incoming/${PARTNER}/${name}.zip`;
		// Uploads of every kind: published, pending permission, broken, a newer version, embargoed.
		for (const name of ["hitachi-china-en", "hitachi-china-zh", "pending-unknown-agreement"]) {
			await upload(stack, key(name), await exampleBundle(name));
		}
		await upload(stack, key("broken"), new TextEncoder().encode("not a zip"));
		await upload(stack, key("hitachi-china-en-v2"), await exampleBundle("hitachi-china-en-v2"));
		// A notification for an upload that is no longer there (S3 delivers events late, and again).
		await stack.queue.send(
			JSON.stringify({
				Records: [
					{
						eventName: "ObjectCreated:Put",
						eventTime: new Date().toISOString(),
						s3: {
							bucket: { name: stack.endpoints.ingestBucket },
							object: { key: key("gone"), size: 100, eTag: "0123", sequencer: "0A" },
						},
					},
				],
			}),
		);
		await stack.idle();
		// The schedule releases it once its embargo has passed (below).
		const embargoEnds = soon(10);
		await upload(
			stack,
			key("embargoed"),
			makeBundle({
				manifest: makeManifest({ id: "2026-12-embargoed", embargoUntil: embargoEnds }),
			}),
		);

		// Ops: partners, agreements granted, amended to expire, revoked and granted again.
		await cli("partners", "add", "calls-partner", "--name", "Calls Partner Ltd.");
		await cli("partners", "list");
		const grant = (id: string, ...extra: string[]) =>
			cli(
				"agreements",
				"grant",
				id,
				"--partner",
				PARTNER,
				"--holder",
				"The Science News Ltd.",
				"--translator",
				"JST",
				"--languages",
				"en,zh",
				"--scope",
				"text,images",
				"--reason",
				"recorded calls",
				...extra,
			);
		await grant("sn-jst-2024-draft");
		// The schedule ends it once this has passed (below).
		const agreementEnds = soon(10);
		await grant("sn-jst-2024-draft", "--until", agreementEnds);
		await cli("agreements", "list");
		await cli("agreements", "show", "sn-jst-2023");
		await cli("agreements", "revoke", "sn-jst-2023", "--reason", "recorded calls");
		await cli("agreements", "revoke", "sn-jst-2023", "--reason", "recorded calls, again");
		await grant("sn-jst-2023");

		// Ops: an article taken down and restored, then looked at.
		await cli("articles", "list", "--json");
		const name = `${PARTNER}/2023-02-hitachi-china-green-league`;
		await cli("articles", "withdraw", name, "--reason", "recorded calls");
		await cli("articles", "restore", name, "--reason", "recorded calls");
		await cli("articles", "show", name);

		// Ops: uploads looked at, reprocessed and reconciled; the queues; status; publishing.
		await cli("uploads", "show", key("hitachi-china-en"));
		await cli("uploads", "reprocess", key("broken"));
		await stack.idle();
		await cli("uploads", "reconcile");
		await cli("dlq", "list");
		await cli("dlq", "history");
		await cli("status");
		await cli("status", "--json");

		// The schedule, once the embargo and the amended agreement's end have passed.
		await sleep(Math.max(Date.parse(embargoEnds), Date.parse(agreementEnds)) + 500 - Date.now());
		await stack.sweep();
		await cli("publish");
		await cli("publish", "--all");

		// Readers' views in CloudFront's access logs, counted by the function and by ops.
		await stack.s3.send(
			new PutObjectCommand({
				Bucket: stack.endpoints.logsBucket,
				Key: logKey("2026-12-06-10"),
				Body: gzipLog(views(`/en/${name.split("/")[1]}/`, 5)),
			}),
		);
		const aggregate = (await import("../../functions/views/handler.ts")).handler as unknown as (
			event: object,
		) => Promise<unknown>;
		await aggregate({});
		await cli("views", "aggregate");

		const calls = readRecordedCalls(log);
		expect(new Set(calls.map((call) => call.caller))).toEqual(
			new Set(["local", "ingest", "publish", "views", "cli"]),
		);
		await expectAllAllowed(calls, names());
	}, 300_000);

	it("the CLI's version listing in AWS (uploads reconcile), against the operator policy", async () => {
		// s3rver keeps no versions: the call S3UploadInventory sends, as it sends it.
		const listing: RecordedCall = {
			caller: "cli",
			service: "s3",
			operation: "ListObjectVersions",
			input: { Bucket: stack.endpoints.ingestBucket, Prefix: "incoming/" },
			outcome: "ok",
		};
		await expectAllAllowed([listing], names());
	});

	it("the CLI's queue calls in AWS (status, dlq list, discard and redrive, reprocess), against the operator policy", async () => {
		const app = buildApp({ logger: false });
		const endpoint = await app.listen({ host: "127.0.0.1", port: 0 });
		const sqs = sqsClient("cli", {
			endpoint,
			region: REGION,
			credentials: { accessKeyId: "test", secretAccessKey: "test" },
		});
		try {
			const before = readRecordedCalls(log).length;
			const create = async (name: string, attributes: Record<string, string> = {}) =>
				(await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes })))
					.QueueUrl ?? "";
			const dlqUrl = await create(`Syndicate-${STAGE}-IngestDLQ`);
			const { Attributes } = await sqs.send(
				new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ["QueueArn"] }),
			);
			const queueUrl = await create(`Syndicate-${STAGE}-IngestQueue`, {
				RedrivePolicy: JSON.stringify({
					deadLetterTargetArn: Attributes?.QueueArn,
					maxReceiveCount: "1",
				}),
			});
			// Two dead letters: one to discard, one to redrive.
			for (const body of ["one", "two"])
				await sqs.send(new SendMessageCommand({ QueueUrl: dlqUrl, MessageBody: body }));
			// Set-up is not what the CLI does: only the adapters' calls below count.
			const setUp = readRecordedCalls(log).length;
			const queues = new SqsIngestQueues(sqs, queueUrl, dlqUrl);
			const uploads = new SqsUploadQueue(sqs, queueUrl);
			await uploads.send(JSON.stringify({ Records: [] }));
			await queues.depths();
			const [first] = await queues.listDeadLetters(10);
			expect(await queues.discard([first?.messageId ?? ""])).toHaveLength(1);
			expect(await queues.redrive()).toHaveLength(1);
			const calls = readRecordedCalls(log).slice(setUp);
			expect(setUp).toBeGreaterThan(before);
			expect(calls.length).toBeGreaterThan(0);
			const arn = (name: string) => `arn:aws:sqs:${REGION}:${ACCOUNT}:${name}`;
			await expectAllAllowed(calls, {
				...names(),
				queues: {
					[queueUrl]: arn(`Syndicate-${STAGE}-IngestQueue`),
					[dlqUrl]: arn(`Syndicate-${STAGE}-IngestDLQ`),
				},
			});
		} finally {
			sqs.destroy();
			await app.close();
		}
	});
});
