import { performance } from "node:perf_hooks";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { attributionFor } from "#shared/domain/agreement.ts";
import { ArticleChangeError } from "#shared/domain/plan-article-change.ts";
import { AgreementCommandError } from "#shared/use-cases/agreement-input.ts";
import { makeBundle, makeManifest } from "../helpers/bundles.ts";
import { memoryProcess } from "../helpers/memory-services.ts";
import { publicKeys, readText } from "../helpers/site.ts";

/**
 * Random timelines of everything that can change whether an article is public (grants and
 * amendments of scope, languages and window, revokes, new versions, embargoes, withdrawals,
 * the clock moving on with the schedule's sweep), run on the in-memory adapters through the
 * real use cases. After every step the rendered site must show exactly the articles a model
 * of permissions.md allows, with photos only under an `images` scope.
 */

const NUM_RUNS = 300;
const SITE = "https://site.test";
const START = Date.parse("2024-06-01T00:00:00Z");
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

const PARTNERS = ["p", "q"] as const;
const ARTICLES = ["a", "b"] as const;
const LANGUAGES = ["en", "zh", "zh-Hant"] as const;
/** Each agreement belongs to one partner for good (a grant cannot move it). */
const AGREEMENTS = { "ag-1": "p", "ag-2": "p", "ag-3": "q" } as const;
type AgreementId = keyof typeof AGREEMENTS;
const NAMED = [...(Object.keys(AGREEMENTS) as AgreementId[]), "ag-none"] as const;
const HOLDER = "The Science News Ltd.";
const PHOTO = "images/photo.png";

type Step =
	| {
			kind: "grant";
			agreement: AgreementId;
			languages: string[];
			images: boolean;
			/** Offsets from now, in ms; `from` defaults to now, `until` to open. */
			from?: number;
			length?: number;
			translator: string;
			notice: string;
	  }
	| { kind: "revoke"; agreement: AgreementId }
	| {
			kind: "upload";
			mode: "new" | "duplicate" | "stale" | "conflict";
			partner: string;
			article: string;
			language: string;
			agreement: string;
			embargo?: number;
			pubStatus: "usable" | "withheld" | "canceled";
			images: boolean;
	  }
	| { kind: "withdraw" | "restore"; partner: string; article: string; language?: string }
	| { kind: "advance"; by: number }
	| { kind: "advance-to-next"; minus: 0 | 1 };

const pick = <T>(values: readonly T[]) => fc.constantFrom(...values);

const stepArb: fc.Arbitrary<Step> = fc.oneof(
	{
		weight: 3,
		arbitrary: fc.record(
			{
				kind: fc.constant("grant" as const),
				agreement: pick(Object.keys(AGREEMENTS) as AgreementId[]),
				languages: fc.subarray([...LANGUAGES], { minLength: 1 }),
				images: fc.boolean(),
				from: fc.integer({ min: -2 * HOUR, max: HOUR }),
				length: fc.integer({ min: 1, max: 8 * HOUR }),
				translator: pick(["JST", ""]),
				notice: pick(["", "Do not reproduce."]),
			},
			{ requiredKeys: ["kind", "agreement", "languages", "images", "translator", "notice"] },
		),
	},
	{
		weight: 1,
		arbitrary: fc.record({
			kind: fc.constant("revoke" as const),
			agreement: pick(Object.keys(AGREEMENTS) as AgreementId[]),
		}),
	},
	{
		weight: 4,
		arbitrary: fc.record(
			{
				kind: fc.constant("upload" as const),
				mode: fc.oneof(
					{ weight: 6, arbitrary: fc.constant("new" as const) },
					{ weight: 1, arbitrary: pick(["duplicate", "stale", "conflict"] as const) },
				),
				partner: fc.oneof({ weight: 3, arbitrary: fc.constant("p") }, fc.constant("q")),
				article: pick(ARTICLES),
				language: pick(LANGUAGES),
				// Mostly an agreement of partner p, which uploads most.
				agreement: fc.oneof({ weight: 4, arbitrary: pick(["ag-1", "ag-2"]) }, pick(NAMED)),
				embargo: fc.integer({ min: -HOUR, max: 2 * HOUR }),
				pubStatus: fc.oneof(
					{ weight: 5, arbitrary: fc.constant("usable" as const) },
					{ weight: 1, arbitrary: pick(["withheld", "canceled"] as const) },
				),
				images: fc.boolean(),
			},
			{
				requiredKeys: [
					"kind",
					"mode",
					"partner",
					"article",
					"language",
					"agreement",
					"pubStatus",
					"images",
				],
			},
		),
	},
	{
		weight: 1,
		arbitrary: fc.record(
			{
				kind: pick(["withdraw", "restore"] as const),
				partner: pick(PARTNERS),
				article: pick(ARTICLES),
				language: pick(LANGUAGES),
			},
			{ requiredKeys: ["kind", "partner", "article"] },
		),
	},
	{
		weight: 2,
		arbitrary: fc.record({
			kind: fc.constant("advance" as const),
			by: fc.oneof(fc.integer({ min: 1, max: HOUR }), fc.integer({ min: 1, max: 6 * HOUR })),
		}),
	},
	{
		weight: 2,
		arbitrary: fc.record({
			kind: fc.constant("advance-to-next" as const),
			minus: pick([0, 1] as const),
		}),
	},
);

/** What the model knows of an agreement: what the last grant or revoke left. */
interface ModelAgreement {
	partner: string;
	languages: string[];
	images: boolean;
	from: number;
	until: number | null;
	active: boolean;
	translator: string;
	notice: string;
}

/** What the model knows of one article in one language: its newest accepted version. */
interface ModelArticle {
	partner: string;
	article: string;
	language: string;
	version: number;
	bytes: Uint8Array;
	agreement: string;
	embargo?: number;
	pubStatus: "usable" | "withheld" | "canceled";
	images: boolean;
	withdrawn: boolean;
}

const NOTICE_IN_BUNDLE = "Unauthorized reproduction is prohibited.";

function covers(range: string, tag: string): boolean {
	const r = range.toLowerCase();
	const t = tag.toLowerCase();
	return t === r || t.startsWith(`${r}-`);
}

/** Rule 1 of permissions.md: the agreement covering the article now, if one does. */
function permitting(
	article: ModelArticle,
	agreements: Map<string, ModelAgreement>,
	now: number,
): ModelAgreement | undefined {
	const agreement = agreements.get(article.agreement);
	if (
		agreement?.active &&
		agreement.partner === article.partner &&
		agreement.languages.some((range) => covers(range, article.language)) &&
		agreement.from <= now &&
		(agreement.until === null || now < agreement.until)
	) {
		return agreement;
	}
	return undefined;
}

/** What a reader should see of the article now: nothing, or the article with or without photos. */
function expected(
	article: ModelArticle,
	agreements: Map<string, ModelAgreement>,
	now: number,
): { status: string; photos: boolean; attribution?: string } {
	const agreement = permitting(article, agreements, now);
	if (article.pubStatus !== "usable" || article.withdrawn)
		return { status: "withdrawn", photos: false };
	if (!agreement) return { status: "pending-permission", photos: false };
	if (article.embargo !== undefined && article.embargo > now)
		return { status: "embargoed", photos: false };
	return {
		status: "published",
		photos: agreement.images && article.images,
		// The bundle's own notice is never printed: only the agreement's words are rights. In the
		// article's language where the whole line can be (a language with a sentence, no notice).
		attribution: attributionFor(
			{ holder: HOLDER, translator: agreement.translator, notice: agreement.notice },
			article.language,
		).attribution,
	};
}

const articleKey = (partner: string, article: string, language: string) =>
	`${partner}/${article}/${language}`;

/** The use cases on fresh in-memory adapters, composed as in a deployment. */
function wire(clock: () => Date) {
	const { wired, manage } = memoryProcess({ siteUrl: SITE, owner: "timeline", clock });
	return {
		uploads: wired.uploads,
		site: wired.site,
		ingestUpload: wired.ingestUpload,
		manage,
		changes: wired,
		scheduledSweep: wired.scheduledSweep,
	};
}

interface JsonItem {
	id: string;
	image?: string;
	content_html: string;
	_rights: { attribution: string };
}

/** How often the checks saw each outcome, so a run that never publishes anything shows. */
const seen = { steps: 0, published: 0, photos: 0, hidden: 0 };

/** Runs one timeline, checking the rendered site against the model after every step. */
async function runTimeline(steps: readonly Step[]): Promise<void> {
	let now = START;
	const clock = () => new Date(now);
	const system = wire(clock);
	for (const partnerId of PARTNERS) {
		await system.manage.addPartner({ partnerId, name: `Partner ${partnerId}` });
	}
	const agreements = new Map<string, ModelAgreement>();
	const articles = new Map<string, ModelArticle>();
	let uploadCount = 0;

	async function upload(step: Extract<Step, { kind: "upload" }>): Promise<void> {
		const key = articleKey(step.partner, step.article, step.language);
		const current = articles.get(key);
		let version = (current?.version ?? 0) + 1;
		let bytes: Uint8Array | undefined;
		if (current && step.mode === "duplicate") bytes = current.bytes;
		if (current && step.mode === "stale" && current.version > 1) version = current.version - 1;
		if (current && step.mode === "conflict") version = current.version;
		const embargo = step.embargo === undefined ? undefined : now + step.embargo;
		bytes ??= makeBundle({
			manifest: makeManifest({
				id: step.article,
				version,
				language: step.language,
				pubStatus: step.pubStatus,
				...(embargo === undefined ? {} : { embargoUntil: new Date(embargo).toISOString() }),
				// Different content at the same version: a conflict.
				headline: `Headline ${uploadCount}`,
				images: step.images ? [{ file: PHOTO, alt: "A photo" }] : [],
				rights: {
					holder: HOLDER,
					translator: "Bundle Translator",
					agreement: step.agreement,
					notice: NOTICE_IN_BUNDLE,
				},
			}),
			...(step.images ? {} : { files: { [PHOTO]: undefined } }),
		});
		uploadCount++;
		const objectKey = `incoming/${step.partner}/upload-${uploadCount}.zip`;
		await system.uploads.put(objectKey, bytes, { contentType: "application/zip" });
		const result = await system.ingestUpload({
			key: objectKey,
			size: bytes.byteLength,
			eTag: `etag-${uploadCount}`,
			sequencer: uploadCount.toString(16).toUpperCase(),
			eventTime: new Date(now).toISOString(),
		});
		const status = result?.report.status;
		const stored = !current || version > current.version;
		if (current && bytes === current.bytes) {
			expect(status).toBe("duplicate");
			return;
		}
		if (!stored) {
			expect(status).toBe("rejected");
			return;
		}
		const next: ModelArticle = {
			partner: step.partner,
			article: step.article,
			language: step.language,
			version,
			bytes,
			agreement: step.agreement,
			...(embargo === undefined ? {} : { embargo }),
			pubStatus: step.pubStatus,
			images: step.images,
			withdrawn: current?.withdrawn ?? false,
		};
		articles.set(key, next);
		expect(status).toBe(expected(next, agreements, now).status);
	}

	async function grant(step: Extract<Step, { kind: "grant" }>): Promise<void> {
		const previous = agreements.get(step.agreement);
		// An amendment that names no start keeps the agreement's; a new grant starts now.
		const from = step.from !== undefined ? now + step.from : previous?.active ? previous.from : now;
		const until = step.length === undefined ? null : from + step.length;
		await system.manage.grantAgreement(
			{
				agreementId: step.agreement,
				partnerId: AGREEMENTS[step.agreement],
				holder: HOLDER,
				translator: step.translator,
				languages: step.languages,
				scope: step.images ? ["text", "images"] : ["text"],
				...(step.from === undefined ? {} : { from: new Date(from).toISOString() }),
				...(until === null ? {} : { until: new Date(until).toISOString() }),
				notice: step.notice,
			},
			{ by: "timeline", reason: "grant" },
		);
		agreements.set(step.agreement, {
			partner: AGREEMENTS[step.agreement],
			languages: step.languages,
			images: step.images,
			from,
			until,
			active: true,
			translator: step.translator,
			notice: step.notice,
		});
	}

	async function revoke(agreementId: AgreementId): Promise<void> {
		const agreement = agreements.get(agreementId);
		const revoking = system.manage.revokeAgreement(agreementId, { by: "timeline", reason: "x" });
		if (!agreement) {
			await expect(revoking).rejects.toBeInstanceOf(AgreementCommandError);
			return;
		}
		// A repeated revoke is harmless: it decides the articles again and changes nothing.
		await revoking;
		agreement.active = false;
	}

	async function takedown(step: Extract<Step, { kind: "withdraw" | "restore" }>): Promise<void> {
		const affected = [...articles.values()].filter(
			(article) =>
				article.partner === step.partner &&
				article.article === step.article &&
				(step.language === undefined || article.language === step.language),
		);
		const input = {
			partnerId: step.partner,
			articleId: step.article,
			...(step.language === undefined ? {} : { language: step.language }),
			by: "timeline",
			reason: step.kind,
		};
		const run = step.kind === "withdraw" ? system.changes.withdraw : system.changes.restore;
		if (affected.length === 0) {
			await expect(run(input)).rejects.toBeInstanceOf(ArticleChangeError);
			return;
		}
		await run(input);
		for (const article of affected) article.withdrawn = step.kind === "withdraw";
	}

	/** The next instant at which the model's answer can change by itself. */
	function nextInstant(): number | undefined {
		const instants = [
			...[...articles.values()].map((article) => article.embargo),
			...[...agreements.values()].flatMap((agreement) => [agreement.from, agreement.until]),
		].filter((instant): instant is number => typeof instant === "number" && instant > now);
		return instants.length > 0 ? Math.min(...instants) : undefined;
	}

	async function check(afterStep: string): Promise<void> {
		const label = `after ${afterStep} at ${new Date(now).toISOString()}`;
		const keys = await publicKeys(system.site);
		const publicPages = new Set<string>();
		const photoKeys = new Set<string>();
		for (const article of articles.values()) {
			const { partner, article: id, language } = article;
			const want = expected(article, agreements, now);
			const shown = want.status === "published";
			const pageKey = `${language}/articles/${partner}/${id}`;
			const mediaKey = `media/${language}/${partner}/${id}/${PHOTO}`;
			const itemId = `urn:syndicate:article:${partner}:${id}:${language}`;
			const link = `href="${SITE}/${pageKey}"`;
			const what = `${label}: ${itemId}`;
			if (shown) publicPages.add(pageKey).add(`${pageKey}.ninjs.json`);
			if (want.photos) photoKeys.add(mediaKey);
			seen[want.photos ? "photos" : shown ? "published" : "hidden"]++;

			const page = keys.includes(pageKey) ? await readText(system.site, pageKey) : undefined;
			expect(page !== undefined, `${what} page`).toBe(shown);
			expect(page?.includes("<img") ?? false, `${what} page photo`).toBe(want.photos);
			if (want.attribution) expect(page, `${what} page attribution`).toContain(want.attribution);
			expect(keys.includes(mediaKey), `${what} media key`).toBe(want.photos);

			const feedText = await readText(system.site, `feeds/${language}/latest.json`);
			const items = feedText ? (JSON.parse(feedText) as { items: JsonItem[] }).items : [];
			const item = items.find((candidate) => candidate.id === itemId);
			expect(item !== undefined, `${what} in the JSON feed`).toBe(shown);
			if (item) {
				expect(item.image !== undefined, `${what} feed image`).toBe(want.photos);
				expect(item.content_html.includes("<img"), `${what} feed content photo`).toBe(want.photos);
				expect(item._rights.attribution, `${what} feed attribution`).toBe(want.attribution);
			}
			const front = await readText(system.site, `${language}/index.html`);
			expect(front?.includes(link) ?? false, `${what} on the front page`).toBe(shown);
			const home = await readText(system.site, "index.html");
			expect(home?.includes(link) ?? false, `${what} on the home page`).toBe(shown);
		}
		// Nothing else is public: no page, photo or feed item the model does not allow.
		for (const key of keys) {
			if (/^[^/]+\/articles\//.test(key))
				expect(publicPages, `${label}: page ${key}`).toContain(key);
			if (key.startsWith("media/")) expect(photoKeys, `${label}: photo ${key}`).toContain(key);
			if (/^feeds\/[^/]+\/latest\.json$/.test(key)) {
				const feed = JSON.parse((await readText(system.site, key)) ?? "{}") as {
					items: JsonItem[];
				};
				for (const item of feed.items) {
					const [, , , partner = "", id = "", language = ""] = item.id.split(":");
					expect(publicPages, `${label}: feed item ${item.id}`).toContain(
						`${language}/articles/${partner}/${id}`,
					);
				}
			}
		}
	}

	for (const [index, step] of steps.entries()) {
		switch (step.kind) {
			case "grant":
				await grant(step);
				break;
			case "revoke":
				await revoke(step.agreement);
				break;
			case "upload":
				await upload(step);
				break;
			case "withdraw":
			case "restore":
				await takedown(step);
				break;
			case "advance":
				now += step.by;
				await system.scheduledSweep();
				break;
			case "advance-to-next":
				now = (nextInstant() ?? now + MINUTE + step.minus) - step.minus;
				await system.scheduledSweep();
				break;
		}
		await check(`step ${index} (${JSON.stringify(step)})`);
		seen.steps++;
	}
}

describe("random timelines of rights changes", () => {
	it("never show an article outside its permission, and always show one inside it", async () => {
		const started = performance.now();
		let runs = 0;
		await fc.assert(
			fc.asyncProperty(
				fc.array(stepArb, { minLength: 1, maxLength: 30, size: "max" }),
				async (steps) => {
					runs++;
					await runTimeline(steps);
				},
			),
			{ numRuns: NUM_RUNS },
		);
		// Written past the console: vitest.config.ts silences console output of passing tests.
		process.stdout.write(
			`timelines property: ${NUM_RUNS} runs (${runs} timelines incl. shrinking), ${seen.steps} steps, in ${((performance.now() - started) / 1000).toFixed(1)} s; article states checked: ${seen.photos} public with photos, ${seen.published} public text-only, ${seen.hidden} not public\n`,
		);
	}, 60_000);
});
