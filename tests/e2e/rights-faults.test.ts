import { DeleteObjectCommand, ListObjectsV2Command, PutObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoDbAgreementStore } from "#shared/adapters/dynamodb/dynamodb-agreement-store.ts";
import { DynamoDbArticleStore } from "#shared/adapters/dynamodb/dynamodb-article-store.ts";
import { type LocalStack, startEphemeralStack } from "../../local/stack.ts";
import { expectOk, startSyndicate, syndicate } from "../cli/spawn-cli.ts";
import { makeBundle, makeManifest } from "../helpers/bundles.ts";
import { getObject } from "../helpers/stack.ts";

/**
 * Agreement commands killed or racing each other, as real processes (the ops CLI under tsx)
 * against the local stack: whatever the timing, once the schedule has run the table and the
 * site say what the agreement as last stored allows, and `status` shows what is unfinished.
 */

// More than a feed holds (50), so the partner feed has an archive document too.
const ARTICLES = 60;
const AGREEMENT = "sn-jst-2023";
const PARTNER = "science-news";
// The CLI holds an agreement change this long: a killed one is the schedule's after it.
const LEASE_SECONDS = 2;

let stack: LocalStack;
let articles: DynamoDbArticleStore;
let agreements: DynamoDbAgreementStore;
const ids = Array.from({ length: ARTICLES }, (_, i) => `2024-fault-${String(i).padStart(3, "0")}`);

beforeAll(async () => {
	stack = await startEphemeralStack();
	articles = new DynamoDbArticleStore(stack.dynamodb, stack.endpoints.table);
	agreements = new DynamoDbAgreementStore(stack.dynamodb, stack.endpoints.table);
	await Promise.all(
		ids.map((id) =>
			stack.s3.send(
				new PutObjectCommand({
					Bucket: stack.endpoints.ingestBucket,
					Key: `incoming/${PARTNER}/${id}.zip`,
					Body: makeBundle({ manifest: makeManifest({ id, headline: `About ${id}` }) }),
				}),
			),
		),
	);
	await stack.idle();
}, 120_000);
afterAll(async () => {
	await stack?.stop();
});

const env = { ...process.env, SYNDICATE_AGREEMENT_LEASE_SECONDS: String(LEASE_SECONDS) };
const cli = (...args: string[]) => startSyndicate(stack.endpoints.dataDir, args, env);
const run = async (...args: string[]) =>
	expectOk(await syndicate(stack.endpoints.dataDir, args, env));
const revokeArgs = ["agreements", "revoke", AGREEMENT, "--reason", "test", "--by", "ops"];
const grantArgs = [
	"agreements",
	"grant",
	AGREEMENT,
	"--partner",
	PARTNER,
	"--holder",
	"The Science News Ltd.",
	"--translator",
	"JST",
	"--languages",
	"en,zh",
	"--scope",
	"text,images",
	"--from",
	"2023-01-01T00:00:00Z",
	"--notice",
	"Unauthorized reproduction of the article and photographs is prohibited.",
	"--reason",
	"test",
	"--by",
	"ops",
];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until the agreement as stored has `status`, checking every 10 ms. */
async function storedAs(status: "active" | "revoked"): Promise<void> {
	for (const started = Date.now(); Date.now() - started < 60_000; await sleep(10)) {
		if ((await agreements.getAgreement(AGREEMENT))?.status === status) return;
	}
	throw new Error(`agreement ${AGREEMENT} never became ${status}`);
}

/** What the table says of the articles, and what the site shows of them. */
async function look() {
	const published = [];
	for await (const summary of articles.listByPartner(PARTNER)) {
		if (ids.includes(summary.articleId) && summary.status === "published") published.push(summary);
	}
	const pages = await Promise.all(
		ids.map(
			async (id) =>
				(await fetch(`${stack.endpoints.edgeUrl}/en/articles/${PARTNER}/${id}`)).status === 200,
		),
	);
	const { Contents = [] } = await stack.s3.send(
		new ListObjectsV2Command({ Bucket: stack.endpoints.siteBucket, Prefix: "" }),
	);
	const keys = Contents.map((object) => object.Key ?? "");
	const photos = keys.filter((key) =>
		ids.some((id) => key.startsWith(`media/en/${PARTNER}/${id}/`)),
	);
	// Every JSON feed document, archives included, and the articles each lists.
	const listed = new Set<string>();
	let documents = 0;
	for (const key of keys.filter((key) => /^feeds\/en\/.*\.json$/.test(key))) {
		const bytes = await getObject(stack, stack.endpoints.siteBucket, key);
		const feed = JSON.parse(new TextDecoder().decode(bytes)) as { items: { id: string }[] };
		const mine = feed.items.filter((item) => ids.some((id) => item.id.includes(`:${id}:`)));
		if (mine.length > 0) documents++;
		for (const item of mine) listed.add(`${key} ${item.id}`);
	}
	// The partner feed and its archive documents, each article once however many list it.
	const partnerFeed = new Set(
		[...listed]
			.filter((entry) => entry.startsWith(`feeds/en/partners/${PARTNER}`))
			.map((entry) => entry.split(" ")[1]),
	);
	return {
		published: published.length,
		pages: pages.filter(Boolean).length,
		photos: photos.length,
		documents,
		partnerItems: partnerFeed.size,
	};
}

async function status() {
	return JSON.parse(await run("status", "--json")) as {
		dirtyTargets: { count: number };
		pendingChanges: { count: number };
		unsettledAgreementChanges: {
			count: number;
			changes: { agreementId: string; action: string; leaseOwner: string | null }[];
		};
	};
}

/** Runs the schedule until nothing is unfinished, pending or dirty (a few runs at most). */
async function settle(): Promise<void> {
	for (let run = 0; run < 5; run++) {
		await stack.sweep();
		const now = await status();
		const left =
			now.dirtyTargets.count + now.pendingChanges.count + now.unsettledAgreementChanges.count;
		if (left === 0) return;
	}
	throw new Error(
		`still unfinished after 5 runs of the schedule: ${JSON.stringify(await status())}`,
	);
}

const allUp = { published: ARTICLES, pages: ARTICLES, photos: ARTICLES, partnerItems: ARTICLES };
const allDown = { published: 0, pages: 0, photos: 0, documents: 0, partnerItems: 0 };

describe("agreement commands killed or racing, on the local stack", () => {
	it("a revoke killed right after it stored the agreement is finished by the schedule", async () => {
		expect(await look()).toMatchObject(allUp);
		const revoke = cli(...revokeArgs);
		await storedAs("revoked");
		revoke.kill();
		await revoke.done;
		// Written past the console: vitest.config.ts silences console output of passing tests.
		process.stdout.write(`revoke killed: left behind ${JSON.stringify(await look())}\n`);
		const left = await status();
		expect(left.unsettledAgreementChanges).toMatchObject({
			count: 1,
			changes: [{ agreementId: AGREEMENT, action: "revoke" }],
		});
		await sleep(LEASE_SECONDS * 1000);
		await settle();
		expect(await look()).toEqual(allDown);
		// Repeated, the command is harmless: it finds nothing left to do.
		expect(await run(...revokeArgs)).toContain("was already revoked");
		expect(await look()).toEqual(allDown);
	});

	it("a grant made while a revoke runs wins: every article public again, nothing dead", async () => {
		const revoke = cli(...grantArgs);
		expectOk(await revoke.done);
		await settle();
		expect(await look()).toMatchObject(allUp);
		for (const delayMs of [0, 400]) {
			const revoking = cli(...revokeArgs);
			await storedAs("revoked");
			await sleep(delayMs);
			const granting = cli(...grantArgs);
			const [revoked, granted] = await Promise.all([revoking.done, granting.done]);
			expectOk(revoked);
			expectOk(granted);
			await settle();
			const seen = await look();
			process.stdout.write(
				`grant ${delayMs} ms after the revoke stored: ${JSON.stringify(seen)}\n`,
			);
			expect((await agreements.getAgreement(AGREEMENT))?.status).toBe("active");
			expect(seen).toMatchObject(allUp);
		}
	});

	it("a revoke made while a grant runs wins: nothing stays published under it", async () => {
		expectOk(await cli(...revokeArgs).done);
		await settle();
		expect(await look()).toEqual(allDown);
		const granting = cli(...grantArgs);
		await storedAs("active");
		await sleep(400);
		const revoking = cli(...revokeArgs);
		const [granted, revoked] = await Promise.all([granting.done, revoking.done]);
		expectOk(granted);
		expectOk(revoked);
		await settle();
		expect((await agreements.getAgreement(AGREEMENT))?.status).toBe("revoked");
		expect(await look()).toEqual(allDown);
	});

	it("publish --all repairs what the digests hide and removes what nothing in the table implies", async () => {
		expectOk(await cli(...grantArgs).done);
		await settle();
		expect(await look()).toMatchObject(allUp);
		const site = stack.endpoints.siteBucket;
		const put = (key: string, body: string) =>
			stack.s3.send(new PutObjectCommand({ Bucket: site, Key: key, Body: body }));
		// Behind the publisher's back: a page gone (its digest still says it is there), a feed
		// emptied, and objects nothing renders: a page of no article and an archive document.
		const [first = "", second = ""] = ids;
		await stack.s3.send(
			new DeleteObjectCommand({ Bucket: site, Key: `en/articles/${PARTNER}/${first}` }),
		);
		await put(`feeds/en/partners/${PARTNER}.json`, JSON.stringify({ items: [] }));
		const strays = [
			`en/articles/${PARTNER}/ghost`,
			`feeds/en/partners/${PARTNER}/archive/9999.json`,
		];
		for (const key of strays) await put(key, "{}");
		// Without digests to trust, nothing of this is seen by a publish of what is dirty.
		expect(JSON.parse(await run("publish", "--json"))).toMatchObject({ published: 0 });
		const repaired = JSON.parse(await run("publish", "--all", "--json"));
		expect(repaired.removed).toEqual(strays.sort());
		expect(await look()).toMatchObject(allUp);
		for (const key of strays) expect(await getObject(stack, site, key)).toBeUndefined();
		const partner = await fetch(`${stack.endpoints.edgeUrl}/feeds/en/partners/${PARTNER}.json`);
		expect(((await partner.json()) as { items: unknown[] }).items).toHaveLength(50);
		expect(
			(await fetch(`${stack.endpoints.edgeUrl}/en/articles/${PARTNER}/${second}`)).status,
		).toBe(200);
		// A second repair finds nothing to remove.
		expect(JSON.parse(await run("publish", "--all", "--json")).removed).toEqual([]);
	});
});
