import type { PendingChange } from "../ports/articles.ts";

interface Waiting {
	change: PendingChange;
	resolve: () => void;
	reject: (error: unknown) => void;
}

/**
 * One publish at a time for the changes of one process, each one covering every change that
 * came in while the one before ran: alone, a change is published at once; in a burst,
 * concurrent ingests share one render of Latest News, its front page and the home page
 * instead of taking turns on their leases. Each caller learns when its own change is
 * published. A shared publish that fails is retried change by change, so one change that
 * cannot be published fails alone and the others are not sent back to their queue with it.
 */
export function coalescePublishes(
	publishChanges: (changes: PendingChange[]) => Promise<void>,
): (change: PendingChange) => Promise<void> {
	let queue: Waiting[] = [];
	let running = false;

	async function publishAlone(waiting: Waiting): Promise<void> {
		try {
			await publishChanges([waiting.change]);
			waiting.resolve();
		} catch (error) {
			waiting.reject(error);
		}
	}

	async function drain(): Promise<void> {
		running = true;
		while (queue.length > 0) {
			const batch = queue;
			queue = [];
			try {
				await publishChanges(batch.map((waiting) => waiting.change));
				for (const waiting of batch) waiting.resolve();
			} catch (error) {
				if (batch.length === 1) batch[0]?.reject(error);
				else await Promise.all(batch.map(publishAlone));
			}
		}
		running = false;
	}

	return function publishCoalesced(change: PendingChange): Promise<void> {
		return new Promise((resolve, reject) => {
			queue.push({ change, resolve, reject });
			if (!running) void drain();
		});
	};
}
