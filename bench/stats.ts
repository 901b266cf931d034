/** Nearest-rank percentile of a sample, in the sample's unit. */
export function percentile(sample: readonly number[], p: number): number {
	const sorted = [...sample].sort((a, b) => a - b);
	return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

/** Milliseconds as the benchmarks print them: ms below 10 s, s above. */
export function formatMs(ms: number): string {
	return ms < 10_000 ? `${ms.toFixed(1)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** One line: p50 and p95 of a sample, and their ratios to a baseline's when given. */
export function row(
	label: string,
	sample: readonly number[],
	baseline?: readonly number[],
): string {
	const p50 = percentile(sample, 50);
	const p95 = percentile(sample, 95);
	const ratio = baseline
		? `   ×${(p50 / percentile(baseline, 50)).toFixed(2)} p50, ×${(p95 / percentile(baseline, 95)).toFixed(2)} p95 of baseline`
		: "";
	return `  ${label.padEnd(40)} p50 ${p50.toFixed(1).padStart(7)} ms   p95 ${p95.toFixed(1).padStart(7)} ms${ratio}`;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `work` on every item, at most `limit` at a time; the first failure rejects. */
export async function forEachLimited<T>(
	items: Iterable<T>,
	limit: number,
	work: (item: T) => Promise<void>,
): Promise<void> {
	const iterator = items[Symbol.iterator]();
	let failed = false;
	async function worker(): Promise<void> {
		for (let next = iterator.next(); !next.done && !failed; next = iterator.next()) {
			try {
				await work(next.value);
			} catch (error) {
				failed = true;
				throw error;
			}
		}
	}
	await Promise.all(Array.from({ length: limit }, worker));
}

/** `0 … count-1`. */
export function range(count: number): number[] {
	return Array.from({ length: count }, (_, i) => i);
}
