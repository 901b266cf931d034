import { createHash } from "node:crypto";
import { get as httpGet } from "node:http";
import { gunzipSync } from "node:zlib";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalStack, startEphemeralStack } from "../../local/stack.ts";
import { exampleBundle, makeBundle, makeManifest, PNG } from "../helpers/bundles.ts";
import { getObject, readReport, upload } from "../helpers/stack.ts";

let stack: LocalStack;

beforeAll(async () => {
	// As npm start runs it: the functions bundled and in containers, shaped by the template; a
	// failed message is back after 0.2 s instead of the queue's 360 s visibility timeout.
	stack = await startEphemeralStack({ runtime: "lambda", visibilityTimeoutSeconds: 0.2 });
	// The first start of a checkout synthesizes the app (7-15 s) and builds the bundles.
}, 120_000);
afterAll(async () => {
	await stack?.stop();
});

const ARTICLE = "2023-02-hitachi-china-green-league";
const ATTRIBUTION =
	"This article has been translated by JST with permission from The Science News Ltd. Unauthorized reproduction of the article and photographs is prohibited.";
const xml = new XMLParser({
	ignoreAttributes: false,
	attributeNamePrefix: "@",
	isArray: (n) => ["item", "entry", "link"].includes(n),
});

async function get(path: string, headers: Record<string, string> = {}) {
	return fetch(`${stack.endpoints.edgeUrl}${path}`, { headers });
}

/** The ids in all three latest feeds of a language, parsed back from what the edge serves. */
async function latestIds(
	language: string,
): Promise<{ rss: string[]; atom: string[]; json: string[] }> {
	const rss =
		xml.parse(await (await get(`/feeds/${language}/latest.rss`)).text()).rss.channel.item ?? [];
	const atom =
		xml.parse(await (await get(`/feeds/${language}/latest.atom`)).text()).feed.entry ?? [];
	const json = (await (await get(`/feeds/${language}/latest.json`)).json()) as {
		items: { id: string }[];
	};
	return {
		rss: rss.map((i: { guid: { "#text": string } }) => i.guid["#text"]),
		atom: atom.map((e: { id: string }) => e.id),
		json: json.items.map((i) => i.id),
	};
}

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

describe("upload → ingest → DynamoDB → S3 → feeds, on the real local servers, the functions in Lambda shape", () => {
	it("publishes the example article to its page and all three latest feeds, with attribution", async () => {
		// A key with a space and a plus: S3 events carry it form-encoded; decoded exactly once.
		const key = "incoming/science-news/2023/hitachi en+1.zip";
		const bundle = await exampleBundle("hitachi-china-en");
		await upload(stack, key, bundle);

		const report = await readReport(stack, key);
		expect(report).toMatchObject({
			bundle: key,
			sha256: sha256(bundle),
			status: "published",
			articleId: ARTICLE,
			version: 1,
			language: "en",
			errors: [],
		});
		expect(Date.parse(String(report.processedAt))).toBeGreaterThanOrEqual(
			Date.parse(String(report.receivedAt)),
		);

		const rss = await get("/feeds/en/latest.rss");
		expect(rss.headers.get("content-type")).toBe("application/rss+xml; charset=utf-8");
		const rssText = await rss.text();
		expect(XMLValidator.validate(rssText)).toBe(true);
		const [item] = xml.parse(rssText).rss.channel.item;
		expect(item.title).toMatch(/^Hitachi collaborates/);
		expect(item["content:encoded"]).toContain(ATTRIBUTION);
		expect(item.link[0]).toBe(`${stack.endpoints.edgeUrl}/en/articles/science-news/${ARTICLE}`);

		const atom = await get("/feeds/en/latest.atom");
		expect(atom.headers.get("content-type")).toBe("application/atom+xml; charset=utf-8");
		expect(xml.parse(await atom.text()).feed.entry[0].rights["#text"]).toBe(ATTRIBUTION);

		const json = await get("/feeds/en/latest.json");
		expect(json.headers.get("content-type")).toBe("application/feed+json; charset=utf-8");
		const feed = (await json.json()) as {
			version: string;
			items: { content_html: string; image?: string }[];
		};
		expect(feed.version).toBe("https://jsonfeed.org/version/1.1");
		expect(feed.items[0]?.content_html).toContain(ATTRIBUTION);

		const page = await get(`/en/articles/science-news/${ARTICLE}`);
		expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
		const html = await page.text();
		expect(html).toContain(ATTRIBUTION);
		expect(html).toContain("Back to Latest News");
		const image = await get(new URL(String(feed.items[0]?.image)).pathname);
		expect(image.status).toBe(200);
		expect(image.headers.get("content-type")).toBe("image/png");
		expect((await get("/en/")).status).toBe(200);
		const home = await get("/");
		expect(home.headers.get("content-type")).toBe("text/html; charset=utf-8");
		expect(await home.text()).toContain(`/en/articles/science-news/${ARTICLE}`);

		// Never lost: the upload stays where it was, and a byte-for-byte archive copy exists.
		const archived = await getObject(
			stack,
			stack.endpoints.ingestBucket,
			`archive/science-news/${sha256(bundle)}.zip`,
		);
		expect(archived && sha256(archived)).toBe(sha256(bundle));
		expect(await getObject(stack, stack.endpoints.ingestBucket, key)).toBeDefined();
	});

	it("serves conditional GETs with 304 and compresses for clients that accept it", async () => {
		const first = await get("/feeds/en/latest.rss");
		const etag = first.headers.get("etag");
		expect(etag).toBeTruthy();
		expect(first.headers.get("last-modified")).toBeTruthy();
		expect((await get("/feeds/en/latest.rss", { "If-None-Match": String(etag) })).status).toBe(304);
		expect((await get("/no/such/page")).status).toBe(404);
		expect((await get("/%E0%A4%A")).status).toBe(400);
		// node:http, not fetch: fetch would inflate the body before we could see it.
		const raw = await new Promise<{ encoding?: string; body: Buffer }>((resolve, reject) => {
			httpGet(
				`${stack.endpoints.edgeUrl}/feeds/en/latest.rss`,
				{ headers: { "Accept-Encoding": "gzip" } },
				(res) => {
					const chunks: Buffer[] = [];
					res.on("data", (chunk: Buffer) => chunks.push(chunk));
					res.on("end", () =>
						resolve({ encoding: res.headers["content-encoding"], body: Buffer.concat(chunks) }),
					);
				},
			).on("error", reject);
		});
		expect(raw.encoding).toBe("gzip");
		expect(gunzipSync(raw.body).toString()).toContain("<rss");
	});

	it("keeps an article without a covering agreement out of pages and feeds", async () => {
		const key = "incoming/science-news/pending.zip";
		await upload(stack, key, await exampleBundle("pending-unknown-agreement"));
		expect(await readReport(stack, key)).toMatchObject({
			status: "pending-permission",
			articleId: "2023-03-pending-example",
			errors: [],
		});
		expect((await get("/en/articles/science-news/2023-03-pending-example")).status).toBe(404);
		expect((await latestIds("en")).json).not.toContain(
			"urn:syndicate:article:science-news:2023-03-pending-example:en",
		);
	});

	it("keeps an embargoed article private", async () => {
		const key = "incoming/science-news/embargoed.zip";
		await upload(
			stack,
			key,
			makeBundle({
				manifest: makeManifest({ id: "embargoed", embargoUntil: "2999-01-01T00:00:00Z" }),
			}),
		);
		expect(await readReport(stack, key)).toMatchObject({
			status: "embargoed",
			articleId: "embargoed",
		});
		expect((await get("/en/articles/science-news/embargoed")).status).toBe(404);
		expect((await latestIds("en")).rss).not.toContain(
			"urn:syndicate:article:science-news:embargoed:en",
		);
	});

	it("rejects bad uploads with stable codes and keeps the bytes", async () => {
		const junk = new TextEncoder().encode("this is not a zip");
		await upload(stack, "incoming/science-news/junk.zip", junk);
		expect(await readReport(stack, "incoming/science-news/junk.zip")).toMatchObject({
			status: "rejected",
			sha256: sha256(junk),
			errors: [{ code: "NOT_A_ZIP" }],
		});
		expect(
			await getObject(
				stack,
				stack.endpoints.ingestBucket,
				`archive/science-news/${sha256(junk)}.zip`,
			),
		).toEqual(junk);

		const bad = makeBundle({
			manifest: makeManifest({ version: "one", images: [{ file: "images/missing.png" }] }),
		});
		await upload(stack, "incoming/science-news/bad.zip", bad);
		expect(await readReport(stack, "incoming/science-news/bad.zip")).toMatchObject({
			status: "rejected",
			errors: [{ code: "MANIFEST_INVALID", path: "version" }],
		});

		await upload(stack, "incoming/nobody/x.zip", await exampleBundle("hitachi-china-en"));
		expect(await readReport(stack, "incoming/nobody/x.zip")).toMatchObject({
			status: "rejected",
			errors: [{ code: "UNKNOWN_PARTNER" }],
		});
	});

	it("applies the version rules: duplicate, replace, conflict, stale", async () => {
		const v1 = makeBundle({ manifest: makeManifest({ id: "versioned" }) });
		await upload(stack, "incoming/science-news/v1.zip", v1);
		expect(await readReport(stack, "incoming/science-news/v1.zip")).toMatchObject({
			status: "published",
			version: 1,
		});

		await upload(stack, "incoming/science-news/v1-again.zip", v1);
		expect(await readReport(stack, "incoming/science-news/v1-again.zip")).toMatchObject({
			status: "duplicate",
			version: 1,
		});

		const photo = "/media/en/science-news/versioned/images/photo.png";
		expect((await get(photo)).status).toBe(200);
		const v2 = makeBundle({
			files: { "images/other.png": PNG },
			manifest: makeManifest({
				images: [{ file: "images/other.png" }],
				id: "versioned",
				version: 2,
				headline: "Second version",
				versionCreated: "2024-01-11T00:00:00Z",
			}),
		});
		await upload(stack, "incoming/science-news/v2.zip", v2);
		expect(await readReport(stack, "incoming/science-news/v2.zip")).toMatchObject({
			status: "published",
			version: 2,
		});
		const json = (await (await get("/feeds/en/latest.json")).json()) as {
			items: { id: string; title: string }[];
		};
		const items = json.items.filter(
			(i) => i.id === "urn:syndicate:article:science-news:versioned:en",
		);
		expect(items.map((i) => i.title)).toEqual(["Second version"]);
		// The photo version 2 dropped is gone from the site; its new one is there.
		expect((await get(photo)).status).toBe(404);
		expect((await get("/media/en/science-news/versioned/images/other.png")).status).toBe(200);

		const conflict = makeBundle({
			manifest: makeManifest({ id: "versioned", version: 2, headline: "Other" }),
		});
		await upload(stack, "incoming/science-news/v2-conflict.zip", conflict);
		expect(await readReport(stack, "incoming/science-news/v2-conflict.zip")).toMatchObject({
			status: "rejected",
			errors: [{ code: "VERSION_CONFLICT", path: "version" }],
		});
		await upload(
			stack,
			"incoming/science-news/v1-late.zip",
			makeBundle({ manifest: makeManifest({ id: "versioned", headline: "Late" }) }),
		);
		expect(await readReport(stack, "incoming/science-news/v1-late.zip")).toMatchObject({
			status: "rejected",
			errors: [{ code: "STALE_VERSION" }],
		});

		// A withheld version takes the article down: the page answers 410 Gone, photo and feed item go.
		const withheld = makeBundle({
			manifest: makeManifest({ id: "versioned", version: 3, pubStatus: "withheld" }),
		});
		await upload(stack, "incoming/science-news/v3-withheld.zip", withheld);
		expect(await readReport(stack, "incoming/science-news/v3-withheld.zip")).toMatchObject({
			status: "withdrawn",
			version: 3,
		});
		expect((await get("/en/articles/science-news/versioned")).status).toBe(410);
		expect((await get("/media/en/science-news/versioned/images/other.png")).status).toBe(404);
		expect((await get("/media/en/science-news/versioned/images/photo.png")).status).toBe(404);
		for (const ids of Object.values(await latestIds("en"))) {
			expect(ids).not.toContain("urn:syndicate:article:science-news:versioned:en");
		}
	});

	it("loses nothing and duplicates nothing under concurrent uploads and redelivered events", async () => {
		const ids = Array.from({ length: 12 }, (_, i) => `concurrent-${i}`);
		const keys = ids.map((id) => `incoming/science-news/batch/${id}.zip`);
		await Promise.all(
			ids.map((id, i) =>
				stack.s3.send(
					new PutObjectCommand({
						Bucket: stack.endpoints.ingestBucket,
						Key: keys[i],
						Body: makeBundle({
							manifest: makeManifest({
								id,
								firstCreated: `2030-01-01T00:00:${String(i).padStart(2, "0")}Z`,
							}),
						}),
					}),
				),
			),
		);
		await stack.idle();
		// SQS delivers at least once: every event again, twice, all at once.
		const events = stack.queue.recent.filter((body) => body.includes("batch/concurrent-"));
		expect(events).toHaveLength(12);
		for (const body of [...events, ...events]) stack.queue.send(body);
		await stack.idle();

		for (const key of keys)
			expect(await readReport(stack, key)).toMatchObject({ status: "published", errors: [] });
		const feeds = await latestIds("en");
		for (const format of ["rss", "atom", "json"] as const) {
			const batch = feeds[format].filter((id) => id.includes(":concurrent-"));
			expect(batch.sort()).toEqual(
				ids.map((id) => `urn:syndicate:article:science-news:${id}:en`).sort(),
			);
		}
		expect(new Set(feeds.json).size).toBe(feeds.json.length);
		expect(stack.queue.deadLetters).toEqual([]);
	});

	it("retries a message whose ingest fails, then dead-letters it, writing nothing", async () => {
		const key = "incoming/science-news/vanished.zip";
		const record = {
			eventVersion: "2.1",
			eventSource: "aws:s3",
			eventTime: new Date().toISOString(),
			eventName: "ObjectCreated:Put",
			s3: {
				bucket: { name: stack.endpoints.ingestBucket },
				object: { key, size: 10, sequencer: "FF" },
			},
		};
		stack.queue.send(JSON.stringify({ Records: [record] }));
		await stack.idle();
		expect(stack.queue.deadLetters).toEqual([
			expect.objectContaining({
				receiveCount: stack.queue.maxReceiveCount,
				body: expect.stringContaining("vanished.zip"),
			}),
		]);
		expect(
			await getObject(
				stack,
				stack.endpoints.ingestBucket,
				"reports/science-news/vanished.zip.json",
			),
		).toBeUndefined();
	});
});
