/** `items` in order, in runs of `size` (the last one shorter): what a request of at most `size` takes. */
export function chunksOf<T>(items: readonly T[], size: number): T[][] {
	const chunks: T[][] = [];
	for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
	return chunks;
}

/** {@link chunksOf} over items that arrive one by one (a listing's pages), each run as it fills. */
export async function* streamChunksOf<T>(
	items: AsyncIterable<T> | Iterable<T>,
	size: number,
): AsyncIterable<T[]> {
	let chunk: T[] = [];
	for await (const item of items) {
		chunk.push(item);
		if (chunk.length === size) {
			yield chunk;
			chunk = [];
		}
	}
	if (chunk.length > 0) yield chunk;
}
