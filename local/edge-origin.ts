import { createHash } from "node:crypto";
import type { Readable } from "node:stream";
import { promisify } from "node:util";
import { brotliCompress, gzip, constants as zlib } from "node:zlib";
import {
	GetObjectCommand,
	type GetObjectCommandOutput,
	HeadObjectCommand,
	type HeadObjectCommandOutput,
	type S3Client,
} from "@aws-sdk/client-s3";
import { GONE_METADATA_NAME } from "#shared/publishing/site-paths.ts";

const gzipAsync = promisify(gzip);
const brotliAsync = promisify(brotliCompress);

/** What the edge knows of a stored object without its body. */
export interface ObjectMeta {
	key: string;
	/** Quoted, as S3 sends it: the MD5 of the body for a single-part upload. */
	etag: string;
	lastModified: Date | undefined;
	size: number;
	contentType: string | undefined;
	cacheControl: string | undefined;
	/** What a takedown left at a page's key (S3 metadata, site-paths.ts): answered 410 Gone. */
	gone: boolean;
}

/**
 * Where an answer came from, in CloudFront's terms: `Hit` from memory alone, `RefreshHit`
 * after the origin confirmed what memory held, `Miss` when the origin had to send something new.
 */
export type CacheResult = "Hit" | "RefreshHit" | "Miss";

export interface Lookup {
	/** Undefined: there is no such object. */
	meta: ObjectMeta | undefined;
	result: CacheResult;
}

/** A body whose bytes are known to be the object's whole content for `meta.etag`. */
export type Body =
	| { kind: "bytes"; meta: ObjectMeta; bytes: Buffer; result: CacheResult }
	| { kind: "stream"; meta: ObjectMeta; stream: Readable; verify: StreamCheck; result: "Miss" };

/** Feeds a streamed body's chunks in; `whole()` says whether they were exactly the object. */
export interface StreamCheck {
	update(chunk: Buffer): void;
	whole(): boolean;
}

export interface OriginOptions {
	s3: S3Client;
	bucket: string;
	/** How long an index entry is trusted without asking S3: the staleness bound. */
	ttlMs?: number;
	/** The memory kept for complete bodies and their compressed forms. */
	maxCacheBytes?: number;
	/** Larger bodies are streamed, not kept. */
	maxCachedObjectBytes?: number;
	/** How long one call to S3 may take, as CloudFront's origin response timeout. */
	originTimeoutMs?: number;
	now?: () => number;
}

interface IndexEntry {
	meta: ObjectMeta | undefined;
	checkedAt: number;
}

/** A GET of a whole object: without `bytes` when too large to keep; undefined when gone. */
type WholeRead = { meta: ObjectMeta; bytes?: Buffer } | undefined;

interface CachedBody {
	bytes: Buffer;
	br?: Buffer;
	gzip?: Buffer;
	size: number;
}

const DEFAULT_TTL_MS = 1000;
const DEFAULT_CACHE_BYTES = 64 * 1024 * 1024;
const DEFAULT_OBJECT_BYTES = 8 * 1024 * 1024;
const DEFAULT_ORIGIN_TIMEOUT_MS = 30_000;
const MAX_INDEX_ENTRIES = 100_000;
/** Pauses between reads that found the object mid-rewrite; s3rver finishes a write in ms. */
const RETRY_DELAYS_MS = [0, 2, 5, 10, 20, 40, 80, 120, 160, 200];
const BROTLI_QUALITY = 5;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** An ETag that is an MD5 of the body (single-part put), as opposed to a multipart one. */
function md5Of(etag: string): string | undefined {
	const hex = etag.replaceAll('"', "");
	return /^[0-9a-f]{32}$/i.test(hex) ? hex.toLowerCase() : undefined;
}

/** Multipart ETags are no digest of the body: such bytes are taken as they come. */
function isWhole(bytes: Uint8Array, etag: string): boolean {
	const md5 = md5Of(etag);
	if (md5 === undefined) return etag.includes("-");
	return createHash("md5").update(bytes).digest("hex") === md5;
}

function metaOf(key: string, output: HeadObjectCommandOutput | GetObjectCommandOutput): ObjectMeta {
	return {
		key,
		etag: output.ETag ?? "",
		lastModified: output.LastModified,
		size: output.ContentLength ?? 0,
		contentType: output.ContentType,
		cacheControl: output.CacheControl,
		gone: output.Metadata?.[GONE_METADATA_NAME] !== undefined,
	};
}

/** A read that found the object too large to keep: it is streamed instead. */
const LARGE = Symbol("large");

/** The object is being rewritten: s3rver briefly reports an empty MD5, or fails reading its metadata. */
class Unsettled extends Error {}

function isMissing(error: unknown): boolean {
	const { name, $metadata } = error as { name?: string; $metadata?: { httpStatusCode?: number } };
	return name === "NoSuchKey" || name === "NotFound" || $metadata?.httpStatusCode === 404;
}

/**
 * The site bucket as the edge sees it: an index of key → metadata (ETag, Last-Modified,
 * size, type, Cache-Control) answered from memory, and the complete bodies of recent
 * versions kept by ETag with their compressed forms.
 *
 * Freshness: an index entry is trusted for `ttlMs` (1 s) after the HEAD that filled it
 * started, so without any invalidation the edge is at most that stale. `invalidate(keys)`
 * (wired to S3's object events in the local stack) drops entries at once; a HEAD or GET that
 * began before an invalidation never writes its older answer back.
 *
 * Torn reads: s3rver rewrites an object's file in place, so a GET racing a PUT can return a
 * short body, a mix of two versions, or an ETag that does not match the bytes. A body is
 * used only when its MD5 equals the ETag it is served with; otherwise it is read again
 * after a pause, and if the object stays mid-rewrite the last complete copy is served.
 * Reads ask S3 to close the connection after the response, so a short body ends the read
 * at once (an error) instead of leaving it waiting for bytes that never come.
 */
export class EdgeOrigin {
	readonly #s3: S3Client;
	readonly #bucket: string;
	readonly #ttlMs: number;
	readonly #maxCacheBytes: number;
	readonly #maxObjectBytes: number;
	readonly #timeoutMs: number;
	readonly #now: () => number;
	readonly #index = new Map<string, IndexEntry>();
	/** Bumped by every invalidation of a key: an answer older than it is not written back. */
	readonly #generations = new Map<string, number>();
	#allGeneration = 0;
	readonly #heads = new Map<string, Promise<Lookup>>();
	readonly #reads = new Map<string, Promise<Body | typeof LARGE | undefined>>();
	/** Least recently used first. */
	readonly #bodies = new Map<string, CachedBody>();
	#cachedBytes = 0;
	/** The last version of each key read whole: served when the current one cannot be. */
	readonly #lastWhole = new Map<string, ObjectMeta>();
	readonly #compressing = new Map<string, Promise<Buffer>>();

	constructor(options: OriginOptions) {
		this.#s3 = options.s3;
		this.#bucket = options.bucket;
		this.#ttlMs = options.ttlMs ?? DEFAULT_TTL_MS;
		this.#maxCacheBytes = options.maxCacheBytes ?? DEFAULT_CACHE_BYTES;
		this.#maxObjectBytes = Math.min(
			options.maxCachedObjectBytes ?? DEFAULT_OBJECT_BYTES,
			this.#maxCacheBytes,
		);
		this.#timeoutMs = options.originTimeoutMs ?? DEFAULT_ORIGIN_TIMEOUT_MS;
		this.#now = options.now ?? (() => performance.now());
	}

	/** Drops what the edge knows of these keys, or of every key when none are given. */
	invalidate(keys?: Iterable<string>): void {
		// A HEAD already under way may have seen the old version: later requests do not join it.
		if (keys === undefined) {
			this.#allGeneration++;
			this.#index.clear();
			this.#generations.clear();
			this.#heads.clear();
			return;
		}
		for (const key of keys) {
			this.#index.delete(key);
			this.#heads.delete(key);
			this.#generations.set(key, (this.#generations.get(key) ?? 0) + 1);
		}
	}

	#generation(key: string): string {
		return `${this.#allGeneration}:${this.#generations.get(key) ?? 0}`;
	}

	/**
	 * The object's metadata: from the index while it is fresh, else from one request to S3
	 * shared by concurrent requests. That is a GET, which also keeps the body, when the caller
	 * will want the body anyway (`withBody`, a full GET) or when the edge knows nothing of the
	 * key (never asked, or invalidated because it changed: a conditional request then mostly
	 * holds the old version and needs the new body), so the answer costs one round trip to S3
	 * and not two. Only a known entry past its TTL, most likely unchanged, is checked with a HEAD.
	 */
	lookup(key: string, withBody = false): Lookup | Promise<Lookup> {
		const entry = this.#index.get(key);
		if (entry && this.#now() - entry.checkedAt < this.#ttlMs)
			return { meta: entry.meta, result: "Hit" };
		let head = this.#heads.get(key);
		if (!head) {
			const asked =
				withBody || entry === undefined ? this.#headByGet(key, entry) : this.#head(key, entry);
			const started: Promise<Lookup> = asked.finally(() => {
				if (this.#heads.get(key) === started) this.#heads.delete(key);
			});
			head = started;
			this.#heads.set(key, head);
		}
		return head;
	}

	async #head(key: string, previous: IndexEntry | undefined): Promise<Lookup> {
		const generation = this.#generation(key);
		const startedAt = this.#now();
		let meta: ObjectMeta | undefined;
		try {
			meta = await this.#retrying(async () => {
				try {
					const output = await this.#s3.send(
						new HeadObjectCommand({ Bucket: this.#bucket, Key: key }),
						{ abortSignal: AbortSignal.timeout(this.#timeoutMs) },
					);
					const found = metaOf(key, output);
					if (found.etag === "" || found.etag === '""') throw new Unsettled();
					return found;
				} catch (error) {
					if (isMissing(error)) return undefined;
					throw error;
				}
			});
		} catch (error) {
			// The origin is failing: serve what was known, as CloudFront serves stale on error.
			if (previous) return { meta: previous.meta, result: "RefreshHit" };
			throw error;
		}
		this.#remember(key, meta, generation, startedAt);
		const same = previous !== undefined && previous.meta?.etag === meta?.etag;
		return { meta, result: same ? "RefreshHit" : "Miss" };
	}

	/**
	 * {@link #head} by a GET: the metadata, with the whole body kept as a read would keep it.
	 * A body too large to keep is looked up by HEAD as before (it is streamed, never kept).
	 * When no GET succeeds through every retry (mid-rewrite all along, or S3 failing), the
	 * last whole version kept is the answer, as {@link body} gives it; without one, a HEAD's.
	 */
	async #headByGet(key: string, previous: IndexEntry | undefined): Promise<Lookup> {
		const generation = this.#generation(key);
		const startedAt = this.#now();
		let got: WholeRead;
		try {
			got = await this.#getWhole(key);
		} catch {
			// Mid-rewrite all along (a read cut short fails like a torn one): the last whole
			// version, as a read serves it, unremembered; without one, the HEAD's answer.
			const last = this.#lastWhole.get(key);
			if (last && this.#cachedBody(last.etag)) return { meta: last, result: "Hit" };
			return this.#head(key, previous);
		}
		if (got && !got.bytes) return this.#head(key, previous);
		if (got?.bytes) {
			this.#store(got.meta.etag, got.bytes);
			this.#lastWhole.set(key, got.meta);
		} else this.#lastWhole.delete(key);
		const meta = got?.meta;
		this.#remember(key, meta, generation, startedAt);
		const same = previous !== undefined && previous.meta?.etag === meta?.etag;
		return { meta, result: same ? "RefreshHit" : "Miss" };
	}

	#remember(
		key: string,
		meta: ObjectMeta | undefined,
		generation: string,
		checkedAt: number,
	): void {
		if (this.#generation(key) !== generation) return;
		this.#index.delete(key);
		this.#index.set(key, { meta, checkedAt });
		// Paths that name nothing are remembered too: a scan of random paths must not grow it forever.
		if (this.#index.size > MAX_INDEX_ENTRIES) {
			const [oldest] = this.#index.keys();
			if (oldest !== undefined) this.#index.delete(oldest);
		}
	}

	/** Runs `attempt` again after short pauses while S3 is mid-rewrite or fails. */
	async #retrying<T>(attempt: () => Promise<T>): Promise<T> {
		let lastError: unknown;
		for (const delay of RETRY_DELAYS_MS) {
			if (delay > 0) await sleep(delay);
			try {
				return await attempt();
			} catch (error) {
				lastError = error;
			}
		}
		throw lastError;
	}

	/**
	 * The complete body of the version `meta` describes, or of a newer one (its own metadata
	 * then comes with it), or, while the object cannot be read whole, of the last version that
	 * was: never bytes that do not match the ETag they are served with. Undefined when the
	 * object is gone.
	 */
	body(meta: ObjectMeta): Body | Promise<Body | undefined> {
		const cached = this.#cachedBody(meta.etag);
		if (cached) return { kind: "bytes", meta, bytes: cached.bytes, result: "Hit" };
		if (meta.size > this.#maxObjectBytes) return this.#stream(meta);
		let read = this.#reads.get(meta.etag);
		if (!read) {
			read = this.#read(meta).finally(() => this.#reads.delete(meta.etag));
			this.#reads.set(meta.etag, read);
		}
		// The index's size was taken mid-rewrite: the object is large after all.
		return read.then((body) => (body === LARGE ? this.#stream(meta) : body));
	}

	#cachedBody(etag: string): CachedBody | undefined {
		const cached = this.#bodies.get(etag);
		if (cached) {
			this.#bodies.delete(etag);
			this.#bodies.set(etag, cached);
		}
		return cached;
	}

	async #read(meta: ObjectMeta): Promise<Body | typeof LARGE | undefined> {
		const { key } = meta;
		const generation = this.#generation(key);
		const startedAt = this.#now();
		let read: WholeRead;
		try {
			read = await this.#getWhole(key);
		} catch (error) {
			const last = this.#lastWhole.get(key);
			const cached = last && this.#cachedBody(last.etag);
			if (last && cached) return { kind: "bytes", meta: last, bytes: cached.bytes, result: "Hit" };
			throw error;
		}
		if (!read) {
			this.#lastWhole.delete(key);
			this.#remember(key, undefined, generation, startedAt);
			return undefined;
		}
		if (!read.bytes) return LARGE;
		this.#store(read.meta.etag, read.bytes);
		this.#lastWhole.set(key, read.meta);
		// A newer version than the index knew: what the GET saw is now the freshest answer.
		if (read.meta.etag !== meta.etag) this.#remember(key, read.meta, generation, startedAt);
		return { kind: "bytes", meta: read.meta, bytes: read.bytes, result: "Miss" };
	}

	/**
	 * The whole object by GET, retried while S3 is mid-rewrite or fails: its metadata and
	 * bytes; its metadata alone when it is too large to keep (the body left unread); undefined
	 * when it is gone. Never bytes that do not match the ETag they come with.
	 */
	#getWhole(key: string): Promise<WholeRead> {
		return this.#retrying(async () => {
			let output: GetObjectCommandOutput;
			try {
				output = await this.#s3.send(this.#getCommand(key), {
					abortSignal: AbortSignal.timeout(this.#timeoutMs),
				});
			} catch (error) {
				if (isMissing(error)) return undefined;
				throw error;
			}
			if ((output.ContentLength ?? 0) > this.#maxObjectBytes) {
				(output.Body as Readable | undefined)?.destroy();
				return { meta: metaOf(key, output) };
			}
			const bytes = Buffer.from((await output.Body?.transformToByteArray()) ?? new Uint8Array());
			const got = { ...metaOf(key, output), size: bytes.byteLength };
			if (!isWhole(bytes, got.etag)) throw new Unsettled(`torn read of ${key}`);
			return { meta: got, bytes };
		});
	}

	#getCommand(key: string): GetObjectCommand {
		const command = new GetObjectCommand({ Bucket: this.#bucket, Key: key });
		// With the connection closed after the response, a body cut short by a rewrite ends
		// the read with an error at once; on a kept-alive connection it would wait forever.
		command.middlewareStack.add(
			(next) => (args) => {
				const request = args.request as { headers?: Record<string, string> };
				if (request.headers) request.headers.connection = "close";
				return next(args);
			},
			{ step: "build", name: "edgeConnectionClose" },
		);
		return command;
	}

	/**
	 * Large bodies are streamed, not kept: the caller sends all but the last chunk, checks
	 * `verify.whole()` and only then sends the last chunk, or cuts the connection. A torn
	 * large body thus never arrives complete.
	 */
	async #stream(meta: ObjectMeta): Promise<Body | undefined> {
		const output = await this.#retrying(async () => {
			let output: GetObjectCommandOutput;
			try {
				output = await this.#s3.send(this.#getCommand(meta.key), {
					abortSignal: AbortSignal.timeout(this.#timeoutMs),
				});
			} catch (error) {
				if (isMissing(error)) return undefined;
				throw error;
			}
			if (md5Of(output.ETag ?? "") === undefined && !output.ETag?.includes("-")) {
				(output.Body as Readable | undefined)?.destroy();
				throw new Unsettled(`no ETag for ${meta.key} yet`);
			}
			return output;
		});
		if (!output) return undefined;
		const got = metaOf(meta.key, output);
		const hash = createHash("md5");
		let length = 0;
		const verify: StreamCheck = {
			update(chunk) {
				hash.update(chunk);
				length += chunk.byteLength;
			},
			whole() {
				const md5 = md5Of(got.etag);
				if (length !== got.size) return false;
				return md5 === undefined ? got.etag.includes("-") : hash.digest("hex") === md5;
			},
		};
		return { kind: "stream", meta: got, stream: output.Body as Readable, verify, result: "Miss" };
	}

	/** The body in `coding` when it is already kept. */
	encodedIfKept(etag: string, coding: "br" | "gzip"): Buffer | undefined {
		return this.#bodies.get(etag)?.[coding];
	}

	/** The body in `coding`, compressed once per ETag and kept with it. */
	async encoded(etag: string, bytes: Buffer, coding: "br" | "gzip"): Promise<Buffer> {
		const cached = this.#bodies.get(etag);
		const ready = cached?.[coding];
		if (ready) return ready;
		const id = `${coding}:${etag}`;
		let pending = this.#compressing.get(id);
		if (!pending) {
			pending = (
				coding === "br"
					? brotliAsync(bytes, {
							params: {
								[zlib.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY,
								[zlib.BROTLI_PARAM_SIZE_HINT]: bytes.byteLength,
							},
						})
					: gzipAsync(bytes)
			)
				.then((compressed) => {
					const entry = this.#bodies.get(etag);
					if (entry && !entry[coding]) {
						entry[coding] = compressed;
						entry.size += compressed.byteLength;
						this.#cachedBytes += compressed.byteLength;
						this.#evict();
					}
					return compressed;
				})
				.finally(() => this.#compressing.delete(id));
			this.#compressing.set(id, pending);
		}
		return pending;
	}

	#store(etag: string, bytes: Buffer): void {
		if (this.#bodies.has(etag)) return;
		this.#bodies.set(etag, { bytes, size: bytes.byteLength });
		this.#cachedBytes += bytes.byteLength;
		this.#evict();
	}

	#evict(): void {
		for (const [etag, entry] of this.#bodies) {
			if (this.#cachedBytes <= this.#maxCacheBytes) break;
			this.#bodies.delete(etag);
			this.#cachedBytes -= entry.size;
		}
	}

	/** Bytes held for bodies and their compressed forms. */
	get cachedBytes(): number {
		return this.#cachedBytes;
	}
}
