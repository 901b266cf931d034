import { XMLParser } from "fast-xml-parser";
import { describe, expect, it } from "vitest";
import { makeBundle, makeManifest } from "../helpers/bundles.ts";
import { memoryProcess } from "../helpers/memory-services.ts";

const SITE = "https://site.test";
const START = Date.parse("2026-03-01T00:00:00Z");
const ID = "urn:syndicate:article:p:a:en";
const PHOTO = "media/en/p/a/images/photo.png";

const xml = new XMLParser({
	ignoreAttributes: false,
	attributeNamePrefix: "@",
	isArray: (name) => ["entry", "link", "at:deleted-entry"].includes(name),
});

type Node = Record<string, unknown>;

async function world() {
	let now = START;
	const clock = () => new Date(now);
	const { wired, manage } = memoryProcess({ siteUrl: SITE, owner: "photo-scope", clock });
	await manage.addPartner({ partnerId: "p", name: "Partner p" });
	const grant = (scope: ("text" | "images")[]) =>
		manage.grantAgreement(
			{ agreementId: "ag", partnerId: "p", holder: "Holder", languages: ["en"], scope },
			{ by: "test", reason: "test" },
		);
	const read = async (key: string) => {
		const object = await wired.site.get(key);
		return object && "bytes" in object ? new TextDecoder().decode(object.bytes) : undefined;
	};
	const feeds = async () => {
		const atom = xml.parse((await read("feeds/en/latest.atom")) ?? "").feed as Node;
		const json = JSON.parse((await read("feeds/en/latest.json")) ?? "{}");
		return { atom, entry: (atom.entry as Node[])[0] ?? {}, json, item: json.items[0] };
	};
	const upload = async (version: number, versionCreated: string) => {
		const bytes = makeBundle({
			manifest: makeManifest({
				id: "a",
				version,
				versionCreated,
				firstCreated: new Date(START).toISOString(),
				rights: { holder: "Holder", agreement: "ag" },
			}),
		});
		const key = `incoming/p/a-${version}.zip`;
		await wired.uploads.put(key, bytes, { contentType: "application/zip" });
		const result = await wired.ingestUpload({
			key,
			size: bytes.byteLength,
			eTag: `e${version}`,
			sequencer: String(version).padStart(2, "0"),
			eventTime: clock().toISOString(),
		});
		expect(result?.report.status).toBe("published");
	};
	return {
		wired,
		grant,
		upload,
		read,
		feeds,
		advance: (ms: number) => {
			now += ms;
		},
		clock,
	};
}

describe("an agreement narrowed from text and images to text", () => {
	it("keeps the item, changed at that instant without its photo; the photo and its ninjs association go", async () => {
		const w = await world();
		await w.grant(["text", "images"]);
		await w.upload(1, new Date(START).toISOString());
		const before = await w.feeds();
		expect(before.entry.updated).toBe(new Date(START).toISOString());
		expect(before.item.image).toBeDefined();
		expect(await w.read(PHOTO)).toBeDefined();

		w.advance(3_600_000);
		const narrowedAt = w.clock().toISOString();
		await w.grant(["text"]);
		const after = await w.feeds();
		// No kill: the item stays, without its photo, as a change of it readers can see.
		expect(after.atom["at:deleted-entry"]).toBeUndefined();
		expect(after.json._syndicate).toBeUndefined();
		expect(after.entry.id).toBe(ID);
		expect(after.entry["media:content"]).toBeUndefined();
		expect((after.entry.link as Node[]).map((link) => link["@rel"])).toEqual(["alternate"]);
		expect(JSON.stringify(after.entry.content)).not.toContain("<img");
		expect(after.entry.published).toBe(new Date(START).toISOString());
		expect(after.entry.updated).toBe(narrowedAt);
		expect(after.atom.updated).toBe(narrowedAt);
		expect(after.item).not.toHaveProperty("image");
		expect(after.item).not.toHaveProperty("attachments");
		expect(after.item.date_modified).toBe(narrowedAt);
		expect(after.item.date_published).toBe(new Date(START).toISOString());
		// The photo is gone from the site, and from the page's ninjs document.
		expect(await w.read(PHOTO)).toBeUndefined();
		const ninjs = JSON.parse((await w.read("en/articles/p/a.ninjs.json")) ?? "{}");
		expect(ninjs.pubStatus).toBe("usable");
		expect(ninjs.associations ?? []).not.toContainEqual(
			expect.objectContaining({ type: "picture" }),
		);
		expect(await w.read("en/articles/p/a")).not.toContain(PHOTO);

		// Back in scope: the photo returns, again a change of the item.
		w.advance(3_600_000);
		const widenedAt = w.clock().toISOString();
		await w.grant(["text", "images"]);
		const back = await w.feeds();
		expect(back.item.image).toBe(`${SITE}/${PHOTO}`);
		expect(back.item.date_modified).toBe(widenedAt);
		expect(back.entry.updated).toBe(widenedAt);
		expect(await w.read(PHOTO)).toBeDefined();

		// A new version is dated by the partner again.
		w.advance(3_600_000);
		const v2 = new Date(START + 60_000).toISOString();
		await w.upload(2, v2);
		expect((await w.feeds()).entry.updated).toBe(v2);
	});
});
