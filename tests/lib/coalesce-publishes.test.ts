import { describe, expect, it } from "vitest";
import { coalescePublishes } from "#shared/lib/coalesce-publishes.ts";
import type { PendingChange } from "#shared/ports/articles.ts";

const change = (n: number): PendingChange => ({ changeId: `c${n}`, targets: [`page|en|p|a${n}`] });

/** A publish that records each call's changes and finishes when the test says. */
function recordingPublish(fails: (ids: string[]) => boolean = () => false) {
	const calls: string[][] = [];
	const finish: (() => void)[] = [];
	const publish = (changes: PendingChange[]) => {
		const ids = changes.map((c) => c.changeId);
		calls.push(ids);
		return new Promise<void>((resolve, reject) => {
			finish.push(() => (fails(ids) ? reject(new Error(`cannot publish ${ids}`)) : resolve()));
		});
	};
	return { calls, finish, publish };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe("coalescePublishes", () => {
	it("publishes a change alone at once, and the changes that came meanwhile in one go", async () => {
		const { calls, finish, publish } = recordingPublish();
		const coalesced = coalescePublishes(publish);
		const first = coalesced(change(1));
		expect(calls).toEqual([["c1"]]);
		const later = [coalesced(change(2)), coalesced(change(3)), coalesced(change(4))];
		await turn();
		expect(calls).toEqual([["c1"]]);
		finish.shift()?.();
		await first;
		await turn();
		expect(calls).toEqual([["c1"], ["c2", "c3", "c4"]]);
		finish.shift()?.();
		await Promise.all(later);
		// Idle again: the next one goes at once.
		const next = coalesced(change(5));
		expect(calls.at(-1)).toEqual(["c5"]);
		finish.shift()?.();
		await next;
	});

	it("retries a failed shared publish change by change: only the one that fails rejects", async () => {
		const { calls, finish, publish } = recordingPublish((ids) => ids.includes("c3"));
		const coalesced = coalescePublishes(publish);
		const first = coalesced(change(1));
		const results = [2, 3, 4].map((n) =>
			coalesced(change(n)).then(
				() => "published",
				(error: Error) => error.message,
			),
		);
		finish.shift()?.();
		await first;
		await turn();
		finish.shift()?.();
		await turn();
		await turn();
		expect(calls.slice(2)).toEqual([["c2"], ["c3"], ["c4"]]);
		for (const done of finish.splice(0)) done();
		expect(await Promise.all(results)).toEqual(["published", "cannot publish c3", "published"]);
	});
});
