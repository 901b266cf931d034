import { XMLParser, XMLValidator } from "fast-xml-parser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalStack, startEphemeralStack } from "../../local/stack.ts";
import { makeBundle, makeManifest } from "../helpers/bundles.ts";
import { makeServices } from "../helpers/services.ts";
import { upload } from "../helpers/stack.ts";

let stack: LocalStack;

beforeAll(async () => {
	stack = await startEphemeralStack();
});
afterAll(async () => {
	await stack?.stop();
});

const xml = new XMLParser({
	ignoreAttributes: false,
	attributeNamePrefix: "@",
	isArray: (name) => ["item", "entry", "link", "atom:link", "outline", "category"].includes(name),
});

type Node = Record<string, unknown>;
const linkOf = (nodes: unknown, rel: string) =>
	((nodes ?? []) as Node[]).find((link) => link["@rel"] === rel)?.["@href"] as string | undefined;

const get = (path: string) => fetch(`${stack.endpoints.edgeUrl}${path}`);

describe("every feed of docs/feeds.md through the local edge", () => {
	it("serves each kind of feed in three formats, the archives and the OPML, parsed back", async () => {
		const edge = stack.endpoints.edgeUrl;
		for (let i = 0; i < 52; i++) {
			const id = `feed-${String(i).padStart(2, "0")}`;
			const at = new Date(Date.UTC(2024, 0, 1, 0, i)).toISOString();
			await upload(
				stack,
				`incoming/science-news/${id}.zip`,
				makeBundle({
					manifest: makeManifest({
						id,
						headline: `Headline ${i}`,
						firstCreated: at,
						versionCreated: at,
						subjects: i % 2 === 0 ? ["energy"] : ["policy"],
					}),
				}),
			);
		}

		const types = {
			rss: "application/rss+xml; charset=utf-8",
			atom: "application/atom+xml; charset=utf-8",
			json: "application/feed+json; charset=utf-8",
		};
		for (const name of ["latest", "partners/science-news", "subjects/energy", "subjects/policy"]) {
			for (const [format, type] of Object.entries(types)) {
				const response = await get(`/feeds/en/${name}.${format}`);
				expect(response.status, `${name}.${format}`).toBe(200);
				expect(response.headers.get("content-type")).toBe(type);
				const text = await response.text();
				if (format === "json") {
					const json = JSON.parse(text) as Node & { items: Node[] };
					expect(json.feed_url).toBe(`${edge}/feeds/en/${name}.json`);
					expect(json.items.length).toBeLessThanOrEqual(50);
				} else {
					expect(XMLValidator.validate(text)).toBe(true);
				}
			}
		}

		const latest = xml.parse(await (await get("/feeds/en/latest.atom")).text()).feed as Node;
		expect(latest.entry as Node[]).toHaveLength(50);
		const newestArchive = linkOf(latest.link, "prev-archive");
		expect(newestArchive).toBe(`${edge}/feeds/en/latest/archive/2.atom`);
		const archive = xml.parse(await (await get("/feeds/en/latest/archive/2.atom")).text())
			.feed as Node;
		expect(archive["fh:archive"]).toBe("");
		expect(linkOf(archive.link, "current")).toBe(`${edge}/feeds/en/latest.atom`);
		const older = linkOf(archive.link, "prev-archive");
		expect(older).toBe(`${edge}/feeds/en/latest/archive/1.atom`);
		const first = xml.parse(await (await get("/feeds/en/latest/archive/1.atom")).text())
			.feed as Node;
		expect(linkOf(first.link, "next-archive")).toBe(newestArchive);
		expect((first.entry as Node[]).length + (archive.entry as Node[]).length).toBe(52);

		// The first listing of each feed asks for the OPML; the schedule's sweep publishes it.
		const services = makeServices(stack);
		await services.sweep();
		const opml = await get("/feeds/index.opml");
		expect(opml.status).toBe(200);
		expect(opml.headers.get("content-type")).toBe("text/x-opml; charset=utf-8");
		const body = (xml.parse(await opml.text()).opml as Node).body as Node;
		const [english] = body.outline as Node[];
		const listed = ((english?.outline ?? []) as Node[]).map((outline) => outline["@xmlUrl"]);
		expect(listed.sort()).toEqual(
			[
				"latest",
				"updated",
				"most-viewed",
				"partners/science-news",
				"subjects/energy",
				"subjects/policy",
			]
				.map((name) => `${edge}/feeds/en/${name}.rss`)
				.sort(),
		);
		for (const url of listed) expect((await fetch(String(url))).status).toBe(200);
	});
});
