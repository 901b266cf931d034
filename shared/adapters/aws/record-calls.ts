import { appendFileSync } from "node:fs";
import type { MiddlewareStack } from "@smithy/types";

/**
 * Who sends a call: a function (its role in AWS), the ops CLI (the operator policy), the CLI
 * acting as a partner (`smoke`: the partner's role), or the local stack's own plumbing (no AWS
 * counterpart).
 */
export type Caller = "ingest" | "publish" | "views" | "cli" | "partner" | "local";

/**
 * The environment variable that turns recording on: every call any client made here sends is
 * appended to that file as one JSON line (`RecordedCall`). Tests set it to prove each call
 * against the IAM policy of the role that would make it in AWS.
 */
export const CALL_LOG_VARIABLE = "SYNDICATE_CALL_LOG";

/** One SDK call as the IAM proof needs it: who, what, on which resources, and how it ended. */
export interface RecordedCall {
	caller: Caller;
	service: "s3" | "dynamodb" | "cloudfront" | "sqs" | "cloudformation" | "sts";
	/** The API operation, e.g. `GetObject`, `TransactWriteItems`. */
	operation: string;
	/** The operation's input without its data (`DATA_FIELDS`): what names the resources. */
	input: Record<string, unknown>;
	/** `ok`, or the error's name (`NoSuchKey`, `ConditionalCheckFailedException`, ...). */
	outcome: string;
}

// The parts of an input that carry data rather than name resources: left out of the record.
const DATA_FIELDS = new Set(["Body", "Item", "ExpressionAttributeValues"]);

/** Records every call the client sends while `CALL_LOG_VARIABLE` names a file. */
export function recordCalls<Input extends object, Output extends object>(
	client: { middlewareStack: MiddlewareStack<Input, Output> },
	caller: Caller,
	service: RecordedCall["service"],
): void {
	client.middlewareStack.add(
		(next, context) =>
			async function recordCall(args) {
				const file = process.env[CALL_LOG_VARIABLE];
				if (!file) return next(args);
				const call = {
					caller,
					service,
					operation: String(context.commandName).replace(/Command$/, ""),
					input: JSON.parse(
						JSON.stringify(args.input, (field, value) =>
							DATA_FIELDS.has(field) ? undefined : value,
						),
					),
				};
				const write = (outcome: string) =>
					appendFileSync(file, `${JSON.stringify({ ...call, outcome })}\n`);
				try {
					const output = await next(args);
					write("ok");
					return output;
				} catch (error) {
					write((error as { name?: string }).name ?? "Error");
					throw error;
				}
			},
		{ step: "initialize", name: "syndicateRecordCall" },
	);
}
