import { describe, expect, it } from "vitest";
import { InMemoryObjectStore } from "#shared/adapters/memory/in-memory-object-store.ts";
import { InMemoryTables } from "#shared/adapters/memory/in-memory-tables.ts";
import { exampleBundle } from "../helpers/bundles.ts";
import { composeProcess } from "../helpers/compose-process.ts";
import { inMemoryStores } from "../helpers/memory-stores.ts";

describe("a ninjs bundle, as a partner's system exports it", () => {
	it("is published like a manifest bundle, its unmapped fields reported", async () => {
		const uploads = new InMemoryObjectStore();
		const site = new InMemoryObjectStore();
		const stores = {
			uploads,
			site,
			...(await inMemoryStores(new InMemoryTables(), new Date("2023-01-01T00:00:00Z"))),
		};
		const useCases = composeProcess(stores, {
			siteUrl: "https://news.example.org",
			owner: "ninjs-test",
			clock: () => new Date("2026-03-01T00:00:00Z"),
		});
		const bytes = await exampleBundle("hitachi-china-en-ninjs");
		const key = "incoming/science-news/ninjs.zip";
		await uploads.put(key, bytes, { contentType: "application/zip" });
		const result = await useCases.ingestUpload({
			key,
			size: bytes.byteLength,
			eTag: "etag-1",
			sequencer: "0001",
			eventTime: "2026-03-01T00:00:00Z",
		});
		expect(result?.report).toMatchObject({
			status: "published",
			articleId: "2023-02-hitachi-china-green-league-ninjs",
			version: 1,
			language: "en",
			errors: [],
		});
		expect(result?.report.warnings).toContainEqual(
			expect.objectContaining({ code: "NINJS_FIELD_NOT_USED", path: "urgency" }),
		);
		const page = await site.get(
			"en/articles/science-news/2023-02-hitachi-china-green-league-ninjs",
		);
		const html = page && "bytes" in page ? new TextDecoder().decode(page.bytes) : "";
		expect(html).toContain("Hitachi collaborates with partner companies");
	});
});
