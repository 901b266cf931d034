import { describe, expect, it } from "vitest";
import { InMemoryArticleStore } from "#shared/adapters/memory/in-memory-article-store.ts";
import { InMemoryUploadStore } from "#shared/adapters/memory/in-memory-upload-store.ts";
import type { ArticleStore } from "#shared/ports/articles.ts";
import type { ObjectStore, UploadStore } from "#shared/ports/uploads.ts";
import { makeBundle, makeManifest } from "../helpers/bundles.ts";
import { memoryWorld } from "../helpers/memory-services.ts";

/** The real store with `methods` recording when each call starts and ends. */
function recorded<T extends object>(
	store: T,
	methods: (keyof T)[],
	log: string[],
	name: string,
): T {
	const wrapped = Object.create(store);
	for (const method of methods) {
		const original = (store[method] as (...args: unknown[]) => Promise<unknown>).bind(store);
		wrapped[method] = async (...args: unknown[]) => {
			const what = `${name}.${String(method)}${typeof args[0] === "string" ? ` ${args[0].split("/")[0]}` : ""}`;
			log.push(`${what} starts`);
			try {
				return await original(...args);
			} finally {
				log.push(`${what} ends`);
			}
		};
	}
	return wrapped;
}

describe("ingest of one upload", () => {
	it("reads the bundle beside the record lookup, and stores its content beside the article read", async () => {
		const log: string[] = [];
		const world = await memoryWorld();
		const { ingestUpload } = world.services({
			ingest: {
				uploads: recorded<ObjectStore>(world.uploads, ["get", "put"], log, "s3"),
				uploadRecords: recorded<UploadStore>(
					new InMemoryUploadStore(world.tables),
					["getUpload"],
					log,
					"records",
				),
				articles: recorded<ArticleStore>(
					new InMemoryArticleStore(world.tables),
					["getArticle", "commitArticleChange"],
					log,
					"articles",
				),
			},
		});
		const event = await world.putUpload(
			"incoming/science-news/overlap.zip",
			makeBundle({ manifest: makeManifest({ id: "overlap" }) }),
		);
		expect((await ingestUpload(event))?.report.status).toBe("published");
		const at = (entry: string) => {
			const i = log.indexOf(entry);
			expect(i, `${entry} in ${log.join(", ")}`).toBeGreaterThanOrEqual(0);
			return i;
		};
		expect(at("s3.get incoming starts")).toBeLessThan(at("records.getUpload incoming ends"));
		expect(at("s3.put content starts")).toBeLessThan(at("articles.getArticle ends"));
		// Archived and stored before the commit that points at them, all the same.
		expect(at("s3.put archive ends")).toBeLessThan(at("articles.commitArticleChange starts"));
		expect(log.lastIndexOf("s3.put content ends")).toBeLessThan(
			at("articles.commitArticleChange starts"),
		);
	});
});
