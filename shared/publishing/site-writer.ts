import { createHash } from "node:crypto";
import type { SiteDigestStore } from "../ports/articles.ts";
import type { ObjectStore } from "../ports/uploads.ts";

type PutOptions = NonNullable<Parameters<ObjectStore["put"]>[2]>;

/** Where the publisher writes: the site bucket, writing only what changed. */
export interface SiteWriter {
	/** Writes the object unless the site already holds these bytes with these headers. */
	put(key: string, body: string | Uint8Array, options?: PutOptions): Promise<void>;
	/**
	 * {@link put} only where the site holds an object at `key` (by its digest, else read
	 * back): what stays once a page is taken down replaces the page, and is never written
	 * where no page ever was.
	 */
	replace(key: string, body: string | Uint8Array, options?: PutOptions): Promise<void>;
	/**
	 * The same, resolved once the object is in the site bucket, before its digest is
	 * recorded: for what another write waits on (a page waits for its photos to be served,
	 * not recorded). `settled()` waits for the record.
	 */
	store(key: string, body: string | Uint8Array, options?: PutOptions): Promise<void>;
	/**
	 * Resolves when every digest of a `store` so far (and, for a writer that defers its
	 * records, of a `put`) is recorded; rejects if one failed.
	 */
	settled(): Promise<void>;
	/** Deletes the object unless it is known to be absent. */
	delete(key: string): Promise<void>;
	/** Deletes those of `keys` not known to be absent, in as few requests as the store allows. */
	deleteMany(keys: readonly string[]): Promise<void>;
	/**
	 * Starts reading what the site holds at `keys`, which renders about to start will write:
	 * read together now rather than each after its render. Call it only once nobody else
	 * can write them (the caller holds their leases), or a write in between goes unseen.
	 */
	expect(keys: Iterable<string>): void;
	/** Keys this writer wrote or deleted: what the CDN must fetch again. */
	readonly changed: Set<string>;
	/** Keys this writer wrote (and did not delete after). */
	readonly written: Set<string>;
	/** Requests made to the site bucket, by kind: how much a publish cost. */
	readonly requests: { get: number; put: number; delete: number };
}

const encoder = new TextEncoder();

/**
 * The digest of what a key serves: its headers, the copies the store writes with it
 * (`ObjectStore.variantsOf`) and its bytes.
 */
export function siteDigest(
	bytes: Uint8Array,
	options: PutOptions = {},
	variants: readonly string[] = [],
): string {
	const hash = createHash("sha256").update(
		`${options.contentType ?? ""}\n${options.cacheControl ?? ""}\n`,
	);
	// Only a key with metadata digests it: every other digest stays what it was.
	if (options.metadata) {
		const entries = Object.entries(options.metadata).sort(([a], [b]) => (a < b ? -1 : 1));
		hash.update(`${JSON.stringify(entries)}\n`);
	}
	// Only a key with copies digests them: every other digest stays what it was.
	if (variants.length > 0) hash.update(`${variants.join("\n")}\n\n`);
	return hash.update(bytes).digest("hex");
}

/**
 * A {@link SiteWriter} on the site bucket. With `digests`, it compares what it renders with
 * the digest recorded when the key was last written (DynamoDB, read 100 keys a request):
 * a publish that changes nothing makes no S3 request at all, and a change costs exactly one
 * PUT or DELETE. Without, it reads the stored object back (one GET per key, no HEAD; a
 * change of headers alone then goes unseen). Either way the bytes come from the data only,
 * so the same data gives the same ETag, and an unchanged key is never invalidated.
 */
export function makeSiteWriter(
	site: ObjectStore,
	digests?: SiteDigestStore,
	/**
	 * Another writer of the same publish whose `changed`, `written` and `requests` this one adds
	 * to, trusting no recorded digest (see {@link untrustingWriter}).
	 */
	parent?: SiteWriter,
	/**
	 * Record the digests of what `put` and `store` wrote at `settled()`, all in one request,
	 * rather than as each write ends: for a publisher, which calls `settled()` before it
	 * releases its targets (the next holder compares with the digests), so a render of a
	 * dozen documents records them in one write, not one per document.
	 */
	options: { deferRecords?: boolean } = {},
): SiteWriter {
	const changed = parent?.changed ?? new Set<string>();
	const written = parent?.written ?? new Set<string>();
	const requests = parent?.requests ?? { get: 0, put: 0, delete: 0 };
	// What this writer saw or wrote: a key rendered twice in one publish is compared once.
	const known = new Map<string, string | null>();
	// Digests read ahead by `expect`, used by the first write to each key.
	const expected = new Map<string, Promise<string | null | undefined>>();

	// The store sends the digests read at about the same time together.
	const readDigest = digests
		? async (key: string) => (await digests.getDigests([key])).get(key)
		: undefined;
	// The store sends the digests recorded at about the same time together.
	const recordDigest = digests
		? (entry: [string, string | null | undefined]) => digests.putDigests(new Map([entry]))
		: undefined;
	// Digests of writes that ended, recorded together at `settled()` (`deferRecords`).
	const deferred = new Map<string, string>();
	// Records the digest of a write that ended: now, or at `settled()` when deferred.
	const recordWritten = (key: string, digest: string): Promise<void> | undefined => {
		if (!options.deferRecords || !digests) return recordDigest?.([key, digest]);
		deferred.set(key, digest);
		return undefined;
	};
	// A record made now (forgetting, deleting) supersedes a deferred one of the same key.
	const recordNow = (entry: [string, string | null | undefined]) => {
		deferred.delete(entry[0]);
		return recordDigest?.(entry);
	};

	async function storedDigest(key: string, bytes?: Uint8Array): Promise<string | null | undefined> {
		if (known.has(key)) return known.get(key);
		const ahead = expected.get(key);
		if (ahead) return ahead;
		if (readDigest) return readDigest(key);
		// No digest store: read the object itself, no further than the new body's length.
		requests.get += 1;
		const stored = await site.get(key, { maxBytes: bytes?.byteLength ?? 0 });
		if (stored === undefined) return null;
		return "bytes" in stored ? siteDigest(stored.bytes) : "";
	}

	// Digest records of `store` still under way, and the first that failed.
	const recording = new Set<Promise<void>>();
	let recordFailure: { error: unknown } | undefined;

	/**
	 * Writes the object if it changed; resolves once it is in the bucket, with its digest
	 * record under way (wrapped: an async function would wait for a promise it returns).
	 */
	async function write(
		key: string,
		body: string | Uint8Array,
		options: PutOptions,
	): Promise<{ record: Promise<void> | undefined }> {
		const bytes = typeof body === "string" ? encoder.encode(body) : body;
		// Read back, a stored object shows its bytes only: compare those alone then.
		const digest = readDigest
			? siteDigest(bytes, options, site.variantsOf?.(key))
			: siteDigest(bytes);
		const stored = await storedDigest(key, bytes);
		if (stored === digest) {
			known.set(key, digest);
			return { record: undefined };
		}
		// Recorded absent: forgotten first, so a crash before the record below never leaves a
		// key that is there recorded as absent (a takedown would then skip deleting it). A crash
		// that leaves an older digest on newer bytes is the next holder's to mend: it finds the
		// lease run out and renders without digests (`Claim.interrupted`).
		if (stored === null) await recordNow([key, undefined]);
		requests.put += 1;
		await site.put(key, body, options);
		known.set(key, digest);
		changed.add(key);
		written.add(key);
		return { record: recordWritten(key, digest) };
	}

	async function put(key: string, body: string | Uint8Array, options: PutOptions = {}) {
		await (await write(key, body, options)).record;
	}

	async function replace(key: string, body: string | Uint8Array, options: PutOptions = {}) {
		let stored = await storedDigest(key);
		if (stored === undefined) {
			// Unknown to the digests (forgotten, or a writer that trusts none): is it there?
			requests.get += 1;
			stored = (await site.get(key, { maxBytes: 0 })) === undefined ? null : "";
		}
		known.set(key, stored);
		if (stored !== null) await put(key, body, options);
	}

	async function store(key: string, body: string | Uint8Array, options: PutOptions = {}) {
		const { record } = await write(key, body, options);
		if (!record) return;
		const tracked: Promise<void> = record
			.catch((error: unknown) => {
				recordFailure ??= { error };
			})
			.finally(() => recording.delete(tracked));
		recording.add(tracked);
	}

	async function settled(): Promise<void> {
		if (deferred.size > 0 && digests) {
			const batch = new Map(deferred);
			deferred.clear();
			await digests.putDigests(batch);
		}
		while (recording.size > 0) await Promise.all(recording);
		if (recordFailure) throw recordFailure.error;
	}

	async function remove(key: string) {
		if ((await storedDigest(key)) === null) return;
		// Forgotten first, so a crash before the record below never leaves a key that is gone
		// recorded as there (a later write of the same bytes would then skip it).
		await recordNow([key, undefined]);
		requests.delete += 1;
		await site.delete(key);
		known.set(key, null);
		changed.add(key);
		written.delete(key);
		await recordNow([key, null]);
	}

	async function removeMany(keys: readonly string[]) {
		const unique = [...new Set(keys)];
		const stored = await Promise.all(unique.map((key) => storedDigest(key)));
		const present = unique.filter((_, i) => stored[i] !== null);
		if (present.length === 0) return;
		for (const key of present) deferred.delete(key);
		await digests?.putDigests(new Map(present.map((key) => [key, undefined])));
		requests.delete += 1;
		await site.deleteMany(present);
		for (const key of present) {
			known.set(key, null);
			changed.add(key);
			written.delete(key);
		}
		await Promise.all(present.map((key) => recordNow([key, null])));
	}

	function expect(keys: Iterable<string>): void {
		if (!digests) return;
		const ahead = [...new Set(keys)].filter((key) => !known.has(key) && !expected.has(key));
		if (ahead.length === 0) return;
		// One request for all of them, whatever store is behind.
		const reading = digests.getDigests(ahead);
		for (const key of ahead) {
			const read = reading.then((found) => found.get(key));
			// A render that fails before its write never asks: its read must not fail unheard.
			read.catch(() => undefined);
			expected.set(key, read);
		}
	}

	return {
		put,
		replace,
		store,
		settled,
		delete: remove,
		deleteMany: removeMany,
		expect,
		changed,
		written,
		requests,
	};
}

/**
 * A writer for the same publish as `parent` that trusts no recorded digest: each key is
 * written (and its digest recorded) and each removed key deleted, whatever the digests say.
 * For a target whose last publisher died mid-render, and for a repair.
 */
export function untrustingWriter(
	site: ObjectStore,
	digests: SiteDigestStore | undefined,
	parent: SiteWriter,
	options: { deferRecords?: boolean } = {},
): SiteWriter {
	const recordOnly: SiteDigestStore | undefined = digests && {
		getDigests: async () => new Map(),
		putDigests: (entries) => digests.putDigests(entries),
	};
	return makeSiteWriter(site, recordOnly, parent, options);
}
