import { readFileSync } from "node:fs";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { describe, expect, it } from "vitest";
import { targetId } from "#shared/domain/targets.ts";
import { GONE_METADATA_NAME } from "#shared/publishing/site-paths.ts";
import { makeRepairSite } from "#shared/use-cases/repair-site.ts";
import { makeAgreement } from "../helpers/agreements.ts";
import { makeBundle, makeManifest } from "../helpers/bundles.ts";
import { memoryWorld } from "../helpers/memory-services.ts";

// The same validator as tests/domain/ninjs.test.ts: the pinned IPTC schema, with a stand-in
// for GeoJSON's (not pinned, no network in tests, and nothing we write uses it).
const schema = JSON.parse(
	readFileSync(new URL("../../schemas/ninjs/ninjs-schema_3.1.json", import.meta.url), "utf8"),
);
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats.default(ajv);
ajv.addSchema({ $id: "https://geojson.org/schema/GeoJSON.json" });
const validate = ajv.compile(schema);
const errors = (document: unknown) =>
	validate(document) ? "" : ajv.errorsText(validate.errors, { separator: "\n" });

const NOW = new Date("2026-03-01T00:00:00Z");
const SITE = "https://site.test";
const REF = { partnerId: "science-news", articleId: "a1", language: "en" };
const PAGE = "en/articles/science-news/a1";
const NINJS = `${PAGE}.ninjs.json`;
const PHOTO = "media/en/science-news/a1/images/photo.png";

async function publishedWorld() {
	const world = await memoryWorld({ clock: () => NOW });
	const wired = world.services();
	const manifest = makeManifest({
		id: "a1",
		// The manifest's own notice is evidence: the ninjs document carries the agreement's.
		rights: { holder: "The Science News Ltd.", agreement: "sn-jst-2023", notice: "Partner's own" },
	});
	const event = await world.putUpload("incoming/science-news/a1.zip", makeBundle({ manifest }));
	expect((await wired.ingestUpload(event))?.report.status).toBe("published");
	const json = async (key: string) => JSON.parse((await world.text(key)) ?? "null");
	return { world, wired, json };
}

describe("an article's ninjs document, published with its page", () => {
	it("is written beside the page as application/json, valid ninjs 3.1, linked from the JSON Feed", async () => {
		const { world, json } = await publishedWorld();
		const ninjs = await json(NINJS);
		expect(errors(ninjs)).toBe("");
		expect(world.site.head(NINJS)?.contentType).toBe("application/json");
		expect(ninjs).toMatchObject({
			uri: "urn:syndicate:article:science-news:a1:en",
			version: "1",
			pubStatus: "usable",
			copyrightNotice: makeAgreement().notice,
			altIds: [{ role: "page", value: `${SITE}/${PAGE}` }],
			associations: [{ rel: "photo", uri: `${SITE}/${PHOTO}` }],
		});
		const feed = await json("feeds/en/latest.json");
		expect(feed.items[0]._syndicate).toEqual({ version: 1, ninjs: `${SITE}/${NINJS}` });
	});

	it("a takedown leaves a 410 page and a canceled ninjs document, a repair keeps them, a restore puts the article back", async () => {
		const { world, wired, json } = await publishedWorld();
		await wired.withdraw({ ...REF, by: "ops", reason: "complaint" });

		expect(world.site.head(PAGE)?.metadata).toEqual({ [GONE_METADATA_NAME]: "410" });
		const gone = (await world.text(PAGE)) ?? "";
		expect(gone).toContain("Article withdrawn");
		expect(gone).not.toContain("A test headline");
		const canceled = await json(NINJS);
		expect(canceled).toEqual({
			standard: {
				name: "ninjs",
				version: "3.1",
				schema: "http://www.iptc.org/std/ninjs/ninjs-schema_3.1.json#",
			},
			uri: "urn:syndicate:article:science-news:a1:en",
			type: "text",
			version: "1",
			pubStatus: "canceled",
			language: "en",
		});
		expect(errors(canceled)).toBe("");
		expect(world.site.head(NINJS)?.metadata).toBeUndefined();
		expect(await world.site.get(PHOTO)).toBeUndefined();

		// `publish --all`: the page target of a withdrawn article renders what stays, so the
		// repair keeps it; a page target whose article never was public writes nothing.
		const wiredAll = world.services();
		const repair = makeRepairSite({
			republishEverything: wiredAll.republishEverything,
			site: world.site,
			inventory: {
				async *list() {
					for (const key of world.site.keys().filter((k) => k.startsWith("en/articles/")))
						yield { key, lastModified: "2000-01-01T00:00:00.000Z" };
				},
			},
			clock: () => NOW,
		});
		const never = { ...REF, articleId: "never" };
		const repaired = await repair([
			targetId({ kind: "page", ...REF }),
			targetId({ kind: "page", ...never }),
		]);
		expect(repaired.removed).toEqual([]);
		expect(world.site.keys().filter((key) => key.startsWith("en/articles/"))).toEqual([
			PAGE,
			NINJS,
		]);
		expect(world.site.head(PAGE)?.metadata).toEqual({ [GONE_METADATA_NAME]: "410" });
		expect(await json(NINJS)).toEqual(canceled);

		await wired.restore({ ...REF, by: "ops", reason: "resolved" });
		expect(world.site.head(PAGE)?.metadata).toBeUndefined();
		expect(await world.text(PAGE)).toContain("A test headline");
		const restored = await json(NINJS);
		expect(restored).toMatchObject({
			pubStatus: "usable",
			headlines: [{ value: "A test headline" }],
		});
		expect(errors(restored)).toBe("");
		expect(await world.site.get(PHOTO)).toBeDefined();
	});
});
