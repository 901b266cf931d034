import { describe, expect, it } from "vitest";
import { FEED_KILL_NOTICES } from "#shared/domain/feeds/kill-notices.ts";
import { makeBundle, makeManifest } from "../helpers/bundles.ts";
import { memoryProcess } from "../helpers/memory-services.ts";
import { wellFormedTombstones } from "../helpers/tombstones.ts";

const SITE = "https://site.test";
const START = Date.parse("2026-03-01T00:00:00Z");
const ARTICLES = 300;
// What a reader or a proxy should never have to take in one feed document.
const MAX_DOCUMENT_BYTES = 250_000;

interface JsonFeed {
	items: { id: string }[];
	_syndicate?: { deleted: { id: string }[] };
}

describe("a revoke of hundreds of articles", () => {
	it("caps the kill notices of each feed document; the feed and its archives name every item", async () => {
		let now = START;
		const clock = () => new Date(now);
		const { wired, manage } = memoryProcess({ siteUrl: SITE, owner: "kill-notices-cap", clock });
		await manage.addPartner({ partnerId: "p", name: "Partner p" });
		const ids: string[] = [];
		for (let i = 0; i < ARTICLES; i++) {
			now += 60_000;
			const id = `a${String(i).padStart(3, "0")}`;
			ids.push(`urn:syndicate:article:p:${id}:en`);
			const at = new Date(now).toISOString();
			const bytes = makeBundle({
				manifest: makeManifest({
					id,
					headline: `Headline ${i}`,
					firstCreated: at,
					versionCreated: at,
					subjects: ["energy"],
					rights: { holder: "Holder", agreement: "ag" },
				}),
			});
			const key = `incoming/p/${id}.zip`;
			await wired.uploads.put(key, bytes, { contentType: "application/zip" });
			await wired.ingestUpload({
				key,
				size: bytes.byteLength,
				eTag: `e${i}`,
				sequencer: i.toString(16).toUpperCase().padStart(4, "0"),
				eventTime: at,
			});
		}
		now += 60_000;
		// Held until the grant, which publishes them all in one batch: quicker than one by one.
		await manage.grantAgreement(
			{
				agreementId: "ag",
				partnerId: "p",
				holder: "Holder",
				languages: ["en"],
				scope: ["text", "images"],
			},
			{ by: "test", reason: "grant" },
		);
		now += 60_000;
		await manage.revokeAgreement("ag", { by: "test", reason: "private words" });

		const text = async (key: string) => {
			const object = await wired.site.get(key);
			if (!object || !("bytes" in object)) throw new Error(`no ${key}`);
			return object.bytes;
		};
		for (const feed of ["latest", "partners/p", "subjects/energy"]) {
			const path = `feeds/en/${feed}`;
			const documents = wired.site
				.keys()
				.filter((key) => key === `${path}.json` || key.startsWith(`${path}/archive/`))
				.filter((key) => key.endsWith(".json"));
			expect(documents, feed).toHaveLength(1 + ARTICLES / 50);
			const named: string[] = [];
			for (const key of documents) {
				for (const format of ["json", "atom", "rss"]) {
					const bytes = await text(key.replace(/\.json$/, `.${format}`));
					expect(bytes.byteLength, `${key} in ${format}`).toBeLessThan(MAX_DOCUMENT_BYTES);
				}
				const json = JSON.parse(new TextDecoder().decode(await text(key))) as JsonFeed;
				expect(json.items, key).toEqual([]);
				const deleted = (json._syndicate?.deleted ?? []).map(({ id }) => id);
				expect(deleted.length, key).toBeLessThanOrEqual(FEED_KILL_NOTICES);
				const atom = new TextDecoder().decode(await text(key.replace(/\.json$/, ".atom")));
				expect(wellFormedTombstones(atom, key)).toEqual(deleted);
				named.push(...deleted);
				if (key === `${path}.json`) {
					// The feed names the items it showed last: the newest 50.
					expect(new Set(deleted), key).toEqual(new Set(ids.slice(-FEED_KILL_NOTICES)));
				}
			}
			// Each item in exactly one archive page, and the newest 50 in the feed as well.
			expect(named.toSorted(), feed).toEqual([...ids, ...ids.slice(-FEED_KILL_NOTICES)].toSorted());
		}
	}, 120_000);
});
