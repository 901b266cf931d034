import type { ObjectStore } from "../../ports/uploads.ts";
import type { LogBucket } from "../../ports/views.ts";
import type { InMemoryObjectStore } from "./in-memory-object-store.ts";

/** A log bucket in memory: an {@link InMemoryObjectStore} listed as S3 lists keys. */
export class InMemoryLogBucket implements LogBucket {
	constructor(private readonly objects: InMemoryObjectStore) {}

	async listKeyGroups(prefix: string, delimiter: string): Promise<string[]> {
		const groups = new Set<string>();
		for (const key of this.objects.keys()) {
			if (!key.startsWith(prefix)) continue;
			const at = key.indexOf(delimiter, prefix.length);
			if (at >= 0) groups.add(key.slice(0, at + delimiter.length));
		}
		return [...groups].sort();
	}

	async *listKeys(prefix: string, startAfter?: string): AsyncIterable<string> {
		for (const key of this.objects.keys()) {
			if (key.startsWith(prefix) && (startAfter === undefined || key > startAfter)) yield key;
		}
	}

	get(...args: Parameters<ObjectStore["get"]>): ReturnType<ObjectStore["get"]> {
		return this.objects.get(...args);
	}
}
