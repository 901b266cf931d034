interface Waiting<K, V> {
	key: K;
	resolve: (value: V | undefined) => void;
	reject: (error: unknown) => void;
}

/**
 * Batches calls into requests of many: the calls made in one turn of the event loop go as one
 * request, and those made while it is in flight go as the next when it ends, so there is one
 * request in flight at a time. Alone, a call is sent at once; under load, requests grow
 * instead of multiplying. Every call is sent after it was made, so it sees every write that
 * ended before it, never an answer read earlier on someone else's behalf. `run` gets the
 * distinct keys in the order they were asked for. A request of several keys that fails is
 * sent again key by key, so a key the store refuses fails its own callers only.
 */
export function batchWhileBusy<K, V>(
	run: (keys: K[]) => Promise<Map<K, V>>,
): (key: K) => Promise<V | undefined> {
	let waiting: Waiting<K, V>[] = [];
	let busy = false;

	async function settle(batch: Waiting<K, V>[], keys: K[]): Promise<void> {
		try {
			const found = await run(keys);
			for (const entry of batch) entry.resolve(found.get(entry.key));
		} catch (error) {
			if (keys.length === 1) for (const entry of batch) entry.reject(error);
			else
				await Promise.all(
					keys.map((key) =>
						settle(
							batch.filter((entry) => entry.key === key),
							[key],
						),
					),
				);
		}
	}

	async function drain(): Promise<void> {
		while (waiting.length > 0) {
			const batch = waiting;
			waiting = [];
			await settle(batch, [...new Set(batch.map((entry) => entry.key))]);
		}
		busy = false;
	}

	return (key) =>
		new Promise((resolve, reject) => {
			waiting.push({ key, resolve, reject });
			if (busy) return;
			busy = true;
			setImmediate(() => void drain());
		});
}
