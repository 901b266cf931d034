/**
 * Runs `work` on every item, at most `limit` at a time, and throws the first failure once all
 * have been tried (so one bad item does not leave the others half done).
 */
export async function forEachLimited<T>(
	items: AsyncIterable<T> | Iterable<T>,
	limit: number,
	work: (item: T) => Promise<void>,
): Promise<void> {
	const running = new Set<Promise<void>>();
	const failures: unknown[] = [];
	for await (const item of items) {
		const task: Promise<void> = work(item)
			.catch((error: unknown) => {
				failures.push(error);
			})
			.finally(() => running.delete(task));
		running.add(task);
		if (running.size >= limit) await Promise.race(running);
	}
	await Promise.all(running);
	if (failures.length > 0) throw failures[0];
}
