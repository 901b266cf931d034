import { describe, expect, it } from "vitest";
import { sharedFreshReads } from "#shared/use-cases/shared-fresh-reads.ts";

const tick = () => new Promise((resolve) => setImmediate(resolve));

/** A store whose value the test changes, and whose reads it lets through one by one. */
function heldStore() {
	let value = 0;
	const reads: { key: string; release: (fail?: Error) => void }[] = [];
	const read = (key: string) =>
		new Promise<number>((resolve, reject) => {
			// What the read sees is what was stored when it started.
			const seen = value;
			reads.push({ key, release: (fail) => (fail ? reject(fail) : resolve(seen)) });
		});
	return { read, reads, write: (v: number) => (value = v) };
}

describe("sharedFreshReads", () => {
	it("reads at once alone; callers who ask meanwhile share one read made after they asked", async () => {
		const store = heldStore();
		const shared = sharedFreshReads(store.read);
		const first = shared("a");
		expect(store.reads).toHaveLength(1);
		// Written after the first read started: the callers who ask now must see it.
		store.write(1);
		const later = [shared("a"), shared("a"), shared("a")];
		const other = shared("b");
		expect(store.reads.map((r) => r.key)).toEqual(["a", "b"]);
		store.reads[0]?.release();
		expect(await first).toBe(0);
		await tick();
		expect(store.reads.map((r) => r.key)).toEqual(["a", "b", "a"]);
		store.reads[2]?.release();
		expect(await Promise.all(later)).toEqual([1, 1, 1]);
		store.reads[1]?.release();
		expect(await other).toBe(1);
	});

	it("a failed read fails only its callers; the next is read again", async () => {
		const store = heldStore();
		const shared = sharedFreshReads(store.read);
		const failing = shared("a");
		const next = shared("a");
		store.reads[0]?.release(new Error("throttled"));
		await expect(failing).rejects.toThrow("throttled");
		await tick();
		store.reads[1]?.release();
		expect(await next).toBe(0);
		await tick();
		// Nothing in flight: a new caller reads at once.
		const again = shared("a");
		expect(store.reads).toHaveLength(3);
		store.reads[2]?.release();
		expect(await again).toBe(0);
	});
});
