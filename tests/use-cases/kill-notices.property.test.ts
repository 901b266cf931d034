import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { KILL_NOTICE_MS, KILL_REASONS } from "#shared/domain/feeds/kill-notices.ts";
import { ArticleChangeError } from "#shared/domain/plan-article-change.ts";
import { AgreementCommandError } from "#shared/use-cases/agreement-input.ts";
import { makeBundle, makeManifest } from "../helpers/bundles.ts";
import { memoryProcess } from "../helpers/memory-services.ts";
import { readText } from "../helpers/site.ts";
import { wellFormedTombstones } from "../helpers/tombstones.ts";

/**
 * Random timelines of grants, revokes, expiries, new versions (canceled ones, and ones that
 * drop a subject), withdrawals and restores, with the clock moving on by minutes or by weeks,
 * on the in-memory adapters through the real use cases. After every step each feed document
 * accounts for every article that was in it during the last 30 days: it is an item, or the
 * feed's kill notices name it, never both; Atom's tombstones and JSON Feed's name the same.
 */

const NUM_RUNS = 60;
const SITE = "https://site.test";
const START = Date.parse("2024-06-01T00:00:00Z");
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const PARTNER = "p";
const AGREEMENT = "ag-1";
const ARTICLES = ["a", "b", "c"] as const;
const LANGUAGES = ["en", "zh"] as const;
const SUBJECTS = ["energy", "policy"] as const;

type Step =
	| { kind: "grant"; languages: string[]; length?: number }
	| { kind: "revoke" }
	| {
			kind: "upload";
			article: string;
			language: string;
			subjects: string[];
			pubStatus: "usable" | "canceled";
	  }
	| { kind: "withdraw" | "restore"; article: string; language?: string }
	| { kind: "advance"; by: number };

const pick = <T>(values: readonly T[]) => fc.constantFrom(...values);

const stepArb: fc.Arbitrary<Step> = fc.oneof(
	{
		weight: 2,
		arbitrary: fc.record(
			{
				kind: fc.constant("grant" as const),
				languages: fc.subarray([...LANGUAGES], { minLength: 1 }),
				length: fc.oneof(fc.integer({ min: HOUR, max: 2 * DAY }), fc.constant(40 * DAY)),
			},
			{ requiredKeys: ["kind", "languages"] },
		),
	},
	{ weight: 1, arbitrary: fc.record({ kind: fc.constant("revoke" as const) }) },
	{
		weight: 4,
		arbitrary: fc.record({
			kind: fc.constant("upload" as const),
			article: pick(ARTICLES),
			language: pick(LANGUAGES),
			subjects: fc.subarray([...SUBJECTS]),
			pubStatus: fc.oneof(
				{ weight: 5, arbitrary: fc.constant("usable" as const) },
				fc.constant("canceled" as const),
			),
		}),
	},
	{
		weight: 2,
		arbitrary: fc.record(
			{
				kind: pick(["withdraw", "restore"] as const),
				article: pick(ARTICLES),
				language: pick(LANGUAGES),
			},
			{ requiredKeys: ["kind", "article"] },
		),
	},
	{
		weight: 2,
		arbitrary: fc.record({
			kind: fc.constant("advance" as const),
			by: fc.oneof(fc.integer({ min: 1, max: 6 * HOUR }), fc.integer({ min: DAY, max: 20 * DAY })),
		}),
	},
);

interface JsonFeed {
	items: { id: string }[];
	_syndicate?: { deleted: { id: string; when: string; reason: string }[] };
}

/** How often the checks saw an article accounted for by a notice, so a run that never kills shows. */
const seen = { steps: 0, items: 0, notices: 0 };

async function runTimeline(steps: readonly Step[]): Promise<void> {
	let now = START;
	const clock = () => new Date(now);
	const { wired, manage } = memoryProcess({ siteUrl: SITE, owner: "kill-notices", clock });
	await manage.addPartner({ partnerId: PARTNER, name: "Partner p" });
	const versions = new Map<string, number>();
	let uploads = 0;
	/** Per feed document (JSON key), when each item id was last seen in it. */
	const lastSeen = new Map<string, Map<string, number>>();

	async function upload(step: Extract<Step, { kind: "upload" }>): Promise<void> {
		const key = `${step.article}/${step.language}`;
		const version = (versions.get(key) ?? 0) + 1;
		versions.set(key, version);
		uploads++;
		const bytes = makeBundle({
			manifest: makeManifest({
				id: step.article,
				version,
				language: step.language,
				pubStatus: step.pubStatus,
				subjects: step.subjects,
				headline: `Headline ${uploads}`,
				versionCreated: new Date(now).toISOString(),
				rights: { holder: "Holder", agreement: AGREEMENT },
			}),
		});
		const objectKey = `incoming/${PARTNER}/upload-${uploads}.zip`;
		await wired.uploads.put(objectKey, bytes, { contentType: "application/zip" });
		await wired.ingestUpload({
			key: objectKey,
			size: bytes.byteLength,
			eTag: `etag-${uploads}`,
			sequencer: uploads.toString(16).toUpperCase(),
			eventTime: new Date(now).toISOString(),
		});
	}

	async function check(label: string): Promise<void> {
		// Every Atom document, archives too: RFC 6721 tombstones naming what JSON Feed's name.
		for (const key of wired.site.keys().filter((key) => /^feeds\/.+\.atom$/.test(key))) {
			const refs = wellFormedTombstones(
				(await readText(wired.site, key)) ?? "",
				`${label}: ${key}`,
			);
			const twin = (await readText(wired.site, key.replace(/\.atom$/, ".json"))) ?? "{}";
			const deleted = (JSON.parse(twin) as JsonFeed)._syndicate?.deleted ?? [];
			expect(refs, `${label}: ${key}`).toEqual(deleted.map(({ id }) => id));
		}
		const keys = wired.site
			.keys()
			.filter((key) => /^feeds\/.+\.json$/.test(key) && !key.includes("/archive/"));
		for (const key of keys) {
			const what = `${label}: ${key}`;
			const feed = JSON.parse((await readText(wired.site, key)) ?? "{}") as JsonFeed;
			const items = new Set(feed.items.map((item) => item.id));
			const notices = feed._syndicate?.deleted ?? [];
			const noticed = new Set(notices.map((notice) => notice.id));
			for (const notice of notices) {
				expect(items.has(notice.id), `${what}: ${notice.id} both an item and a notice`).toBe(false);
				expect(KILL_REASONS, `${what}: reason`).toContain(notice.reason);
				expect(Date.parse(notice.when), `${what}: notice from the future`).toBeLessThanOrEqual(now);
			}

			const seenHere = lastSeen.get(key) ?? new Map<string, number>();
			lastSeen.set(key, seenHere);
			for (const id of items) seenHere.set(id, now);
			for (const [id, at] of seenHere) {
				if (at <= now - KILL_NOTICE_MS) continue;
				const accounted = items.has(id) || noticed.has(id);
				expect(
					accounted,
					`${what}: ${id}, in it at ${new Date(at).toISOString()}, left no notice`,
				).toBe(true);
				seen[items.has(id) ? "items" : "notices"]++;
			}
		}
	}

	for (const [index, step] of steps.entries()) {
		switch (step.kind) {
			case "grant":
				await manage.grantAgreement(
					{
						agreementId: AGREEMENT,
						partnerId: PARTNER,
						holder: "Holder",
						languages: step.languages,
						scope: ["text", "images"],
						...(step.length === undefined
							? {}
							: { until: new Date(now + step.length).toISOString() }),
					},
					{ by: "timeline", reason: "grant" },
				);
				break;
			case "revoke":
				await manage
					.revokeAgreement(AGREEMENT, { by: "timeline", reason: "private words" })
					.catch((error: unknown) => {
						if (!(error instanceof AgreementCommandError)) throw error;
					});
				break;
			case "upload":
				await upload(step);
				break;
			case "withdraw":
			case "restore":
				await wired[step.kind]({
					partnerId: PARTNER,
					articleId: step.article,
					...(step.language === undefined ? {} : { language: step.language }),
					by: "timeline",
					reason: "private words",
				}).catch((error: unknown) => {
					if (!(error instanceof ArticleChangeError)) throw error;
				});
				break;
			case "advance":
				now += step.by;
				await wired.scheduledSweep();
				break;
		}
		await check(`step ${index} (${JSON.stringify(step)}) at ${new Date(now).toISOString()}`);
		seen.steps++;
	}
}

describe("kill notices over random timelines", () => {
	it("every feed names every article it had in the last 30 days: as an item or a notice", async () => {
		await fc.assert(
			fc.asyncProperty(
				fc.array(stepArb, { minLength: 1, maxLength: 25, size: "max" }),
				async (steps) => {
					await runTimeline(steps);
				},
			),
			{ numRuns: NUM_RUNS },
		);
		// Written past the console: vitest.config.ts silences console output of passing tests.
		process.stdout.write(
			`kill notices property: ${NUM_RUNS} runs, ${seen.steps} steps; articles accounted for: ${seen.items} as items, ${seen.notices} by a notice\n`,
		);
		expect(seen.notices).toBeGreaterThan(0);
	}, 120_000);
});
