/**
 * A function for the local Lambda runtime's tests, bundled as the real ones are. Each SQS
 * message's body says what to do with it; the result tells which container ran the batch and
 * what its module state was.
 */
import { randomUUID } from "node:crypto";
import type { Context, SQSEvent } from "aws-lambda";

/** What a message asks of the function. */
export interface Order {
	id: string;
	sleepMs?: number;
	/** Reported as a batch item failure. */
	fail?: boolean;
	/** The process exits, on the receives listed. */
	crashOnReceive?: number[];
	/** Never answers, on the receives listed. */
	hangOnReceive?: number[];
}

// Module state: one per container, kept between its invocations.
const containerId = randomUUID();
let invocations = 0;
let active = 0;
let mostActive = 0;

export const handler = async (event: SQSEvent, context: Context) => {
	invocations++;
	active++;
	mostActive = Math.max(mostActive, active);
	try {
		const failures: { itemIdentifier: string }[] = [];
		for (const record of event.Records ?? []) {
			const order = JSON.parse(record.body) as Order;
			const receive = Number(record.attributes.ApproximateReceiveCount);
			if (order.crashOnReceive?.includes(receive)) process.exit(3);
			if (order.hangOnReceive?.includes(receive)) await new Promise(() => undefined);
			if (order.sleepMs) await new Promise((resolve) => setTimeout(resolve, order.sleepMs));
			if (order.fail) failures.push({ itemIdentifier: record.messageId });
		}
		return {
			batchItemFailures: failures,
			containerId,
			pid: process.pid,
			invocations,
			mostActive,
			ids: (event.Records ?? []).map((r) => (JSON.parse(r.body) as Order).id),
			context: {
				functionName: context.functionName,
				awsRequestId: context.awsRequestId,
				logStreamName: context.logStreamName,
				remainingMs: context.getRemainingTimeInMillis(),
			},
			env: {
				AWS_LAMBDA_FUNCTION_NAME: process.env.AWS_LAMBDA_FUNCTION_NAME,
				AWS_LAMBDA_LOG_STREAM_NAME: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
				TABLE_NAME: process.env.TABLE_NAME,
				HOME: process.env.HOME,
			},
		};
	} finally {
		active--;
	}
};
