import { randomBytes } from "node:crypto";
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { GetObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { type ArticleRef, articleItemId, articlePath } from "#shared/domain/article.ts";
import { type Report, reportKey as reportKeyOf } from "#shared/domain/report.ts";
import { describeError } from "#shared/lib/describe-error.ts";
import type { OpsChangeInput } from "#shared/use-cases/change-articles.ts";
import type { ChangeSummary } from "#shared/use-cases/change-batches.ts";
import { SMOKE_PARTNER } from "../infra/config.ts";
import { packBundle } from "../local/pack-bundle.ts";
import { CliError } from "./cli-error.ts";

/** The example bundle the smoke article is made from (its agreement is the demo partner's). */
const SMOKE_BUNDLE = resolve(import.meta.dirname, "../examples/bundles/hitachi-china-en");

// Locally each wait is over within a second; in AWS the CDN's 60 s cache and its invalidations
// set the pace, so looking more often than every 5 s would only add requests.
const FIRST_POLL_MS = 250;
const MAX_POLL_MS = 5000;
const REQUEST_TIMEOUT_MS = 10_000;
// A bot by its user agent, so the smoke test's page views never count in Most Viewed.
const USER_AGENT = "syndicate-smoke/1 (ops smoke test bot)";

/** The stack the smoke test runs against, as the CLI opened it. */
export interface SmokeTarget {
	/** The partner's S3 client, once it has the partner's credentials, and whose they are. */
	partnerS3: () => Promise<{ s3: S3Client; as: string }>;
	ingestBucket: string;
	/** Where readers get pages and feeds: the edge locally, CloudFront in AWS. */
	siteUrl: string;
	/** The `articles withdraw` use case. */
	withdraw: (input: OpsChangeInput) => Promise<ChangeSummary>;
	/** Who withdraws the smoke article, for its history. */
	by: string;
}

export interface SmokeOptions {
	/** How long each polling step waits for what it expects. */
	timeoutMs: number;
	/** Each step's line as it ends. */
	log: (line: string) => void;
}

/** The first step that failed, what it expected and what it saw. */
export class SmokeFailure extends CliError {
	constructor(
		readonly step: string,
		detail: string,
	) {
		super(`smoke test failed at step "${step}": ${detail}`);
		this.name = "SmokeFailure";
	}
}

/** `412 ms`, or `3.4 s` from a second on. */
export function formatDuration(ms: number): string {
	return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** `smoke-20261206-233021-3f9a`: sorts by time, and two runs in one second still differ. */
function smokeArticleId(now: Date): string {
	const stamp = now
		.toISOString()
		.replace(/\.\d+Z$/, "")
		.replaceAll(/[-:]/g, "")
		.replace("T", "-");
	return `smoke-${stamp}-${randomBytes(2).toString("hex")}`;
}

/**
 * The example's manifest as a new article of its own: a smoke id, version 1, dated now so it
 * heads Latest News (which lists the newest 50 by first publication), and no subjects, so a
 * run never creates subject feeds that would outlive it (an emptied feed stays published).
 */
function smokeManifest(
	manifest: Record<string, unknown>,
	articleId: string,
	now: Date,
): Record<string, unknown> {
	// Without subjects, the names of the example's subjects would name none (MANIFEST_INVALID).
	const { embargoUntil: _embargo, subjectNames: _names, ...rest } = manifest;
	return {
		...rest,
		id: articleId,
		version: 1,
		pubStatus: "usable",
		headline: `Syndicate smoke test ${articleId}`,
		summary: "An operations check of the pipeline; withdrawn as soon as the check ends.",
		firstCreated: now.toISOString(),
		versionCreated: now.toISOString(),
		subjects: [],
	};
}

/** Packs the example folder with the smoke manifest, as a partner's exporter would. */
async function packSmokeBundle(
	folder: string,
	articleId: string,
	now: Date,
): Promise<{ zip: Uint8Array; language: string }> {
	const manifest = JSON.parse(await readFile(join(folder, "manifest.json"), "utf8")) as Record<
		string,
		unknown
	>;
	if (typeof manifest.language !== "string") {
		throw new Error(`${folder}/manifest.json has no language`);
	}
	const copy = await mkdtemp(join(tmpdir(), "syndicate-smoke-"));
	try {
		await cp(folder, copy, { recursive: true });
		await writeFile(
			join(copy, "manifest.json"),
			JSON.stringify(smokeManifest(manifest, articleId, now), null, "\t"),
		);
		return { zip: await packBundle(copy), language: manifest.language };
	} finally {
		await rm(copy, { recursive: true, force: true });
	}
}

type Check<T> = { done: T } | { seen: string };

/**
 * Calls `check` until it is done or `timeoutMs` has passed, backing off from 250 ms to 5 s;
 * a failed call (a refused connection, a throttled read) counts as a look, not a failure.
 */
async function waitFor<T>(
	expected: string,
	timeoutMs: number,
	check: () => Promise<Check<T>>,
): Promise<T> {
	const started = performance.now();
	let delay = FIRST_POLL_MS;
	for (;;) {
		let seen: string;
		try {
			const result = await check();
			if ("done" in result) return result.done;
			seen = result.seen;
		} catch (error) {
			seen = describeError(error);
		}
		const left = timeoutMs - (performance.now() - started);
		if (left <= 0) {
			throw new Error(
				`expected ${expected}, saw ${seen} (gave up after ${formatDuration(timeoutMs)})`,
			);
		}
		await new Promise((wake) => setTimeout(wake, Math.min(delay, left)));
		delay = Math.min(delay * 2, MAX_POLL_MS);
	}
}

async function get(url: URL): Promise<{ status: number; body: string }> {
	const response = await fetch(url, {
		headers: { "user-agent": USER_AGENT },
		signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
	});
	return { status: response.status, body: await response.text() };
}

/** The item ids of a JSON Feed. */
function feedItemIds(body: string): string[] {
	const feed = JSON.parse(body) as { items?: { id?: unknown }[] };
	return (feed.items ?? []).map((item) => String(item.id));
}

async function readReport(s3: S3Client, bucket: string, key: string): Promise<Check<Report>> {
	try {
		const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
		return { done: JSON.parse((await response.Body?.transformToString()) ?? "null") };
	} catch (error) {
		const name = (error as { name?: string }).name;
		if (name === "NoSuchKey") return { seen: "no report yet" };
		// The partner role may list only under its own prefixes, so S3 may answer a missing
		// report with AccessDenied rather than NoSuchKey: the partner cannot tell them apart.
		if (name === "AccessDenied")
			return { seen: "no report yet, or no right to read it (AccessDenied)" };
		throw error;
	}
}

/**
 * The ops smoke test: uploads a fresh copy of an example bundle as the demo partner, waits for
 * its report, sees its page and its Latest News item served, withdraws it as
 * `articles withdraw` does, and sees both gone. Each step logs its time; the first that fails
 * throws a {@link SmokeFailure}, after withdrawing the smoke article if it may be public. The
 * article is left withdrawn: its record and history stay, as every takedown's do.
 */
export async function runSmoke(
	target: SmokeTarget,
	options: SmokeOptions,
): Promise<{ articleId: string; ms: number }> {
	const now = new Date();
	const articleId = smokeArticleId(now);
	const name = `${SMOKE_PARTNER}/${articleId}`;
	const upload = { partnerId: SMOKE_PARTNER, rest: `smoke/${articleId}.zip` };
	const key = `incoming/${upload.partnerId}/${upload.rest}`;
	const reportKey = reportKeyOf(upload);
	const started = performance.now();
	let uploaded = false;
	let withdrawn = false;

	async function step<T>(
		title: string,
		work: () => Promise<T>,
		detail?: (result: T) => string,
	): Promise<T> {
		const begun = performance.now();
		try {
			const result = await work();
			const took = formatDuration(performance.now() - begun);
			options.log(
				`ok    ${title.padEnd(20)} ${took.padStart(8)}${detail ? `  ${detail(result)}` : ""}`,
			);
			return result;
		} catch (error) {
			options.log(
				`FAIL  ${title.padEnd(20)} ${formatDuration(performance.now() - begun).padStart(8)}`,
			);
			// A CliError already reads as one line for the operator; anything else gets its name.
			throw new SmokeFailure(
				title,
				error instanceof CliError ? error.message : describeError(error),
			);
		}
	}

	const withdraw = () =>
		target.withdraw({
			partnerId: SMOKE_PARTNER,
			articleId,
			by: target.by,
			reason: "smoke test: withdrawn once checked",
		});

	try {
		const { zip, language } = await step(
			"pack bundle",
			() => packSmokeBundle(SMOKE_BUNDLE, articleId, now),
			({ zip }) => `${name} (${zip.byteLength} bytes)`,
		);
		const ref: ArticleRef = { partnerId: SMOKE_PARTNER, articleId, language };
		const page = new URL(articlePath(ref), target.siteUrl);
		const feed = new URL(`/feeds/${language}/latest.json`, target.siteUrl);
		const itemId = articleItemId(ref);

		const { s3 } = await step("partner credentials", target.partnerS3, (partner) => partner.as);
		await step(
			"upload",
			async () => {
				uploaded = true;
				await s3.send(
					new PutObjectCommand({
						Bucket: target.ingestBucket,
						Key: key,
						Body: zip,
						ContentType: "application/zip",
					}),
				);
			},
			() => key,
		);
		await step(
			"report",
			async () => {
				const report = await waitFor(`a report at ${reportKey}`, options.timeoutMs, () =>
					readReport(s3, target.ingestBucket, reportKey),
				);
				if (report.status !== "published" || report.articleId !== articleId) {
					const why = [
						...report.errors.map((issue) => issue.code),
						...(report.permission ? [report.permission.reason] : []),
					];
					throw new Error(
						`expected status "published" for ${articleId}, saw status "${report.status}" for ${report.articleId ?? "no article"}${why.length > 0 ? ` (${why.join("; ")})` : ""}`,
					);
				}
			},
			() => "published",
		);
		await step(
			"page served",
			() =>
				waitFor(`HTTP 200 with ${articleId} from ${page}`, options.timeoutMs, async () => {
					const { status, body } = await get(page);
					if (status === 200 && body.includes(articleId)) return { done: status };
					return { seen: status === 200 ? "HTTP 200 without the article" : `HTTP ${status}` };
				}),
			() => page.pathname,
		);
		await step(
			"in feed",
			() =>
				waitFor(`item ${itemId} in ${feed}`, options.timeoutMs, async () => {
					const { status, body } = await get(feed);
					if (status !== 200) return { seen: `HTTP ${status}` };
					const ids = feedItemIds(body);
					return ids.includes(itemId)
						? { done: ids.length }
						: { seen: `${ids.length} items without it` };
				}),
			() => feed.pathname,
		);
		await step(
			"withdraw",
			async () => {
				const summary = await withdraw();
				withdrawn = summary.changed > 0;
				if (!withdrawn) {
					throw new Error(
						`expected the article taken down, saw ${summary.changed} of ${summary.articles} language(s) changed`,
					);
				}
				return summary;
			},
			(summary) => `${summary.targets} page(s) and feed(s) published`,
		);
		await step("page gone", () =>
			// A taken-down page answers 410 Gone with its notice (docs/feeds.md, "Taken-down articles").
			waitFor(`HTTP 410 from ${page}`, options.timeoutMs, async () => {
				const { status } = await get(page);
				return status === 410 ? { done: status } : { seen: `HTTP ${status}` };
			}),
		);
		await step("out of feed", () =>
			waitFor(`no item ${itemId} in ${feed}`, options.timeoutMs, async () => {
				const { status, body } = await get(feed);
				if (status !== 200) return { seen: `HTTP ${status}` };
				return feedItemIds(body).includes(itemId)
					? { seen: "the item still there" }
					: { done: status };
			}),
		);
	} catch (error) {
		// A failed run must not leave a test article in front of readers.
		if (uploaded && !withdrawn) await cleanUp(name, withdraw, options.log);
		throw error;
	}
	return { articleId, ms: performance.now() - started };
}

async function cleanUp(
	name: string,
	withdraw: () => Promise<ChangeSummary>,
	log: (line: string) => void,
): Promise<void> {
	try {
		const summary = await withdraw();
		log(`cleanup: withdrew ${name} (${summary.changed} language(s) changed)`);
	} catch (error) {
		log(
			`cleanup: could not withdraw ${name} (${describeError(error)}); once it is stored: npm run syndicate -- articles withdraw ${name} --reason "smoke test cleanup"`,
		);
	}
}
