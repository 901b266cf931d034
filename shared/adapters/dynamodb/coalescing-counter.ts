interface Waiting {
	n: number;
	resolve: (first: number) => void;
	reject: (error: unknown) => void;
}

/**
 * Reserves runs of numbers from counters, where `add(key, n)` adds `n` to one counter and
 * returns its new value. A reservation made while one for the same counter is in flight waits
 * for it, then shares one `add` with every other that came in meanwhile, each taking its own
 * run of the total: alone, a reservation is sent at once; many at once cost two round trips
 * of the counter, not one each. Resolves with the first number of the caller's run.
 */
export function coalescingCounter(
	add: (key: string, n: number) => Promise<number>,
): (key: string, n: number) => Promise<number> {
	const waiting = new Map<string, Waiting[]>();
	const running = new Set<string>();

	async function drain(key: string): Promise<void> {
		running.add(key);
		for (let batch = waiting.get(key); batch; batch = waiting.get(key)) {
			waiting.delete(key);
			const total = batch.reduce((sum, entry) => sum + entry.n, 0);
			try {
				let first = (await add(key, total)) - total + 1;
				for (const entry of batch) {
					entry.resolve(first);
					first += entry.n;
				}
			} catch (error) {
				for (const entry of batch) entry.reject(error);
			}
		}
		running.delete(key);
	}

	return (key, n) =>
		new Promise((resolve, reject) => {
			const batch = waiting.get(key);
			if (batch) batch.push({ n, resolve, reject });
			else waiting.set(key, [{ n, resolve, reject }]);
			if (!running.has(key)) void drain(key);
		});
}
