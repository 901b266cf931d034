import { execFile } from "node:child_process";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { XMLParser } from "fast-xml-parser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalStack, startEphemeralStack } from "../../local/stack.ts";
import { makeBundle, makeManifest } from "../helpers/bundles.ts";
import { upload } from "../helpers/stack.ts";

/** One publish ping as the hub received it, and each topic as the hub then fetched it. */
interface Ping {
	contentType: string | undefined;
	mode: string | null;
	topics: string[];
	fetched: Promise<Map<string, { status: number; body: string }>>;
}

/**
 * A WebSub hub on loopback, as far as a publisher sees one: it takes `hub.mode=publish`
 * with the changed topics, answers at once, and then fetches each topic (here from the
 * local edge), as a hub does before it delivers the new content to subscribers.
 */
function startHub(): Promise<{ server: Server; url: string; pings: Ping[] }> {
	const pings: Ping[] = [];
	const server = createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on("data", (chunk: Buffer) => chunks.push(chunk));
		req.on("end", () => {
			const form = new URLSearchParams(Buffer.concat(chunks).toString());
			const topics = form.getAll("hub.url");
			res.writeHead(req.method === "POST" && req.url === "/hub" ? 204 : 400).end();
			const fetched = Promise.all(
				topics.map(async (topic) => {
					const response = await fetch(topic);
					return [topic, { status: response.status, body: await response.text() }] as const;
				}),
			).then((entries) => new Map(entries));
			pings.push({
				contentType: req.headers["content-type"],
				mode: form.get("hub.mode"),
				topics,
				fetched,
			});
		});
	});
	return new Promise((resolve) => {
		server.listen(0, "127.0.0.1", () => {
			const { port } = server.address() as AddressInfo;
			resolve({ server, url: `http://127.0.0.1:${port}/hub`, pings });
		});
	});
}

let hub: Awaited<ReturnType<typeof startHub>>;
let stack: LocalStack;

beforeAll(async () => {
	hub = await startHub();
	// As `SYNDICATE_HUB_URL=… npm start` runs it: the functions in containers, given HUB_URL.
	stack = await startEphemeralStack({ runtime: "lambda", hubUrl: hub.url });
	// The first start of a checkout synthesizes the app and builds the bundles.
}, 120_000);
afterAll(async () => {
	await stack?.stop();
	await new Promise((resolve) => hub?.server.close(resolve));
});

const xml = new XMLParser({
	ignoreAttributes: false,
	attributeNamePrefix: "@",
	isArray: (name) => ["link", "atom:link"].includes(name),
});
type Node = Record<string, unknown>;
const hubLinkOf = (links: unknown) =>
	((links ?? []) as Node[]).find((link) => link["@rel"] === "hub")?.["@href"];

/** The feeds an English article of science-news on energy is in, in every format. */
function feedsOf(edge: string): string[] {
	return ["latest", "partners/science-news", "subjects/energy"].flatMap((feed) =>
		["rss", "atom", "json"].map((format) => `${edge}/feeds/en/${feed}.${format}`),
	);
}

async function uploadArticle(id: string, headline: string, minute: number): Promise<void> {
	const at = new Date(Date.UTC(2024, 0, 1, 0, minute)).toISOString();
	const manifest = makeManifest({ id, headline, firstCreated: at, versionCreated: at });
	await upload(stack, `incoming/science-news/${id}.zip`, makeBundle({ manifest }));
}

describe("a WebSub hub on loopback, given as the stack's hub", () => {
	it("is pinged with each feed an upload changed, and fetches it updated from the edge", async () => {
		const edge = stack.endpoints.edgeUrl;
		// The stack's start published nothing yet: no feed had changed.
		const before = hub.pings.length;
		for (const [index, headline] of ["First of two", "Second of two"].entries()) {
			const sent = hub.pings.length;
			await uploadArticle(`websub-${index}`, headline, index);
			const pings = hub.pings.slice(sent);
			expect(pings.length, headline).toBeGreaterThan(0);
			const topics = new Set(pings.flatMap((ping) => ping.topics));
			for (const ping of pings) {
				expect(ping.mode).toBe("publish");
				expect(ping.contentType).toBe("application/x-www-form-urlencoded");
				// Feed documents only: no page, photo, archive or OPML is a topic.
				for (const topic of ping.topics) {
					expect(topic).toMatch(new RegExp(`^${edge}/feeds/[a-z]{2}/[a-z/-]+\\.(rss|atom|json)$`));
				}
			}
			for (const feed of feedsOf(edge)) expect(topics, feed).toContain(feed);
			// What the hub fetched right after the ping is the feed with the new article in it.
			const fetched = new Map<string, { status: number; body: string }>();
			for (const ping of pings)
				for (const [topic, got] of await ping.fetched) fetched.set(topic, got);
			for (const feed of feedsOf(edge)) {
				expect(fetched.get(feed)?.status, feed).toBe(200);
				expect(fetched.get(feed)?.body, feed).toContain(headline);
			}
		}
		expect(hub.pings.length).toBeGreaterThan(before);
	});

	it("is linked by every feed document: atom:link and link rel=hub, JSON Feed hubs", async () => {
		for (const feed of feedsOf(stack.endpoints.edgeUrl)) {
			const response = await fetch(feed);
			expect(response.status, feed).toBe(200);
			const text = await response.text();
			if (feed.endsWith(".json")) {
				const json = JSON.parse(text) as { hubs?: unknown };
				expect(json.hubs, feed).toEqual([{ type: "WebSub", url: hub.url }]);
			} else if (feed.endsWith(".rss")) {
				const channel = xml.parse(text).rss.channel as Node;
				expect(hubLinkOf(channel["atom:link"]), feed).toBe(hub.url);
			} else {
				expect(hubLinkOf((xml.parse(text).feed as Node).link), feed).toBe(hub.url);
			}
		}
	});
});

describe("SYNDICATE_HUB_URL", () => {
	it("is refused by npm start in one line, before anything starts, unless https (or http on loopback)", async () => {
		const dataDir = await mkdtemp(join(tmpdir(), "websub-refused-"));
		try {
			const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>(
				(resolve) => {
					const child = execFile(
						process.execPath,
						["--import", "tsx", "local/start.ts", "--data", dataDir],
						{
							cwd: join(import.meta.dirname, "../.."),
							env: { ...process.env, SYNDICATE_HUB_URL: "http://hub.example.org/websub" },
						},
						(_error, _stdout, stderr) => resolve({ code: child.exitCode, stderr }),
					);
				},
			);
			expect(code).toBe(1);
			expect(stderr.trim()).toBe(
				'SYNDICATE_HUB_URL: "http://hub.example.org/websub" must be an https URL (http only on loopback: localhost, 127.x.x.x, [::1])',
			);
			// Nothing started: no server wrote its data or its pid.
			expect(await readdir(dataDir)).toEqual([]);
		} finally {
			await rm(dataDir, { recursive: true, force: true });
		}
	});
});
