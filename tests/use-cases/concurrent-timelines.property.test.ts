import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { InMemoryAgreementStore } from "#shared/adapters/memory/in-memory-agreement-store.ts";
import {
	InMemoryArticleStore,
	InMemoryFeedStore,
} from "#shared/adapters/memory/in-memory-article-store.ts";
import { InMemoryObjectStore } from "#shared/adapters/memory/in-memory-object-store.ts";
import { InMemoryPublishLedger } from "#shared/adapters/memory/in-memory-publish-ledger.ts";
import { InMemorySiteDigests } from "#shared/adapters/memory/in-memory-site-digests.ts";
import { InMemoryTables } from "#shared/adapters/memory/in-memory-tables.ts";
import { InMemoryUploadStore } from "#shared/adapters/memory/in-memory-upload-store.ts";
import { languageCovers } from "#shared/domain/agreement.ts";
import type { Article } from "#shared/domain/article.ts";
import type { UploadEvent } from "#shared/use-cases/ingest-upload.ts";
import { makeManageAgreements } from "#shared/use-cases/manage-agreements.ts";
import { makeBundle, makeManifest } from "../helpers/bundles.ts";
import { composeProcess } from "../helpers/compose-process.ts";
import { publicKeys, readText } from "../helpers/site.ts";

/**
 * Commands racing each other, interleaved at the level of single adapter calls by
 * fast-check's scheduler, each process liable to die between any two of its calls (it then
 * makes none again, as a killed CLI or Lambda would). Once the schedule has run after the
 * leases of the dead ran out (and SQS redelivered the uploads whose ingest died), the site
 * must show exactly what the last state of the table implies, and the table must hold what
 * the agreement as last stored implies for every article: nothing unsettled, pending or dirty.
 */

const NUM_RUNS = 200;
const SITE = "https://site.test";
const START = Date.parse("2026-06-01T00:00:00Z");
const PARTNER = "p";
const AGREEMENT = "ag";
const ARTICLES = ["a1", "a2", "a3", "a4"] as const;
const PHOTO = "images/photo.png";

type Command =
	| { kind: "grant"; languages: string[]; images: boolean }
	| { kind: "revoke" }
	| { kind: "upload"; article: string; language: string; images: boolean }
	| { kind: "withdraw" | "restore"; article: string }
	| { kind: "sweep" };

interface Scheduled {
	command: Command;
	/** Turns of the scheduler the process waits before it starts: commands overlap anyhow. */
	delay: number;
	/** The process dies before its `crashAt`-th adapter call; it never dies when absent. */
	crashAt?: number;
}

const commandArb: fc.Arbitrary<Command> = fc.oneof(
	{
		weight: 4,
		arbitrary: fc.record({
			kind: fc.constant("grant" as const),
			languages: fc.subarray(["en", "zh"], { minLength: 1 }),
			images: fc.boolean(),
		}),
	},
	{ weight: 4, arbitrary: fc.constant({ kind: "revoke" as const }) },
	{
		weight: 2,
		arbitrary: fc.record({
			kind: fc.constant("upload" as const),
			article: fc.constantFrom(...ARTICLES),
			language: fc.constantFrom("en", "zh"),
			images: fc.boolean(),
		}),
	},
	{
		weight: 1,
		arbitrary: fc.record({
			kind: fc.constantFrom("withdraw" as const, "restore" as const),
			article: fc.constantFrom(...ARTICLES),
		}),
	},
	{ weight: 1, arbitrary: fc.constant({ kind: "sweep" as const }) },
);

const scheduledArb: fc.Arbitrary<Scheduled> = fc.record(
	{
		command: commandArb,
		delay: fc.integer({ min: 0, max: 40 }),
		crashAt: fc.integer({ min: 0, max: 80 }),
	},
	{ requiredKeys: ["command", "delay"] },
);

/** One process: its own wiring (caches, leases, owner), every adapter call gated. */
interface Process {
	/** The call it made last, for the message should the commands never finish. */
	last?: string;
	dead: boolean;
	calls: number;
	crashAt: number | undefined;
	/** Resolves when the process dies. */
	died: Promise<void>;
	die: () => void;
}

const never = new Promise<never>(() => undefined);

/**
 * `target` with every async method made to wait for the scheduler's turn, and to never
 * answer once the process is dead (its caller waits forever, as a killed process does).
 */
function gated<T extends object>(
	target: T,
	process: Process,
	scheduler: fc.Scheduler,
	name: string,
): T {
	const turn = async (method: string) => {
		if (process.dead) return never;
		process.calls += 1;
		if (process.crashAt !== undefined && process.calls > process.crashAt) {
			process.die();
			return never;
		}
		process.last = `${name}.${method}`;
		await scheduler.schedule(Promise.resolve(), `${name}.${method}`);
		if (process.dead) return never;
	};
	return new Proxy(target, {
		get(object, property, receiver) {
			const value: unknown = Reflect.get(object, property, receiver);
			if (typeof value !== "function") return value;
			const method = String(property);
			const kind = value.constructor.name;
			if (kind === "AsyncGeneratorFunction") {
				return async function* (...args: unknown[]) {
					await turn(method);
					yield* (value as (...a: unknown[]) => AsyncIterable<unknown>).apply(object, args);
				};
			}
			if (kind !== "AsyncFunction") return value.bind(object);
			return async (...args: unknown[]) => {
				await turn(method);
				return (value as (...a: unknown[]) => Promise<unknown>).apply(object, args);
			};
		},
	});
}

/** The shared state: one table, one ingest bucket, one site bucket. */
function makeWorld() {
	return {
		tables: new InMemoryTables(),
		uploads: new InMemoryObjectStore(),
		site: new InMemoryObjectStore(),
	};
}
type World = ReturnType<typeof makeWorld>;

/** The use cases of one process on the world, its adapters gated when a scheduler is given. */
function wireProcess(
	world: World,
	clock: () => Date,
	owner: string,
	gate?: { process: Process; scheduler: fc.Scheduler },
) {
	const wrap = <T extends object>(store: T, name: string): T =>
		gate ? gated(store, gate.process, gate.scheduler, name) : store;
	const { tables } = world;
	const stores = {
		uploads: wrap(world.uploads, "uploads"),
		site: wrap(world.site, "site"),
		articles: wrap(new InMemoryArticleStore(tables), "articles"),
		feeds: wrap(new InMemoryFeedStore(tables), "feeds"),
		uploadRecords: wrap(new InMemoryUploadStore(tables), "uploadRecords"),
		agreements: wrap(new InMemoryAgreementStore(tables), "agreements"),
		agreementChanges: wrap(new InMemoryAgreementStore(tables), "agreementChanges"),
		ledger: wrap(new InMemoryPublishLedger(tables), "ledger"),
		digests: wrap(new InMemorySiteDigests(tables), "digests"),
	};
	const wired = composeProcess(stores, { siteUrl: SITE, owner, clock });
	const manage = makeManageAgreements({
		agreements: stores.agreements,
		changes: wired.agreementChanges,
		reevaluate: wired.reevaluateAgreement,
		clock,
		owner,
	});
	return { ...wired, manage };
}
type Wired = ReturnType<typeof wireProcess>;

let uploadCount = 0;

/** Stores a bundle in the ingest bucket and returns the event S3 would send for it. */
/** The ids of a JSON Feed's items. */
function itemIdsOf(json: string | undefined): Set<string> {
	const feed: { items: { id: string }[] } = json ? JSON.parse(json) : { items: [] };
	return new Set(feed.items.map((item) => item.id));
}

async function storeUpload(
	world: World,
	article: string,
	language: string,
	images: boolean,
	now: number,
): Promise<UploadEvent> {
	uploadCount += 1;
	const bytes = makeBundle({
		manifest: makeManifest({
			id: article,
			// Every upload a version above any before: concurrent ones of one article still race.
			version: uploadCount,
			language,
			headline: `Headline ${uploadCount}`,
			images: images ? [{ file: PHOTO, alt: "A photo" }] : [],
			rights: { holder: "The Science News Ltd.", translator: "JST", agreement: AGREEMENT },
		}),
		...(images ? {} : { files: { [PHOTO]: undefined } }),
	});
	const key = `incoming/${PARTNER}/upload-${uploadCount}.zip`;
	await world.uploads.put(key, bytes, { contentType: "application/zip" });
	return {
		key,
		size: bytes.byteLength,
		eTag: `etag-${uploadCount}`,
		sequencer: uploadCount.toString(16).toUpperCase().padStart(8, "0"),
		eventTime: new Date(now).toISOString(),
	};
}

const grantInput = (languages: string[], images: boolean) => ({
	agreementId: AGREEMENT,
	partnerId: PARTNER,
	holder: "The Science News Ltd.",
	translator: "JST",
	languages,
	scope: images ? ["text", "images"] : ["text"],
	from: "2026-01-01T00:00:00Z",
});
const OPS = { by: "ops", reason: "test" };

/** Runs one command in its process; its errors are the process's own (it may be retried). */
async function run(
	wired: Wired,
	command: Command,
	world: World,
	now: number,
	crashedUploads: UploadEvent[],
	process: Process,
): Promise<void> {
	switch (command.kind) {
		case "grant":
			await wired.manage.grantAgreement(grantInput(command.languages, command.images), OPS);
			return;
		case "revoke":
			await wired.manage.revokeAgreement(AGREEMENT, OPS);
			return;
		case "upload": {
			const event = await storeUpload(
				world,
				command.article,
				command.language,
				command.images,
				now,
			);
			// SQS hands it on again should this ingest die.
			process.died.then(() => crashedUploads.push(event));
			await wired.ingestUpload(event);
			return;
		}
		case "withdraw":
		case "restore": {
			const change = command.kind === "withdraw" ? wired.withdraw : wired.restore;
			await change({ partnerId: PARTNER, articleId: command.article, ...OPS });
			return;
		}
		case "sweep":
			await wired.scheduledSweep();
			return;
	}
}

/** Whether the agreement as stored now lets the article be public (docs/permissions.md, "The decision"). */
function shouldBePublic(article: Article, world: World, now: number): boolean {
	const agreement = world.tables.agreements.get(article.rights.agreement);
	const covered =
		agreement?.status === "active" &&
		agreement.partnerId === article.partnerId &&
		agreement.languages.some((range) => languageCovers(range, article.language)) &&
		Date.parse(agreement.validFrom) <= now &&
		(agreement.validUntil === null || now < Date.parse(agreement.validUntil));
	return covered && article.pubStatus === "usable" && article.takedown === undefined;
}

const seen = { runs: 0, crashes: 0, public: 0, hidden: 0 };

async function runTimeline(
	scheduler: fc.Scheduler,
	initiallyRevoked: boolean,
	commands: readonly Scheduled[],
) {
	let now = START;
	const clock = () => new Date(now);
	const world = makeWorld();
	const setup = wireProcess(world, clock, "setup");
	await setup.manage.addPartner({ partnerId: PARTNER, name: "Partner P" });
	await setup.manage.grantAgreement(grantInput(["en"], true), OPS);
	for (const [index, article] of ARTICLES.entries()) {
		await setup.ingestUpload(
			await storeUpload(world, article, index === 3 ? "zh" : "en", true, now),
		);
	}
	if (initiallyRevoked) await setup.manage.revokeAgreement(AGREEMENT, OPS);

	// The race: every command in a process of its own, interleaved call by call.
	const crashedUploads: UploadEvent[] = [];
	const processes = commands.map((scheduled, index) => {
		let die: () => void = () => undefined;
		const died = new Promise<void>((resolve) => {
			die = resolve;
		});
		const process: Process = {
			dead: false,
			calls: 0,
			crashAt: scheduled.crashAt,
			died,
			die: () => {
				process.dead = true;
				die();
			},
		};
		const wired = wireProcess(world, clock, `process-${index}`, { process, scheduler });
		const started = (async () => {
			for (let turn = 0; turn < scheduled.delay; turn++) {
				await scheduler.schedule(Promise.resolve(), `process-${index} waits`);
			}
		})();
		const done = started
			.then(() => run(wired, scheduled.command, world, now, crashedUploads, process))
			.catch(() => undefined);
		return { process, finished: Promise.race([done, died]) };
	});
	let finished = false;
	void Promise.all(processes.map((p) => p.finished)).then(() => {
		finished = true;
	});
	for (let round = 0; !finished; round++) {
		// A deadlock detector, counting the scheduler's rounds. On a loaded two-core machine about
		// one run in a hundred needed more than 10,000 rounds yet finished given more (measured):
		// 100,000 still fails a true deadlock within seconds.
		if (round > 100_000) {
			const states = processes.map(({ process: p }) => `${p.dead ? "dead" : "alive"} at ${p.last}`);
			throw new Error(
				`the commands never finished: ${JSON.stringify(commands)}; ${states.join(", ")}`,
			);
		}
		await scheduler.waitAll();
		// Batched reads wait a turn of the event loop (setImmediate) before they ask.
		await new Promise((resolve) => setImmediate(resolve));
	}
	seen.crashes += processes.filter((p) => p.process.dead).length;

	// Recovery: the leases of the dead run out, SQS redelivers, the schedule runs.
	now += 10 * 60_000;
	const recovery = wireProcess(world, clock, "schedule");
	for (const event of crashedUploads) await recovery.ingestUpload(event);
	for (let sweep = 0; sweep < 20; sweep++) {
		await recovery.scheduledSweep();
		const { tables } = world;
		const dirty = [...tables.targets.values()].some((row) => row.dirty);
		if (!dirty && tables.pending.size === 0 && tables.unsettledChanges.size === 0) break;
	}

	const { tables } = world;
	const label = `${initiallyRevoked ? "revoked, then " : ""}${JSON.stringify(commands)}`;
	expect(tables.unsettledChanges.size, `${label}: unsettled agreement changes`).toBe(0);
	expect(tables.pending.size, `${label}: pending changes`).toBe(0);
	expect(
		[...tables.targets.entries()].filter(([, row]) => row.dirty).map(([id]) => id),
		`${label}: dirty targets`,
	).toEqual([]);
	const keys = await publicKeys(world.site);
	const publicPages = new Set<string>();
	const latest = await readText(world.site, "feeds/en/latest.json");
	const partnerFeed = await readText(world.site, `feeds/en/partners/${PARTNER}.json`);
	const front = await readText(world.site, "en/index.html");
	for (const article of tables.articles.values()) {
		const { articleId, language } = article;
		const what = `${label}: ${articleId} (${language})`;
		const shown = shouldBePublic(article, world, now);
		seen[shown ? "public" : "hidden"]++;
		expect(article.status === "published", `${what} published in the table`).toBe(shown);
		const pageKey = `${language}/articles/${PARTNER}/${articleId}`;
		if (shown) publicPages.add(pageKey).add(`${pageKey}.ninjs.json`);
		expect(keys.includes(pageKey), `${what} page`).toBe(shown);
		const images = tables.agreements.get(AGREEMENT)?.scope.includes("images") ?? false;
		const photoKey = `media/${language}/${PARTNER}/${articleId}/${PHOTO}`;
		expect(keys.includes(photoKey), `${what} photo`).toBe(
			shown && images && article.images.length > 0,
		);
		if (language !== "en") continue;
		const id = `urn:syndicate:article:${PARTNER}:${articleId}:${language}`;
		// Items only: a kill notice (`_syndicate.deleted`) names the id of one that left.
		expect(itemIdsOf(latest).has(id), `${what} in Latest News`).toBe(shown);
		expect(itemIdsOf(partnerFeed).has(id), `${what} in its partner's feed`).toBe(shown);
		expect(front?.includes(`${SITE}/${pageKey}"`) ?? false, `${what} on the front page`).toBe(
			shown,
		);
	}
	for (const key of keys) {
		if (/^[^/]+\/articles\//.test(key)) expect(publicPages, `${label}: page ${key}`).toContain(key);
	}
	seen.runs++;
}

describe("concurrent, interrupted changes", () => {
	it("converge: the settled site and table are what the last agreement implies", async () => {
		await fc.assert(
			fc.asyncProperty(
				fc.scheduler(),
				fc.boolean(),
				fc.array(scheduledArb, { minLength: 2, maxLength: 4 }),
				async (scheduler, initiallyRevoked, commands) => {
					await runTimeline(scheduler, initiallyRevoked, commands);
				},
			),
			{ numRuns: NUM_RUNS },
		);
		// Written past the console: vitest.config.ts silences console output of passing tests.
		process.stdout.write(
			`concurrent timelines: ${seen.runs} runs, ${seen.crashes} processes killed, articles checked: ${seen.public} public, ${seen.hidden} not\n`,
		);
	}, 120_000);
});
