import type { ObjectStore } from "../../ports/uploads.ts";

interface StoredObject {
	versionId: string;
	bytes: Uint8Array;
	contentType?: string;
	cacheControl?: string;
	contentEncoding?: string;
	metadata?: Record<string, string>;
}

/**
 * A bucket in memory, versioned as the ingest bucket is: every put keeps a new version, a
 * delete hides the key but keeps its versions readable by id.
 */
export class InMemoryObjectStore implements ObjectStore {
	private readonly objects = new Map<
		string,
		{ current?: StoredObject; versions: StoredObject[] }
	>();
	private versionCounter = 0;

	async get(
		key: string,
		options: { maxBytes?: number; versionId?: string } = {},
	): Promise<{ bytes: Uint8Array } | { tooLarge: number } | undefined> {
		const stored = this.objects.get(key);
		const object =
			options.versionId === undefined
				? stored?.current
				: stored?.versions.find((version) => version.versionId === options.versionId);
		if (!object) return undefined;
		if (options.maxBytes !== undefined && object.bytes.byteLength > options.maxBytes) {
			return { tooLarge: object.bytes.byteLength };
		}
		return { bytes: object.bytes.slice() };
	}

	async put(
		key: string,
		body: string | Uint8Array,
		options: NonNullable<Parameters<ObjectStore["put"]>[2]> = {},
	): Promise<void> {
		const object: StoredObject = {
			versionId: String(++this.versionCounter),
			bytes: typeof body === "string" ? new TextEncoder().encode(body) : new Uint8Array(body),
			...(options.contentType === undefined ? {} : { contentType: options.contentType }),
			...(options.cacheControl === undefined ? {} : { cacheControl: options.cacheControl }),
			...(options.contentEncoding === undefined
				? {}
				: { contentEncoding: options.contentEncoding }),
			...(options.metadata === undefined ? {} : { metadata: { ...options.metadata } }),
		};
		const stored = this.objects.get(key) ?? { versions: [] };
		stored.current = object;
		stored.versions.push(object);
		this.objects.set(key, stored);
	}

	async delete(key: string): Promise<void> {
		const stored = this.objects.get(key);
		if (stored) delete stored.current;
	}

	async deleteMany(keys: readonly string[]): Promise<void> {
		for (const key of keys) await this.delete(key);
	}

	/** The current version's id and headers, as a HEAD request shows them; for tests. */
	head(key: string): (Omit<StoredObject, "bytes"> & { size: number }) | undefined {
		const object = this.objects.get(key)?.current;
		if (!object) return undefined;
		const { bytes, ...rest } = object;
		return { ...rest, size: bytes.byteLength };
	}

	/** The keys that have a current version, sorted. */
	keys(): string[] {
		return [...this.objects.entries()]
			.filter(([, stored]) => stored.current !== undefined)
			.map(([key]) => key)
			.sort();
	}
}
