import { performance } from "node:perf_hooks";
import type { FeedFormat } from "#shared/domain/feeds/formats.ts";
import { buildFeedDocument } from "#shared/domain/render/feed-document.ts";
import { FEED_RENDERERS } from "#shared/domain/render/render-feed.ts";
import { type FeedItem, feedEntriesFor } from "#shared/domain/targets.ts";
import { makeArticle } from "../tests/helpers/articles.ts";
import { percentile } from "./stats.ts";

const SITE = "https://news.example.org";

// The least a correct feed writer must do: escape every text once and concatenate.
const ESCAPES: Record<string, string> = {
	"&": "&amp;",
	"<": "&lt;",
	">": "&gt;",
	'"': "&quot;",
	"'": "&apos;",
};
const esc = (text: string) => text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);

// The item's HTML, as a template would write it: photo with caption, teaser, attribution, link.
function contentOf(item: FeedItem): string {
	const image = item.image;
	const photo = image
		? `<figure><img src="${esc(SITE + image.path)}" alt="${esc(image.alt ?? "")}"><figcaption>${esc(`${image.caption ?? ""} (Photo: ${image.credit ?? ""})`)}</figcaption></figure>\n`
		: "";
	return `${photo}<p>${esc(item.summary ?? "")}</p>\n<p class="attribution">${esc(item.attribution)}</p>\n<p><a href="${esc(SITE + item.path)}">Read the full article</a></p>`;
}

function mediaOf(item: FeedItem): string {
	const image = item.image;
	if (!image) return "";
	const url = esc(SITE + image.path);
	return `<enclosure url="${url}" length="${image.bytes}" type="${esc(image.contentType)}"/><media:content url="${url}" type="${esc(image.contentType)}" fileSize="${image.bytes}" medium="image"><media:description type="plain">${esc(image.caption ?? "")}</media:description><media:credit>${esc(image.credit ?? "")}</media:credit></media:content>`;
}

/**
 * The baseline: a minimal hand-written template per format with the same fields as ours
 * (content HTML, photo, categories, author, rights), escaping each text once more.
 */
const BASELINES: Record<FeedFormat, (items: readonly FeedItem[]) => string> = {
	rss: (items) =>
		`<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>${items
			.map(
				(item) =>
					`<item><title>${esc(item.headline)}</title><link>${esc(SITE + item.path)}</link><guid isPermaLink="false">${esc(item.id)}</guid><pubDate>${new Date(item.firstCreated).toUTCString()}</pubDate><description>${esc(esc(item.summary ?? ""))}</description><content:encoded>${esc(contentOf(item))}</content:encoded><dc:creator>${esc(item.byline ?? item.holder)}</dc:creator>${item.subjects.map((s) => `<category>${esc(s)}</category>`).join("")}<dc:rights>${esc(item.attribution)}</dc:rights>${mediaOf(item)}</item>`,
			)
			.join("")}</channel></rss>`,
	atom: (items) =>
		`<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>${items
			.map(
				(item) =>
					`<entry><id>${esc(item.id)}</id><title type="text">${esc(item.headline)}</title><link href="${esc(SITE + item.path)}"/><published>${item.firstCreated}</published><updated>${item.versionCreated}</updated><summary type="text">${esc(item.summary ?? "")}</summary><content type="html">${esc(contentOf(item))}</content><author><name>${esc(item.byline ?? item.holder)}</name></author>${item.subjects.map((s) => `<category term="${esc(s)}"/>`).join("")}<rights type="text">${esc(item.attribution)}</rights>${mediaOf(item)}</entry>`,
			)
			.join("")}</feed>`,
	json: (items) =>
		JSON.stringify(
			{
				version: "https://jsonfeed.org/version/1.1",
				title: "t",
				items: items.map((item) => ({
					id: item.id,
					url: SITE + item.path,
					title: item.headline,
					content_html: contentOf(item),
					summary: item.summary,
					image: item.image ? SITE + item.image.path : undefined,
					date_published: item.firstCreated,
					date_modified: item.versionCreated,
					authors: [{ name: item.byline ?? item.holder }],
					tags: item.subjects,
					language: item.language,
					attachments: item.image
						? [{ url: SITE + item.image.path, mime_type: item.image.contentType }]
						: undefined,
					_rights: { holder: item.holder, attribution: item.attribution },
				})),
			},
			null,
			2,
		),
};

function itemsOf(count: number): FeedItem[] {
	return Array.from({ length: count }, (_, i) => {
		const at = new Date(Date.UTC(2024, 0, 1) + i * 60_000).toISOString();
		const [row] = feedEntriesFor(
			makeArticle({ articleId: `a${i}`, firstCreated: at, versionCreated: at }),
		);
		if (!row) throw new Error("a published article has a row");
		return row.item;
	}).reverse();
}

/** Median milliseconds of `runs` calls after `warmup` unmeasured ones. */
function time(work: () => unknown, runs: number, warmup: number): number {
	for (let i = 0; i < warmup; i++) work();
	const sample: number[] = [];
	for (let i = 0; i < runs; i++) {
		const start = performance.now();
		work();
		sample.push(performance.now() - start);
	}
	return percentile(sample, 50);
}

/** One measured ratio: our renderer against the baseline, same items, same run. */
export interface RenderRatio {
	format: FeedFormat;
	items: number;
	renderMs: number;
	baselineMs: number;
	ratio: number;
}

/**
 * RSS, Atom and JSON Feed rendering of 50 and 1,000 items, each as a ratio to a minimal
 * hand-written escaping template measured in the same run (goal: at most 2.5×). Prints one
 * line per case and returns the figures.
 */
export function benchRender(options: { runs?: number; warmup?: number } = {}): RenderRatio[] {
	const results: RenderRatio[] = [];
	for (const count of [50, 1000]) {
		const items = itemsOf(count);
		const doc = buildFeedDocument({
			siteUrl: SITE,
			language: "en",
			feed: "latest",
			items,
			archivePages: 3,
		});
		const runs = options.runs ?? (count > 100 ? 100 : 1000);
		const warmup = options.warmup ?? Math.ceil(runs / 5);
		for (const format of ["rss", "atom", "json"] as const) {
			const render = FEED_RENDERERS[format];
			const baseline = BASELINES[format];
			// Interleaved, so a slower stretch of the machine costs both alike.
			const baselineMs = time(() => baseline(items), runs, warmup);
			const renderMs = time(() => render(doc), runs, warmup);
			const ratio = renderMs / baselineMs;
			results.push({ format, items: count, renderMs, baselineMs, ratio });
			console.log(
				`  ${format.padEnd(4)} ${String(count).padStart(5)} items   ours ${renderMs.toFixed(3).padStart(8)} ms   template ${baselineMs.toFixed(3).padStart(8)} ms   ×${ratio.toFixed(2)}${ratio <= 2.5 ? "" : "   (over the 2.5× goal)"}`,
			);
		}
	}
	return results;
}
