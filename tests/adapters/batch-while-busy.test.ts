import { describe, expect, it } from "vitest";
import { batchWhileBusy } from "#shared/adapters/dynamodb/batch-while-busy.ts";

/** A batch run whose requests are held until the test lets each one through. */
function heldRuns() {
	const runs: { keys: string[]; release: (fail?: Error) => void }[] = [];
	const run = (keys: string[]) =>
		new Promise<Map<string, string>>((resolve, reject) => {
			runs.push({
				keys,
				release: (fail) =>
					fail ? reject(fail) : resolve(new Map(keys.map((key) => [key, `value of ${key}`]))),
			});
		});
	return { run, runs };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe("batchWhileBusy", () => {
	it("sends the calls of one turn together, and those made meanwhile as the next request", async () => {
		const { run, runs } = heldRuns();
		const get = batchWhileBusy(run);
		const first = [get("a"), get("b"), get("a")];
		await tick();
		expect(runs.map((r) => r.keys)).toEqual([["a", "b"]]);
		// Made while the first is in flight: held until it ends, then sent in one request.
		const later = [get("c"), get("a")];
		await tick();
		expect(runs).toHaveLength(1);
		runs[0]?.release();
		expect(await Promise.all(first)).toEqual(["value of a", "value of b", "value of a"]);
		await tick();
		// "a" again: asked after the first request was sent, it is read again, not reused.
		expect(runs.map((r) => r.keys)).toEqual([
			["a", "b"],
			["c", "a"],
		]);
		runs[1]?.release();
		expect(await Promise.all(later)).toEqual(["value of c", "value of a"]);
	});

	it("sends a call made alone at once, and one made after the last request ended likewise", async () => {
		const { run, runs } = heldRuns();
		const get = batchWhileBusy(run);
		const one = get("a");
		await tick();
		runs[0]?.release();
		expect(await one).toBe("value of a");
		const two = get("b");
		await tick();
		expect(runs.map((r) => r.keys)).toEqual([["a"], ["b"]]);
		runs[1]?.release();
		expect(await two).toBe("value of b");
	});

	it("sends a failed request again key by key: a key refused fails its own calls only", async () => {
		const refused = new Error("ValidationException: key too large");
		const asked: string[][] = [];
		const get = batchWhileBusy(async (keys: string[]) => {
			asked.push(keys);
			if (keys.includes("bad")) throw refused;
			return new Map(keys.map((key) => [key, `value of ${key}`]));
		});
		const calls = [get("a"), get("bad"), get("b"), get("bad")];
		const settled = await Promise.allSettled(calls);
		expect(settled.map((s) => (s.status === "fulfilled" ? s.value : "refused"))).toEqual([
			"value of a",
			"refused",
			"value of b",
			"refused",
		]);
		expect(asked).toEqual([["a", "bad", "b"], ["a"], ["bad"], ["b"]]);
	});

	it("fails only the calls of a request that failed", async () => {
		const { run, runs } = heldRuns();
		const get = batchWhileBusy(run);
		const failing = get("a");
		await tick();
		const next = get("b");
		runs[0]?.release(new Error("throttled"));
		await expect(failing).rejects.toThrow("throttled");
		await tick();
		runs[1]?.release();
		expect(await next).toBe("value of b");
	});
});
