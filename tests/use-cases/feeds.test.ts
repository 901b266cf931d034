import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InMemoryMostViewed } from "#shared/adapters/memory/in-memory-most-viewed.ts";
import { InMemoryObjectStore } from "#shared/adapters/memory/in-memory-object-store.ts";
import { InMemorySiteDigests } from "#shared/adapters/memory/in-memory-site-digests.ts";
import { InMemoryTables } from "#shared/adapters/memory/in-memory-tables.ts";
import type { ObjectStore } from "#shared/ports/uploads.ts";
import { makeSiteWriter } from "#shared/publishing/site-writer.ts";
import { makeBundle, makeManifest } from "../helpers/bundles.ts";
import { composeProcess } from "../helpers/compose-process.ts";
import { inMemoryStores } from "../helpers/memory-stores.ts";
import { wellFormedTombstones } from "../helpers/tombstones.ts";

const SITE = "https://news.example.org";
const START = Date.parse("2026-01-01T00:00:00Z");

const xml = new XMLParser({
	ignoreAttributes: false,
	attributeNamePrefix: "@",
	htmlEntities: true,
	isArray: (name) =>
		["item", "entry", "category", "link", "atom:link", "outline", "at:deleted-entry"].includes(
			name,
		),
});

type Node = Record<string, unknown>;
const links = (nodes: unknown) => (nodes ?? []) as Node[];
const linkOf = (nodes: unknown, rel: string) =>
	links(nodes).find((link) => link["@rel"] === rel)?.["@href"] as string | undefined;

// The hub the publisher tells of changes: a real HTTP server on the loopback.
let hub: Server;
let hubUrl: string;
const pings: URLSearchParams[] = [];

beforeAll(async () => {
	hub = createServer((request, response) => {
		let body = "";
		request.on("data", (chunk) => {
			body += chunk;
		});
		request.on("end", () => {
			if (request.method === "POST") pings.push(new URLSearchParams(body));
			response.writeHead(204).end();
		});
	});
	await new Promise<void>((resolve) => hub.listen(0, "127.0.0.1", resolve));
	hubUrl = `http://127.0.0.1:${(hub.address() as AddressInfo).port}/hub`;
});
afterAll(() => new Promise<void>((resolve) => hub.close(() => resolve())));

/** The pipeline on in-memory adapters, the site written through a digest-keeping writer. */
async function makeSystem() {
	let now = START;
	const clock = () => new Date(now);
	const tables = new InMemoryTables();
	const bucket = new InMemoryObjectStore();
	const writes: string[] = [];
	const deletes: string[] = [];
	// What reaches the bucket: the writer decides, this only records it.
	const recorded: ObjectStore = {
		get: (key, options) => bucket.get(key, options),
		put: async (key, body, options) => {
			writes.push(key);
			await bucket.put(key, body, options);
		},
		delete: async (key) => {
			deletes.push(key);
			await bucket.delete(key);
		},
		deleteMany: async (keys) => {
			deletes.push(...keys);
			await bucket.deleteMany(keys);
		},
	};
	const digests = new InMemorySiteDigests(tables);
	// A writer per call, as the lead wires one per publish: only changed bytes are written.
	const site: ObjectStore = {
		get: (key, options) => bucket.get(key, options),
		put: (key, body, options) => makeSiteWriter(recorded, digests).put(key, body, options),
		delete: (key) => makeSiteWriter(recorded, digests).delete(key),
		deleteMany: (keys) => makeSiteWriter(recorded, digests).deleteMany(keys),
	};
	const mostViewed = new InMemoryMostViewed();
	const uploads = new InMemoryObjectStore();
	const wired = composeProcess(
		{ uploads, site, ...(await inMemoryStores(tables, new Date(START))) },
		{ siteUrl: SITE, owner: "feeds-test", clock, hubUrl },
		{ publish: { mostViewed } },
	);
	let count = 0;
	async function upload(id: string, overrides: Record<string, unknown> = {}) {
		now += 60_000;
		count += 1;
		const bytes = makeBundle({
			manifest: makeManifest({
				id,
				headline: `Headline ${id}`,
				firstCreated: new Date(now).toISOString(),
				versionCreated: new Date(now).toISOString(),
				...overrides,
			}),
		});
		const key = `incoming/science-news/${id}-${count}.zip`;
		await uploads.put(key, bytes, { contentType: "application/zip" });
		const result = await wired.ingestUpload({
			key,
			size: bytes.byteLength,
			eTag: `etag-${count}`,
			sequencer: count.toString(16).toUpperCase(),
			eventTime: new Date(now).toISOString(),
		});
		expect(result?.report.errors ?? []).toEqual([]);
		expect(result?.report.status).toBe("published");
	}
	const read = async (key: string) => {
		const got = await bucket.get(key);
		if (!got || !("bytes" in got)) throw new Error(`no ${key}`);
		return new TextDecoder().decode(got.bytes);
	};
	return {
		wired,
		bucket,
		mostViewed,
		upload,
		read,
		writes,
		deletes,
		advance: (ms: number) => {
			now += ms;
		},
		clock,
		reset: () => {
			writes.length = 0;
			deletes.length = 0;
			pings.length = 0;
		},
	};
}

type System = Awaited<ReturnType<typeof makeSystem>>;

/** Reads a feed in all three formats back with independent parsers and checks the shape. */
async function readFeed(system: System, path: string) {
	const [rssText, atomText, jsonText] = await Promise.all(
		["rss", "atom", "json"].map((format) => system.read(`${path}.${format}`)),
	);
	for (const text of [rssText, atomText]) {
		expect(XMLValidator.validate(text ?? "")).toBe(true);
		expect(text).not.toContain("CDATA");
	}
	const channel = xml.parse(rssText ?? "").rss.channel as Node;
	const feed = xml.parse(atomText ?? "").feed as Node;
	const json = JSON.parse(jsonText ?? "") as Node & {
		items: Node[];
		_syndicate?: { deleted: { id: string }[] };
	};
	// Atom's tombstones are RFC 6721's, and name what JSON Feed's kill notices name.
	expect(wellFormedTombstones(atomText ?? "", path)).toEqual(
		(json._syndicate?.deleted ?? []).map(({ id }) => id),
	);
	const url = `${SITE}/${path}`;
	expect(linkOf(channel["atom:link"], "self")).toBe(`${url}.rss`);
	expect(linkOf(feed.link, "self")).toBe(`${url}.atom`);
	expect(json.feed_url).toBe(`${url}.json`);
	expect(json.version).toBe("https://jsonfeed.org/version/1.1");
	return { channel, feed, json, items: (channel.item ?? []) as Node[] };
}

const guids = (items: Node[]) => items.map((item) => (item.guid as Node)["#text"]);

describe("feeds on the publish path", () => {
	it("an upload publishes every feed it belongs to, in every format, valid and complete", async () => {
		const system = await makeSystem();
		await system.upload("a1", { subjects: ["energy", "climate-change"] });
		for (const path of [
			"feeds/en/latest",
			"feeds/en/partners/science-news",
			"feeds/en/subjects/energy",
			"feeds/en/subjects/climate-change",
		]) {
			const { channel, feed, json, items } = await readFeed(system, path);
			expect(channel.language).toBe("en");
			expect(feed["@xml:lang"]).toBe("en");
			expect(json.language).toBe("en");
			expect(guids(items)).toEqual(["urn:syndicate:article:science-news:a1:en"]);
			const item = items[0] ?? {};
			expect(item["dc:creator"]).toBe("The Science News Ltd.");
			expect(item.category).toEqual(["energy", "climate-change"]);
			expect((item.enclosure as Node)["@url"]).toBe(
				`${SITE}/media/en/science-news/a1/images/photo.png`,
			);
			const media = item["media:content"] as Node;
			expect(media["@url"]).toBe(`${SITE}/media/en/science-news/a1/images/photo.png`);
			expect(media["media:credit"]).toBe("Someone");
			expect((media["media:description"] as Node)["#text"]).toBe("A photo");
			// WebSub: the hub is linked from every format.
			expect(linkOf(channel["atom:link"], "hub")).toBe(hubUrl);
			expect(linkOf(feed.link, "hub")).toBe(hubUrl);
			expect(json.hubs).toEqual([{ type: "WebSub", url: hubUrl }]);
			// A feed of fewer than 50 items is complete: no archive links, no fh:complete.
			expect(linkOf(channel["atom:link"], "prev-archive")).toBeUndefined();
			expect(json.next_url).toBeUndefined();
			expect(JSON.stringify(feed)).not.toContain("fh:complete");
		}
		expect(await system.read("en/index.html")).toContain("Headline a1");
		expect(await system.read("index.html")).toContain("Headline a1");
		expect(await system.read("404.html")).toMatch(/<html/);
		expect(system.bucket.keys().some((key) => /^assets\/site-[0-9a-f]{8}\.css$/.test(key))).toBe(
			true,
		);
		// What every feed names: its XSLT stylesheet, first thing after the XML declaration of each
		// RSS and Atom document, and its icons, at fixed paths so cached briefly.
		expect(system.bucket.head("feeds/feed.xsl")).toMatchObject({
			contentType: "text/xsl; charset=utf-8",
			cacheControl: "public, max-age=60",
		});
		for (const key of ["icons/icon-512.png", "icons/icon-64.png", "icons/logo-288x144.png"]) {
			expect(system.bucket.head(key), key).toMatchObject({
				contentType: "image/png",
				cacheControl: "public, max-age=60",
			});
		}
		expect(system.bucket.head("favicon.ico")?.contentType).toBe("image/x-icon");
		const xmlFeeds = system.bucket.keys().filter((key) => /\.(?:rss|atom)$/.test(key));
		expect(xmlFeeds.length).toBeGreaterThan(0);
		for (const key of xmlFeeds) {
			expect((await system.read(key)).split("\n")[1], key).toBe(
				'<?xml-stylesheet type="text/xsl" href="/feeds/feed.xsl"?>',
			);
		}
		// The hub heard of the changed feeds, archives and pages aside.
		const told = pings.flatMap((ping) => ping.getAll("hub.url"));
		expect(pings.every((ping) => ping.get("hub.mode") === "publish")).toBe(true);
		expect(told).toContain(`${SITE}/feeds/en/latest.rss`);
		expect(told).toContain(`${SITE}/feeds/en/subjects/climate-change.atom`);
		expect(told.every((url) => url.includes("/feeds/"))).toBe(true);
	});

	it("lists exactly the feeds that exist in the OPML, as soon as the upload that made them", async () => {
		const system = await makeSystem();
		await system.upload("a1", { subjects: ["energy"] });
		// The first listing of a feed brought the OPML and a new language's other feeds along.
		expect(await system.wired.sweep()).toBe(0);
		const opmlText = await system.read("feeds/index.opml");
		expect(XMLValidator.validate(opmlText)).toBe(true);
		const opml = xml.parse(opmlText).opml as Node;
		expect(opml["@version"]).toBe("2.0");
		const [english] = (opml.body as Node).outline as Node[];
		const outlines = (english?.outline ?? []) as Node[];
		for (const outline of outlines) {
			expect(outline["@type"]).toBe("rss");
			expect(outline["@language"]).toBe("en");
			expect(outline["@htmlUrl"]).toBe(`${SITE}/en/`);
			expect(outline["@text"]).toEqual(expect.stringMatching(/ · English$/));
		}
		const listed = outlines.map((outline) => outline["@xmlUrl"]).sort();
		const existing = system.bucket
			.keys()
			.filter((key) => /^feeds\/.+\.rss$/.test(key) && !key.includes("/archive/"))
			.map((key) => `${SITE}/${key}`)
			.sort();
		expect(listed).toEqual(existing);
		expect(existing.map((url) => url.slice(SITE.length))).toEqual([
			"/feeds/en/latest.rss",
			"/feeds/en/most-viewed.rss",
			"/feeds/en/partners/science-news.rss",
			"/feeds/en/subjects/energy.rss",
			"/feeds/en/updated.rss",
		]);
		const { json } = await readFeed(system, "feeds/en/updated");
		expect(json.items).toEqual([]);
	});

	it("re-renders only what an upload affects, and a publish that changes nothing writes nothing", async () => {
		const system = await makeSystem();
		await system.upload("a1", { subjects: ["energy"] });
		await system.wired.sweep();
		system.reset();
		await system.upload("a2", { subjects: ["policy"] });
		const written = new Set(system.writes);
		for (const key of [
			"feeds/en/latest.rss",
			"feeds/en/partners/science-news.json",
			"feeds/en/subjects/policy.atom",
			"en/index.html",
			"index.html",
			"en/articles/science-news/a2",
		]) {
			expect(written).toContain(key);
		}
		// The new subject's first listing brought the OPML along, in the same publish.
		expect(written).toContain("feeds/index.opml");
		// Not in energy, not an update; the 404 page and stylesheet unchanged.
		for (const key of [
			"feeds/en/subjects/energy.rss",
			"feeds/en/updated.rss",
			"404.html",
			"en/articles/science-news/a1",
		]) {
			expect(written).not.toContain(key);
		}
		expect(await system.wired.sweep()).toBe(0);
		system.reset();
		const everything = [
			"home",
			"front|en",
			"opml",
			"feed|en|latest",
			"feed|en|updated",
			"feed|en|most-viewed",
			"feed|en|partners/science-news",
			"feed|en|subjects/energy",
			"feed|en|subjects/policy",
			"page|en|science-news|a1",
			"page|en|science-news|a2",
		];
		const before = new Map<string, string>(
			await Promise.all(
				system.bucket.keys().map(async (key) => [key, await system.read(key)] as const),
			),
		);
		await system.wired.publishTargets(everything);
		expect(system.writes).toEqual([]);
		expect(system.deletes).toEqual([]);
		for (const [key, text] of before) expect(await system.read(key)).toBe(text);
	});

	it("a second version goes to Recent Updates, stays one item in Latest News", async () => {
		const system = await makeSystem();
		await system.upload("a1");
		await system.upload("a1", { version: 2, headline: "Corrected" });
		const updated = await readFeed(system, "feeds/en/updated");
		expect(guids(updated.items)).toEqual(["urn:syndicate:article:science-news:a1:en"]);
		const latest = await readFeed(system, "feeds/en/latest");
		expect(latest.items.map((item) => item.title)).toEqual(["Corrected"]);
	});

	it("Most Viewed follows the ranking and drops an article taken down", async () => {
		const system = await makeSystem();
		await system.upload("a1");
		await system.upload("a2");
		const ref = (articleId: string) => ({ partnerId: "science-news", articleId, language: "en" });
		system.mostViewed.set("en", [
			{ ...ref("a1"), views: 9 },
			{ ...ref("gone"), views: 5 },
			{ ...ref("a2"), views: 3 },
		]);
		await system.wired.publishTargets(["feed|en|most-viewed", "front|en"]);
		const ranked = await readFeed(system, "feeds/en/most-viewed");
		expect(guids(ranked.items)).toEqual([
			"urn:syndicate:article:science-news:a1:en",
			"urn:syndicate:article:science-news:a2:en",
		]);
		await system.wired.withdraw({
			partnerId: "science-news",
			articleId: "a1",
			by: "ops",
			reason: "x",
		});
		const after = await readFeed(system, "feeds/en/most-viewed");
		expect(guids(after.items)).toEqual(["urn:syndicate:article:science-news:a2:en"]);
	});

	it("Most Viewed lists an article again once restored, as the front page does (issue 23)", async () => {
		const system = await makeSystem();
		await system.upload("a1");
		const a1 = { partnerId: "science-news", articleId: "a1", language: "en" };
		// The views keep their ranking through the takedown: nothing republishes it.
		system.mostViewed.set("en", [{ ...a1, views: 9 }]);
		await system.wired.publishTargets(["feed|en|most-viewed", "front|en"]);
		const ops = { partnerId: "science-news", articleId: "a1", by: "ops" };
		await system.wired.withdraw({ ...ops, reason: "x" });
		expect((await readFeed(system, "feeds/en/most-viewed")).items).toEqual([]);

		await system.wired.restore({ ...ops, reason: "y" });
		const frontMostViewed = (await system.read("en/index.html")).match(
			/<section aria-labelledby="most-viewed-en">[\s\S]*?<\/section>/,
		)?.[0];
		expect(frontMostViewed).toContain("Headline a1");
		const ranked = await readFeed(system, "feeds/en/most-viewed");
		expect(guids(ranked.items)).toEqual(["urn:syndicate:article:science-news:a1:en"]);
		expect(ranked.json.items.map((item) => item.title)).toEqual(["Headline a1"]);
	});

	it("Most Viewed shows a ranked article's new version, its ranking unchanged", async () => {
		const system = await makeSystem();
		await system.upload("a1");
		system.mostViewed.set("en", [
			{ partnerId: "science-news", articleId: "a1", language: "en", views: 9 },
		]);
		await system.wired.publishTargets(["feed|en|most-viewed"]);
		await system.upload("a1", { version: 2, headline: "Corrected" });
		const ranked = await readFeed(system, "feeds/en/most-viewed");
		expect(ranked.json.items.map((item) => item.title)).toEqual(["Corrected"]);
	});

	it("an emptied feed keeps a plausible date from the data: when it lost its last item", async () => {
		const system = await makeSystem();
		await system.upload("a1", { subjects: ["rare"] });
		system.advance(3_600_000);
		const takenAt = system.clock().toISOString();
		await system.wired.withdraw({
			partnerId: "science-news",
			articleId: "a1",
			by: "ops",
			reason: "x",
		});
		const { channel, feed, items } = await readFeed(system, "feeds/en/subjects/rare");
		expect(items).toEqual([]);
		expect(feed.updated).toBe(takenAt);
		expect(channel.lastBuildDate).toBe(new Date(takenAt).toUTCString());
	});
});

describe("RFC 5005 archives", () => {
	it("keeps the newest 50 in the feed and every older item in archives linked both ways", async () => {
		const system = await makeSystem();
		const ids = Array.from({ length: 55 }, (_, i) => `n${String(i).padStart(2, "0")}`);
		for (const id of ids) await system.upload(id, { subjects: [] });

		const latest = await readFeed(system, "feeds/en/latest");
		expect(latest.items).toHaveLength(50);
		expect(guids(latest.items)[0]).toBe("urn:syndicate:article:science-news:n54:en");
		const archive = (n: number, format: string) => `${SITE}/feeds/en/latest/archive/${n}.${format}`;
		expect(linkOf(latest.channel["atom:link"], "prev-archive")).toBe(archive(2, "rss"));
		expect(linkOf(latest.feed.link, "prev-archive")).toBe(archive(2, "atom"));
		expect(latest.json.next_url).toBe(archive(2, "json"));
		expect(latest.feed["fh:archive"]).toBeUndefined();

		const newest = await readFeed(system, "feeds/en/latest/archive/2");
		expect(guids(newest.items)).toEqual(
			ids
				.slice(50)
				.reverse()
				.map((id) => `urn:syndicate:article:science-news:${id}:en`),
		);
		expect(newest.feed["fh:archive"]).toBe("");
		expect(newest.channel["fh:archive"]).toBe("");
		expect(linkOf(newest.feed.link, "current")).toBe(`${SITE}/feeds/en/latest.atom`);
		expect(linkOf(newest.feed.link, "prev-archive")).toBe(archive(1, "atom"));
		expect(linkOf(newest.feed.link, "next-archive")).toBeUndefined();
		expect(newest.json.next_url).toBe(archive(1, "json"));

		const oldest = await readFeed(system, "feeds/en/latest/archive/1");
		expect(oldest.items).toHaveLength(50);
		expect(linkOf(oldest.feed.link, "next-archive")).toBe(archive(2, "atom"));
		expect(linkOf(oldest.channel["atom:link"], "next-archive")).toBe(archive(2, "rss"));
		expect(linkOf(oldest.feed.link, "prev-archive")).toBeUndefined();
		// Every item is in the feed or an archive: nothing lost between them.
		const all = new Set([...guids(latest.items), ...guids(newest.items), ...guids(oldest.items)]);
		expect(all.size).toBe(55);
		// The HTML page of older Latest News, linked from the front page.
		expect(await system.read("en/archive/2")).toContain("Headline n50");
		expect(await system.read("en/index.html")).toContain("/en/archive/2");

		// A full page is not written again when a newer item arrives.
		system.reset();
		await system.upload("n55", { subjects: [] });
		expect(system.writes.filter((key) => key.includes("/archive/1"))).toEqual([]);
		expect(system.writes).toContain("feeds/en/latest/archive/2.atom");
	});

	it("a takedown removes the article from the archive document that held it", async () => {
		const system = await makeSystem();
		for (let i = 0; i < 52; i++)
			await system.upload(`t${String(i).padStart(2, "0")}`, { subjects: [] });
		const before = await readFeed(system, "feeds/en/latest/archive/1");
		expect(guids(before.items)).toContain("urn:syndicate:article:science-news:t00:en");
		system.reset();
		await system.wired.withdraw({
			partnerId: "science-news",
			articleId: "t00",
			by: "ops",
			reason: "x",
		});
		const after = await readFeed(system, "feeds/en/latest/archive/1");
		expect(guids(after.items)).not.toContain("urn:syndicate:article:science-news:t00:en");
		expect(after.items).toHaveLength(49);
		expect(system.writes).toContain("feeds/en/latest/archive/1.rss");
		expect(system.writes).not.toContain("feeds/en/latest/archive/2.rss");
		// It was past the newest 50, so the feed itself did not change.
		expect(system.writes).not.toContain("feeds/en/latest.rss");
	});

	it("a takedown leaves a kill notice in the feed and the archive page it left; a restore takes it back", async () => {
		const system = await makeSystem();
		for (let i = 0; i < 52; i++)
			await system.upload(`k${String(i).padStart(2, "0")}`, { subjects: [] });
		const id = "urn:syndicate:article:science-news:k00:en";
		system.advance(3_600_000);
		const when = system.clock().toISOString();
		system.reset();
		await system.wired.withdraw({
			partnerId: "science-news",
			articleId: "k00",
			by: "ops",
			reason: "legal order 42",
		});
		const notice = { "@ref": id, "@when": when };
		const latest = await readFeed(system, "feeds/en/latest");
		expect(latest.feed["at:deleted-entry"]).toEqual([
			expect.objectContaining({
				...notice,
				"at:by": { name: "Syndicate", uri: `${SITE}/en/` },
				"at:comment": expect.objectContaining({ "#text": "withdrawn" }),
			}),
		]);
		expect(latest.json._syndicate).toEqual({ deleted: [{ id, when, reason: "withdrawn" }] });
		// The private reason is never published.
		expect(JSON.stringify([latest.feed, latest.json])).not.toContain("legal order");
		const page = await readFeed(system, "feeds/en/latest/archive/1");
		expect(page.feed["at:deleted-entry"]).toEqual([expect.objectContaining(notice)]);
		expect((await readFeed(system, "feeds/en/latest/archive/2")).feed["at:deleted-entry"]).toBe(
			undefined,
		);
		// The item was past the newest 50: the notice alone changed the feed, and the hub heard.
		const told = pings.flatMap((ping) => ping.getAll("hub.url"));
		expect(told).toContain(`${SITE}/feeds/en/latest.atom`);
		expect(told).toContain(`${SITE}/feeds/en/latest.json`);

		system.advance(3_600_000);
		await system.wired.restore({
			partnerId: "science-news",
			articleId: "k00",
			by: "ops",
			reason: "order lifted",
		});
		const back = await readFeed(system, "feeds/en/latest");
		expect(back.feed["at:deleted-entry"]).toBe(undefined);
		expect(back.json._syndicate).toBe(undefined);
		// Back with a new ordinal: on the newest archive page; the page it left is written again.
		expect(guids((await readFeed(system, "feeds/en/latest/archive/2")).items)).toContain(id);
		expect((await readFeed(system, "feeds/en/latest/archive/1")).feed["at:deleted-entry"]).toBe(
			undefined,
		);
	});
});
