/**
 * Batches the calls made in one turn of the event loop into one: the renders of a publish
 * put their outputs with `Promise.all`, so their digests are read (and recorded) together.
 * A batch is sent after every call in it was made, so each caller sees what was stored
 * before it asked, never an answer read earlier on someone else's behalf.
 */
export function batchPerTick<K, V>(
	run: (keys: K[]) => Promise<Map<K, V>>,
): (key: K) => Promise<V | undefined> {
	let queue: { key: K; resolve: (v: V | undefined) => void; reject: (e: unknown) => void }[] = [];
	return (key) =>
		new Promise((resolve, reject) => {
			if (queue.length === 0) {
				setImmediate(() => {
					const batch = queue;
					queue = [];
					run([...new Set(batch.map((entry) => entry.key))]).then(
						(found) => {
							for (const entry of batch) entry.resolve(found.get(entry.key));
						},
						(error) => {
							for (const entry of batch) entry.reject(error);
						},
					);
				});
			}
			queue.push({ key, resolve, reject });
		});
}
