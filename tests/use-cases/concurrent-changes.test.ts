import { describe, expect, it } from "vitest";
import type { Agreement } from "#shared/domain/agreement.ts";
import { makeBundle, makeManifest } from "../helpers/bundles.ts";
import { memoryWorld } from "../helpers/memory-services.ts";

describe("changes to one article, all at once", () => {
	it("two sweeps racing a new version leave one current state and one feed item", async () => {
		let now = new Date("2030-01-01T00:00:00Z");
		const world = await memoryWorld({ clock: () => now });
		const services = world.services();
		const agreement: Agreement = {
			agreementId: "race-2030",
			partnerId: "science-news",
			holder: "The Science News Ltd.",
			translator: "JST",
			languages: ["en"],
			scope: ["text", "images"],
			validFrom: "2030-01-01T01:00:00.000Z",
			validUntil: null,
			notice: "",
			status: "active",
		};
		await services.agreements.putAgreement(agreement, {
			at: now,
			action: "grant",
			by: "test",
			reason: "race",
		});
		const manifest = (version: number) =>
			makeManifest({
				id: "raced",
				version,
				versionCreated: `2030-01-01T00:0${version}:00Z`,
				rights: { holder: "The Science News Ltd.", translator: "JST", agreement: "race-2030" },
			});
		const v1 = await world.putUpload(
			"incoming/science-news/raced-1.zip",
			makeBundle({ manifest: manifest(1) }),
		);
		expect((await services.ingestUpload(v1))?.report.status).toBe("pending-permission");

		// The window opens; the schedule fires twice at once while version 2 arrives.
		now = new Date("2030-01-01T01:00:00Z");
		const v2 = await world.putUpload(
			"incoming/science-news/raced-2.zip",
			makeBundle({ manifest: manifest(2) }),
		);
		const [, , ingested] = await Promise.all([
			services.scheduledSweep(),
			services.scheduledSweep(),
			services.ingestUpload(v2),
		]);
		expect(ingested?.report.status).toBe("published");
		await services.scheduledSweep();

		const ref = { partnerId: "science-news", articleId: "raced", language: "en" };
		const article = await services.articles.getArticle(ref);
		expect(article).toMatchObject({ version: 2, status: "published" });
		expect(article?.dueAt).toBeUndefined();
		const items = await services.feeds.listFeed("en/latest", 50);
		expect(items.filter((item) => item.articleId === "raced")).toMatchObject([{ version: 2 }]);
		expect(await services.articles.listDue(new Date("2100-01-01T00:00:00Z"), 10)).toEqual([]);
		const feed = JSON.parse((await world.text("feeds/en/latest.json")) ?? "{}") as {
			items: { id: string; _syndicate: { version: number } }[];
		};
		expect(
			feed.items.filter((item) => item.id === "urn:syndicate:article:science-news:raced:en"),
		).toMatchObject([{ _syndicate: { version: 2 } }]);
	});
});
