import type { SiteDigestStore } from "../../ports/articles.ts";
import type { InMemoryTables } from "./in-memory-tables.ts";

/** Site digests in memory, on the tables the other in-memory stores share. */
export class InMemorySiteDigests implements SiteDigestStore {
	constructor(private readonly tables: InMemoryTables) {}

	async getDigests(keys: readonly string[]): Promise<Map<string, string | null>> {
		const found = new Map<string, string | null>();
		for (const key of keys) {
			const digest = this.tables.siteDigests.get(key);
			if (digest !== undefined) found.set(key, digest);
		}
		return found;
	}

	async putDigests(digests: ReadonlyMap<string, string | null | undefined>): Promise<void> {
		for (const [key, digest] of digests) {
			if (digest === undefined) this.tables.siteDigests.delete(key);
			else this.tables.siteDigests.set(key, digest);
		}
	}
}
