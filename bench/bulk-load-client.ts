import {
	BatchWriteCommand,
	type BatchWriteCommandInput,
	type DynamoDBDocumentClient,
	TransactWriteCommand,
	UpdateCommand,
	type UpdateCommandInput,
} from "@aws-sdk/lib-dynamodb";

type WriteRequest = NonNullable<BatchWriteCommandInput["RequestItems"]>[string][number];

// BatchWriteItem's limit.
const BATCH_ITEMS = 25;
const MAX_ROUNDS = 8;

interface Waiter {
	n: number;
	resolve: (count: number) => void;
	reject: (error: unknown) => void;
}

/** The amount an `ADD #name :n` update with a numeric `:n` adds, or `undefined` for any other. */
function addedAmount(input: UpdateCommandInput): number | undefined {
	const n = input.ExpressionAttributeValues?.[":n"];
	const add = /^ADD #\w+ :n$/.test(input.UpdateExpression ?? "");
	return add && typeof n === "number" && input.ReturnValues === "UPDATED_NEW" ? n : undefined;
}

/**
 * A client for seeding a new table through the adapters faster than their own requests
 * would: the items of every transaction are written with BatchWriteItem, 25 to a request,
 * and counter increments (`ADD #name :n`, returning the new value) sent to one item at the
 * same time go as one, each caller handed the value its own increment would have returned.
 * What is written is what the adapters ask for; only atomicity and the conditions go, which
 * a new table with unique ids does not need. Every other command goes through unchanged.
 */
export function bulkLoadingClient(client: DynamoDBDocumentClient): DynamoDBDocumentClient {
	const counters = new Map<string, { input: UpdateCommandInput; waiters: Waiter[] }>();

	async function writeAll(table: string, requests: WriteRequest[]): Promise<void> {
		let todo = requests;
		for (let round = 0; todo.length > 0; round++) {
			if (round === MAX_ROUNDS) throw new Error(`${todo.length} writes stayed unprocessed`);
			if (round > 0) await new Promise((resolve) => setTimeout(resolve, 10 * 2 ** round));
			const { UnprocessedItems } = await client.send(
				new BatchWriteCommand({ RequestItems: { [table]: todo } }),
			);
			todo = UnprocessedItems?.[table] ?? [];
		}
	}

	async function transactAsBatches(command: TransactWriteCommand): Promise<object> {
		const byTable = new Map<string, WriteRequest[]>();
		for (const item of command.input.TransactItems ?? []) {
			const [table, request] = item.Put
				? [item.Put.TableName, { PutRequest: { Item: item.Put.Item } }]
				: item.Delete
					? [item.Delete.TableName, { DeleteRequest: { Key: item.Delete.Key } }]
					: [undefined, undefined];
			if (!table || !request) throw new Error("only puts and deletes can be bulk-loaded");
			byTable.set(table, [...(byTable.get(table) ?? []), request]);
		}
		const writes: Promise<void>[] = [];
		for (const [table, requests] of byTable) {
			for (let i = 0; i < requests.length; i += BATCH_ITEMS) {
				writes.push(writeAll(table, requests.slice(i, i + BATCH_ITEMS)));
			}
		}
		await Promise.all(writes);
		return {};
	}

	async function flush(key: string): Promise<void> {
		const pending = counters.get(key);
		counters.delete(key);
		if (!pending) return;
		const total = pending.waiters.reduce((sum, waiter) => sum + waiter.n, 0);
		try {
			const { Attributes } = await client.send(
				new UpdateCommand({
					...pending.input,
					ExpressionAttributeValues: { ...pending.input.ExpressionAttributeValues, ":n": total },
				}),
			);
			const name = Object.values(pending.input.ExpressionAttributeNames ?? {})[0] ?? "";
			let count = Number(Attributes?.[name]) - total;
			for (const waiter of pending.waiters) {
				count += waiter.n;
				waiter.resolve(count);
			}
		} catch (error) {
			for (const waiter of pending.waiters) waiter.reject(error);
		}
	}

	function addTogether(input: UpdateCommandInput, n: number): Promise<object> {
		const key = JSON.stringify([input.TableName, input.Key, input.ExpressionAttributeNames]);
		let pending = counters.get(key);
		if (!pending) {
			pending = { input, waiters: [] };
			counters.set(key, pending);
			// Increments issued in the same turn of the event loop go as one.
			setImmediate(() => void flush(key));
		}
		const { waiters } = pending;
		const name = Object.values(input.ExpressionAttributeNames ?? {})[0] ?? "";
		return new Promise<number>((resolve, reject) => waiters.push({ n, resolve, reject })).then(
			(count) => ({ Attributes: { [name]: count } }),
		);
	}

	return new Proxy(client, {
		get(target, property, receiver) {
			if (property !== "send") return Reflect.get(target, property, receiver);
			return (command: unknown, ...rest: unknown[]) => {
				if (command instanceof TransactWriteCommand) return transactAsBatches(command);
				if (command instanceof UpdateCommand) {
					const n = addedAmount(command.input);
					if (n !== undefined) return addTogether(command.input, n);
				}
				return Reflect.apply(target.send, target, [command, ...rest]);
			};
		},
	});
}
