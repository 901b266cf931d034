import { describe, expect, it } from "vitest";
import type { ObjectStore } from "#shared/ports/uploads.ts";

/** Makes a fresh, empty bucket: every test gets its own. */
export type MakeObjectStore = () => Promise<ObjectStore>;

type GetResult = Awaited<ReturnType<ObjectStore["get"]>>;

function textOf(result: GetResult): string {
	if (!result || !("bytes" in result)) throw new Error(`no bytes: ${JSON.stringify(result)}`);
	return new TextDecoder().decode(result.bytes);
}

function bytesOf(result: GetResult): number[] {
	if (!result || !("bytes" in result)) throw new Error(`no bytes: ${JSON.stringify(result)}`);
	return [...result.bytes];
}

/** What every {@link ObjectStore} does, whatever its backend. */
export function describeObjectStoreContract(name: string, makeStore: MakeObjectStore): void {
	describe(`ObjectStore contract: ${name}`, () => {
		it("reads back what was put, text as UTF-8 and bytes as they are", async () => {
			const store = await makeStore();
			await store.put("site/en/index.html", "<p>東京 & 大阪</p>", {
				contentType: "text/html; charset=utf-8",
				cacheControl: "max-age=60",
			});
			expect(textOf(await store.get("site/en/index.html"))).toBe("<p>東京 & 大阪</p>");
			const binary = Uint8Array.from([0, 1, 127, 128, 254, 255]);
			await store.put("content/x/images/photo.png", binary, { contentType: "image/png" });
			expect(bytesOf(await store.get("content/x/images/photo.png"))).toEqual([
				0, 1, 127, 128, 254, 255,
			]);
			await store.put("empty", "");
			expect(bytesOf(await store.get("empty"))).toEqual([]);
		});

		it("has nothing at a key never put, or deleted", async () => {
			const store = await makeStore();
			expect(await store.get("missing")).toBeUndefined();
			await store.put("a/b.html", "x");
			expect(await store.get("a/b")).toBeUndefined();
			expect(await store.get("a")).toBeUndefined();
			await store.delete("a/b.html");
			expect(await store.get("a/b.html")).toBeUndefined();
			// Deleting what is not there is not an error: a takedown may run twice.
			await store.delete("a/b.html");
			await store.delete("never-there");
		});

		it("deletes many keys at once, absent ones and repeats included, and nothing else", async () => {
			const store = await makeStore();
			const keys = Array.from({ length: 1005 }, (_, i) => `many/${i} ü#.txt`);
			await Promise.all(keys.map((key) => store.put(key, key)));
			await store.put("many-kept", "kept");
			await store.deleteMany([...keys, keys[0] ?? "", "never-there"]);
			await store.deleteMany([]);
			for (const key of [keys[0], keys[1004], keys[500]]) {
				expect(await store.get(key ?? "")).toBeUndefined();
			}
			expect(textOf(await store.get("many-kept"))).toBe("kept");
		});

		it("keeps keys apart, one a prefix of another, and odd characters in them", async () => {
			const store = await makeStore();
			const keys = [
				"media/en/p/a",
				"media/en/p/a/b.png",
				"media/en/p/a b#1?.png",
				"media/日本.png",
			];
			for (const key of keys) await store.put(key, `body of ${key}`);
			for (const key of keys) expect(textOf(await store.get(key))).toBe(`body of ${key}`);
			await store.delete("media/en/p/a");
			expect(textOf(await store.get("media/en/p/a/b.png"))).toBe("body of media/en/p/a/b.png");
		});

		it("replaces an object put again", async () => {
			const store = await makeStore();
			await store.put("k", "first, and longer");
			await store.put("k", "second");
			expect(textOf(await store.get("k"))).toBe("second");
		});

		it("reads an object up to `maxBytes`, and only reports the size of a larger one", async () => {
			const store = await makeStore();
			await store.put("ten", "0123456789");
			expect(textOf(await store.get("ten", { maxBytes: 10 }))).toBe("0123456789");
			expect(await store.get("ten", { maxBytes: 9 })).toEqual({ tooLarge: 10 });
			expect(await store.get("ten", { maxBytes: 0 })).toEqual({ tooLarge: 10 });
			expect(await store.get("missing", { maxBytes: 9 })).toBeUndefined();
			// The size is in bytes, not characters.
			await store.put("kanji", "東京");
			expect(await store.get("kanji", { maxBytes: 5 })).toEqual({ tooLarge: 6 });
		});

		it("returns bytes that the caller may change without changing the object", async () => {
			const store = await makeStore();
			const body = Uint8Array.from([1, 2, 3]);
			await store.put("k", body);
			body[0] = 9;
			const read = await store.get("k");
			if (!read || !("bytes" in read)) throw new Error("not read");
			read.bytes[1] = 9;
			expect(bytesOf(await store.get("k"))).toEqual([1, 2, 3]);
		});
	});
}
