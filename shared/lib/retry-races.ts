/** What one attempt of a read-decide-commit came to: done with its value, or a race lost. */
export type Attempt<T> = { won: true; value: T } | { won: false };

/**
 * Runs `attempt` until it wins, at most `max` times. Each attempt reads afresh, so a race lost
 * to a concurrent writer (an optimistic lock that moved on) is decided again on what that
 * writer left; `pause` (jittered by the caller) keeps writers that collided from colliding
 * again. `exhausted` says why it gave up.
 */
export async function untilWon<T>(
	max: number,
	attempt: (n: number) => Promise<Attempt<T>>,
	exhausted: () => Error,
	pause?: (n: number) => Promise<void>,
): Promise<T> {
	for (let n = 1; n <= max; n++) {
		if (n > 1) await pause?.(n - 1);
		const result = await attempt(n);
		if (result.won) return result.value;
	}
	throw exhausted();
}
