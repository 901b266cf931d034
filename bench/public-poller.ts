import { parentPort, workerData } from "node:worker_threads";

/** What the main thread asks: tell when the edge shows all of it, or give up at `deadline`. */
export interface WatchRequest {
	id: number;
	itemId: string;
	pagePath: string;
	feedPaths: string[];
	/** Epoch milliseconds (`performance.timeOrigin + performance.now()`), as the answer's. */
	deadline: number;
}

export type WatchAnswer = { id: number; at: number } | { id: number; error: string };

const POLL_MS = 5;
const { edgeUrl } = workerData as { edgeUrl: string };
const now = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Polls as readers do: feeds with `If-None-Match` (downloaded only when they changed), the
 * page with a HEAD. Until the first feed shows the article only that one is asked, then every
 * path until each has shown it: the answer is when the last one did, while the edge serving
 * the polls (on the thread of the pipeline it times) answers one request each time, not ten.
 */
async function watch(request: WatchRequest): Promise<number> {
	const etags = new Map<string, string>();
	const pending = new Set([request.pagePath, ...request.feedPaths]);
	const shows = async (path: string): Promise<boolean> => {
		if (path === request.pagePath) {
			return (await fetch(`${edgeUrl}${path}`, { method: "HEAD" })).status === 200;
		}
		const etag = etags.get(path);
		const response = await fetch(
			`${edgeUrl}${path}`,
			etag ? { headers: { "if-none-match": etag } } : {},
		);
		if (response.status === 304) return false;
		const text = await response.text();
		const fresh = response.headers.get("etag");
		if (response.ok && fresh) etags.set(path, fresh);
		return text.includes(request.itemId);
	};
	const [first = request.pagePath] = request.feedPaths;
	for (;;) {
		await Promise.all(
			[...(pending.has(first) ? [first] : pending)].map(async (path) => {
				if (await shows(path)) pending.delete(path);
			}),
		);
		if (pending.size === 0) return now();
		if (now() > request.deadline) throw new Error(`${[...pending].join(", ")} still without it`);
		await sleep(POLL_MS);
	}
}

parentPort?.on("message", (request: WatchRequest) => {
	watch(request).then(
		(at) => parentPort?.postMessage({ id: request.id, at } satisfies WatchAnswer),
		(error: unknown) =>
			parentPort?.postMessage({ id: request.id, error: String(error) } satisfies WatchAnswer),
	);
});
