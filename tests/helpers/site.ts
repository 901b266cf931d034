import type { InMemoryObjectStore } from "#shared/adapters/memory/in-memory-object-store.ts";
import { GONE_METADATA_NAME } from "#shared/publishing/site-paths.ts";

const decoder = new TextDecoder();

/**
 * Whether `key` is what a takedown left: a page the edge answers with 410 Gone, or a ninjs
 * document reduced to `pubStatus: "canceled"`.
 */
export async function isTakenDown(site: InMemoryObjectStore, key: string): Promise<boolean> {
	if (site.head(key)?.metadata?.[GONE_METADATA_NAME] !== undefined) return true;
	if (!key.endsWith(".ninjs.json")) return false;
	const stored = await site.get(key);
	if (!stored || !("bytes" in stored)) return false;
	return (
		(JSON.parse(decoder.decode(stored.bytes)) as { pubStatus?: string }).pubStatus === "canceled"
	);
}

/** The keys the site serves as public: every key but what a takedown left. */
export async function publicKeys(site: InMemoryObjectStore): Promise<string[]> {
	const keys = site.keys();
	const gone = await Promise.all(keys.map((key) => isTakenDown(site, key)));
	return keys.filter((_, i) => !gone[i]);
}

/** An object's bytes as UTF-8 text, or nothing where there is no object (or it is too large). */
export async function readText(
	store: InMemoryObjectStore,
	key: string,
): Promise<string | undefined> {
	const object = await store.get(key);
	return object && "bytes" in object ? decoder.decode(object.bytes) : undefined;
}
