/**
 * Reads shared by callers who ask at about the same time, each still answered by a read that
 * started after it asked (so it sees every write made before it asked): a caller who asks
 * while a read of its key is in flight waits for that read to end, then joins the next one,
 * which every caller who asked meanwhile shares. Alone, a read is sent at once; any number
 * of callers at once cost two reads of a key, not one each.
 */
export function sharedFreshReads<V>(
	read: (key: string) => Promise<V>,
): (key: string) => Promise<V> {
	const inFlight = new Map<string, Promise<V>>();
	const next = new Map<string, Promise<V>>();

	function start(key: string): Promise<V> {
		const reading = read(key);
		inFlight.set(key, reading);
		const done = () => {
			if (inFlight.get(key) === reading) inFlight.delete(key);
		};
		reading.then(done, done);
		return reading;
	}

	return function sharedRead(key: string): Promise<V> {
		const queued = next.get(key);
		if (queued) return queued;
		const running = inFlight.get(key);
		if (!running) return start(key);
		const joined = running.then(
			() => undefined,
			() => undefined,
		);
		const waiting = joined.then(() => {
			next.delete(key);
			return start(key);
		});
		next.set(key, waiting);
		return waiting;
	};
}
