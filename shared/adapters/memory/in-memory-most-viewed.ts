import type { MostViewedEntry, MostViewedReader } from "../../ports/views.ts";
import { copyOut } from "./in-memory-tables.ts";

/** A Most Viewed ranking that tests set directly, in place of the view aggregator's. */
export class InMemoryMostViewed implements MostViewedReader {
	private readonly rankings = new Map<string, MostViewedEntry[]>();

	/** Replaces a language's ranking, most viewed first. */
	set(language: string, entries: readonly MostViewedEntry[]): void {
		this.rankings.set(language, copyOut([...entries]));
	}

	async mostViewed(language: string, limit: number): Promise<MostViewedEntry[]> {
		return copyOut((this.rankings.get(language) ?? []).slice(0, limit));
	}
}
