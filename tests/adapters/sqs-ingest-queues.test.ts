import {
	CreateQueueCommand,
	DeleteQueueCommand,
	GetQueueAttributesCommand,
	ReceiveMessageCommand,
	SendMessageCommand,
	SQSClient,
} from "@aws-sdk/client-sqs";
import { buildApp } from "fauxqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SqsIngestQueues } from "#shared/adapters/sqs/sqs-ingest-queues.ts";
import { SqsUploadQueue } from "#shared/adapters/sqs/sqs-upload-queue.ts";

/*
 * The SQS adapters `dlq list`, `dlq redrive` and `status` use in AWS, against fauxqs: an SQS
 * emulator in Node (npm), which speaks the JSON protocol the SDK sends and keeps SQS's rules
 * that the adapters rely on: visibility timeouts, long polls, receive counts and redrive
 * policies that dead-letter a message after `maxReceiveCount` receives. ElasticMQ and LocalStack
 * would need a JVM or Docker. Its app is started on loopback here rather than through its
 * `startFauxqs`, which listens on every interface.
 */

let app: ReturnType<typeof buildApp>;
let sqs: SQSClient;

beforeAll(async () => {
	app = buildApp({ logger: false });
	const endpoint = await app.listen({ host: "127.0.0.1", port: 0 });
	sqs = new SQSClient({
		endpoint,
		region: "eu-west-1",
		credentials: { accessKeyId: "test", secretAccessKey: "test" },
	});
});
afterAll(async () => {
	sqs?.destroy();
	await app?.close();
});

let queues = 0;

/** An ingest queue and its dead-letter queue, as the Data stack makes them. */
async function makeQueues(maxReceiveCount = 1): Promise<{ queueUrl: string; dlqUrl: string }> {
	const name = `ingest-${++queues}`;
	const dlq = await sqs.send(new CreateQueueCommand({ QueueName: `${name}-dlq` }));
	const dlqUrl = dlq.QueueUrl ?? "";
	const { Attributes } = await sqs.send(
		new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ["QueueArn"] }),
	);
	const queue = await sqs.send(
		new CreateQueueCommand({
			QueueName: name,
			Attributes: {
				RedrivePolicy: JSON.stringify({
					deadLetterTargetArn: Attributes?.QueueArn,
					maxReceiveCount: String(maxReceiveCount),
				}),
			},
		}),
	);
	return { queueUrl: queue.QueueUrl ?? "", dlqUrl };
}

/** Receives the whole queue, up to 10 at a time, hiding what it got for `seconds`. */
async function receiveAll(queueUrl: string, seconds: number) {
	const received = [];
	for (let round = 0; round < 100; round++) {
		const { Messages = [] } = await sqs.send(
			new ReceiveMessageCommand({
				QueueUrl: queueUrl,
				MaxNumberOfMessages: 10,
				VisibilityTimeout: seconds,
				WaitTimeSeconds: 0,
			}),
		);
		if (Messages.length === 0) return received;
		received.push(...Messages);
	}
	throw new Error(`${queueUrl} did not run empty`);
}

/**
 * Sends each body to the ingest queue and fails it as ingest does (received, never deleted)
 * until SQS moves it to the dead-letter queue; returns the message ids, in sending order.
 */
async function deadLetter(
	queues: { queueUrl: string; dlqUrl: string },
	bodies: readonly string[],
): Promise<string[]> {
	const ids = [];
	for (const body of bodies) {
		const sent = await sqs.send(
			new SendMessageCommand({ QueueUrl: queues.queueUrl, MessageBody: body }),
		);
		ids.push(sent.MessageId ?? "");
	}
	// Visible again at once after each receive: received until SQS has moved every one.
	await receiveAll(queues.queueUrl, 0);
	expect(await countMessages(queues.dlqUrl)).toEqual({ visible: bodies.length, hidden: 0 });
	return ids;
}

/** A queue's own counts, read apart from the adapter under test. */
async function countMessages(queueUrl: string): Promise<{ visible: number; hidden: number }> {
	const { Attributes = {} } = await sqs.send(
		new GetQueueAttributesCommand({
			QueueUrl: queueUrl,
			AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
		}),
	);
	return {
		visible: Number(Attributes.ApproximateNumberOfMessages),
		hidden: Number(Attributes.ApproximateNumberOfMessagesNotVisible),
	};
}

const bodies = (count: number, prefix = "body") =>
	Array.from({ length: count }, (_, i) => `${prefix} ${i}`);

describe("SqsIngestQueues, against an SQS emulator on loopback", () => {
	it("counts what waits and what is in flight in both queues", async () => {
		const made = await makeQueues();
		await deadLetter(made, bodies(3));
		await sqs.send(new SendMessageCommand({ QueueUrl: made.queueUrl, MessageBody: "fresh" }));
		const adapter = new SqsIngestQueues(sqs, made.queueUrl, made.dlqUrl);
		expect(await adapter.depths()).toEqual({
			ingest: { waiting: 1, inFlight: 0 },
			deadLetter: { waiting: 3, inFlight: 0 },
		});
		await receiveAll(made.queueUrl, 60);
		expect((await adapter.depths()).ingest).toEqual({ waiting: 0, inFlight: 1 });
	});

	it("lists every dead letter, beyond one receive's ten, oldest first, and leaves them all visible", async () => {
		const made = await makeQueues();
		const ids = await deadLetter(made, bodies(23));
		const adapter = new SqsIngestQueues(sqs, made.queueUrl, made.dlqUrl);

		const listed = await adapter.listDeadLetters(100);
		expect(listed.map((m) => m.messageId).sort()).toEqual([...ids].sort());
		expect(listed.map((m) => m.body).sort()).toEqual(bodies(23).sort());
		const sent = listed.map((m) => Date.parse(m.sentAt ?? ""));
		expect(sent).toEqual([...sent].sort((a, b) => a - b));
		expect(listed[0]).toMatchObject({
			sentAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
			firstReceivedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
		});
		// Nothing deleted, nothing left hidden: the next look sees them all again.
		expect((await adapter.depths()).deadLetter).toEqual({ waiting: 23, inFlight: 0 });
		const again = await adapter.listDeadLetters(100);
		expect(again).toHaveLength(23);
		// A look costs each message one receive.
		const counts = new Map(listed.map((m) => [m.messageId, m.receiveCount]));
		for (const m of again) expect(m.receiveCount).toBe((counts.get(m.messageId) ?? 0) + 1);
		expect(await adapter.listDeadLetters(5)).toHaveLength(5);
		expect((await adapter.depths()).deadLetter).toEqual({ waiting: 23, inFlight: 0 });
	});

	it("redrives one message by id: sent to the ingest queue, then deleted; the others visible again", async () => {
		const made = await makeQueues();
		const ids = await deadLetter(made, bodies(15));
		const adapter = new SqsIngestQueues(sqs, made.queueUrl, made.dlqUrl);
		const chosen = ids[12] ?? "";
		expect(await adapter.redrive([chosen, "no-such-message"])).toEqual([chosen]);
		expect(await adapter.depths()).toEqual({
			ingest: { waiting: 1, inFlight: 0 },
			deadLetter: { waiting: 14, inFlight: 0 },
		});
		const [moved] = await receiveAll(made.queueUrl, 60);
		expect(moved?.Body).toBe("body 12");
		expect((await adapter.listDeadLetters(100)).map((m) => m.messageId)).not.toContain(chosen);
	});

	it("redrives every message, a batch at a time, and then finds none", async () => {
		const made = await makeQueues();
		const ids = await deadLetter(made, bodies(25));
		const adapter = new SqsIngestQueues(sqs, made.queueUrl, made.dlqUrl);
		expect((await adapter.redrive()).sort()).toEqual([...ids].sort());
		expect(await adapter.depths()).toEqual({
			ingest: { waiting: 25, inFlight: 0 },
			deadLetter: { waiting: 0, inFlight: 0 },
		});
		expect(await adapter.redrive()).toEqual([]);
	});

	it("discards chosen dead letters, or every one, and sends nothing to the ingest queue", async () => {
		const made = await makeQueues();
		const ids = await deadLetter(made, bodies(15));
		const adapter = new SqsIngestQueues(sqs, made.queueUrl, made.dlqUrl);
		const chosen = ids[4] ?? "";
		expect(await adapter.discard([chosen, "no-such-message"])).toEqual([chosen]);
		expect(await adapter.depths()).toEqual({
			ingest: { waiting: 0, inFlight: 0 },
			deadLetter: { waiting: 14, inFlight: 0 },
		});
		expect((await adapter.discard()).sort()).toEqual(ids.filter((id) => id !== chosen).sort());
		expect(await countMessages(made.dlqUrl)).toEqual({ visible: 0, hidden: 0 });
		expect(await countMessages(made.queueUrl)).toEqual({ visible: 0, hidden: 0 });
	});

	it("gives back every dead letter it holds when a move fails, so a failed redrive loses none", async () => {
		const made = await makeQueues();
		const ids = await deadLetter(made, bodies(12));
		const adapter = new SqsIngestQueues(sqs, made.queueUrl, made.dlqUrl);
		// The ingest queue gone (a stack torn down mid-redrive): every send fails.
		await sqs.send(new DeleteQueueCommand({ QueueUrl: made.queueUrl }));
		await expect(adapter.redrive()).rejects.toThrow(/queue/i);
		expect(await countMessages(made.dlqUrl)).toEqual({ visible: 12, hidden: 0 });
		await expect(adapter.redrive([ids[3] ?? "", ids[11] ?? ""])).rejects.toThrow(/queue/i);
		expect(await countMessages(made.dlqUrl)).toEqual({ visible: 12, hidden: 0 });
	});
});

describe("SqsUploadQueue, against the same emulator", () => {
	it("sends an S3 notification's body to the ingest queue as it is", async () => {
		const made = await makeQueues();
		const body = JSON.stringify({
			Records: [{ s3: { object: { key: "incoming/p/a+b%2B.zip" } } }],
		});
		await new SqsUploadQueue(sqs, made.queueUrl).send(body);
		const [received] = await receiveAll(made.queueUrl, 60);
		expect(received?.Body).toBe(body);
	});
});
