import { describe, expect, it } from "vitest";
import { coalescingCounter } from "#shared/adapters/dynamodb/coalescing-counter.ts";

/** A counter whose adds are held until the test lets each one through. */
function heldCounter() {
	const totals = new Map<string, number>();
	const adds: { key: string; n: number; release: (fail?: Error) => void }[] = [];
	const add = (key: string, n: number) =>
		new Promise<number>((resolve, reject) => {
			adds.push({
				key,
				n,
				release: (fail) => {
					if (fail) return reject(fail);
					totals.set(key, (totals.get(key) ?? 0) + n);
					resolve(totals.get(key) ?? 0);
				},
			});
		});
	return { add, adds };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe("coalescingCounter", () => {
	it("sends a reservation made alone at once, and those made meanwhile in one add", async () => {
		const { add, adds } = heldCounter();
		const reserve = coalescingCounter(add);
		const first = reserve("en/latest", 1);
		await tick();
		expect(adds.map(({ key, n }) => [key, n])).toEqual([["en/latest", 1]]);
		// Three more while the first is in flight, and one for another counter, sent at once.
		const waiting = [reserve("en/latest", 1), reserve("en/latest", 2), reserve("en/latest", 1)];
		const other = reserve("en/subjects/energy", 3);
		await tick();
		expect(adds.map(({ key, n }) => [key, n])).toEqual([
			["en/latest", 1],
			["en/subjects/energy", 3],
		]);
		adds[0]?.release();
		adds[1]?.release();
		expect(await first).toBe(1);
		expect(await other).toBe(1);
		await tick();
		expect(adds.map(({ key, n }) => [key, n])).toEqual([
			["en/latest", 1],
			["en/subjects/energy", 3],
			["en/latest", 4],
		]);
		adds[2]?.release();
		// Each caller's own run: 2, 3-4, 5, none shared, none skipped.
		expect(await Promise.all(waiting)).toEqual([2, 3, 5]);
	});

	it("fails only the reservations of an add that failed", async () => {
		const { add, adds } = heldCounter();
		const reserve = coalescingCounter(add);
		const failing = reserve("en/latest", 1);
		const next = reserve("en/latest", 1);
		await tick();
		adds[0]?.release(new Error("throttled"));
		await expect(failing).rejects.toThrow("throttled");
		await tick();
		adds[1]?.release();
		expect(await next).toBe(1);
	});
});
