import type { ObjectStore } from "../ports/uploads.ts";

/**
 * Keys named by the bundle's SHA-256 (`content/<sha256>/…`, and the bundle itself as
 * `archive/<partner>/<sha256>.zip`): the same key, the same bytes.
 */
const CONTENT_KEY = /^(content\/[0-9a-f]{64}\/|archive\/[^/]+\/[0-9a-f]{64}\.zip$)/;
const DEFAULT_MAX_BYTES = 32 * 1024 * 1024;

/**
 * The ingest bucket with its article content (the body, and the archived bundle its photos are
 * read from) kept in memory as this process writes or reads it: the page an upload's ingest
 * publishes at once renders from the bytes the ingest just stored, instead of reading them
 * back from S3 (two GETs on every new article's critical path). Sound because content keys
 * are named by the bundle's hash: a key always holds the bytes derived from that bundle, and
 * a put replaces what is kept. Least recently used goes first past `maxBytes`; everything
 * else passes through.
 */
export function cachingContent(store: ObjectStore, maxBytes = DEFAULT_MAX_BYTES): ObjectStore {
	const kept = new Map<string, Uint8Array>();
	let bytes = 0;

	const forget = (key: string) => {
		const known = kept.get(key);
		if (!known) return;
		kept.delete(key);
		bytes -= known.byteLength;
	};
	const keep = (key: string, body: Uint8Array) => {
		forget(key);
		// None larger than a quarter of the budget: one big photo must not push out all the rest.
		if (body.byteLength > maxBytes / 4) return;
		// A photo read from a bundle is a view into the whole zip: kept alone, not the zip with it.
		const own =
			body.byteOffset === 0 && body.byteLength === body.buffer.byteLength ? body : body.slice();
		kept.set(key, own);
		bytes += body.byteLength;
		for (const [oldest] of kept) {
			if (bytes <= maxBytes) break;
			forget(oldest);
		}
	};

	return {
		async get(key, options) {
			const cacheable = CONTENT_KEY.test(key) && options?.versionId === undefined;
			const known = cacheable ? kept.get(key) : undefined;
			if (known && (options?.maxBytes === undefined || known.byteLength <= options.maxBytes)) {
				// Most recently used last.
				kept.delete(key);
				kept.set(key, known);
				return { bytes: known };
			}
			const object = await store.get(key, options);
			if (cacheable && object && "bytes" in object) keep(key, object.bytes);
			return object;
		},
		async put(key, body, options) {
			await store.put(key, body, options);
			if (CONTENT_KEY.test(key) && options?.contentEncoding === undefined) {
				keep(key, typeof body === "string" ? new TextEncoder().encode(body) : body);
			}
		},
		async delete(key) {
			forget(key);
			await store.delete(key);
		},
		async deleteMany(keys) {
			for (const key of keys) forget(key);
			await store.deleteMany(keys);
		},
		...(store.variantsOf ? { variantsOf: store.variantsOf.bind(store) } : {}),
	};
}
