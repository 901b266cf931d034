import { articlePath, imagePath } from "../article.ts";
import { FEED_FORMATS } from "../feeds/formats.ts";
import { BUNDLE_IMAGE_ATTR } from "../media.ts";
import type { FeedItem } from "../targets.ts";
import { type FeedBody, type FeedDocument, siteHref } from "./feed-document.ts";
import {
	absoluteUrl,
	attrOf,
	escapeHtml,
	type FragmentNode,
	mapImages,
	parseFragment,
	serializeFragment,
} from "./html.ts";
import { fill, uiFor } from "./i18n.ts";
import { FEED_RENDERERS } from "./render-feed.ts";

/**
 * The most bytes a feed document (or archive document) holds in any format (docs/feeds.md,
 * "Full text"): readers and hubs refuse or cut larger ones, and a reader polls it often.
 */
export const FEED_DOCUMENT_MAX_BYTES = 250_000;

/** Relative links of a body made absolute against its page: a feed has no base of its own. */
function absoluteLinks(nodes: readonly FragmentNode[], pageUrl: string): FragmentNode[] {
	return nodes.map((node): FragmentNode => {
		if (node.type === "text") return node;
		const attrs =
			node.name === "a"
				? node.attrs.map(([name, value]): [string, string] => {
						if (name !== "href") return [name, value];
						try {
							return [name, new URL(value, pageUrl).href];
						} catch {
							return [name, value];
						}
					})
				: node.attrs;
		return { ...node, attrs, children: absoluteLinks(node.children, pageUrl) };
	});
}

/**
 * An item's sanitized body as a feed carries it: each inline photo reference the item's
 * photos allow becomes the page's photo at its absolute URL, with its credit, and every other
 * (all of them once the agreement lost the image scope) goes with its figure; links are made
 * absolute.
 */
export function feedBody(
	item: FeedItem & { fullText: NonNullable<FeedItem["fullText"]> },
	bodyHtml: string,
	siteUrl: string,
): FeedBody {
	const photos = new Map(item.fullText.photos.map((photo) => [photo.file, photo]));
	const inlinePaths: string[] = [];
	const nodes = mapImages(parseFragment(bodyHtml), (img): FragmentNode[] => {
		const file = attrOf(img, BUNDLE_IMAGE_ATTR);
		const photo = file === undefined ? undefined : photos.get(file);
		if (!photo) return [];
		const path = imagePath(item, photo);
		inlinePaths.push(path);
		const element: FragmentNode = {
			type: "element",
			name: "img",
			attrs: [
				["src", siteHref(siteUrl, path)],
				["alt", attrOf(img, "alt") || photo.alt || ""],
			],
			children: [],
		};
		const credit = photo.credit
			? [
					{
						type: "text" as const,
						html: ` <small>${escapeHtml(fill(uiFor(item.language).strings.photoCredit, { credit: photo.credit }))}</small>`,
					},
				]
			: [];
		return [element, ...credit];
	});
	const pageUrl = absoluteUrl(siteUrl, articlePath(item));
	return { html: serializeFragment(absoluteLinks(nodes, pageUrl)), inlinePaths };
}

const utf8 = new TextEncoder();

/** The bytes of a document in each format, in FEED_FORMATS' order. */
function sizes(doc: FeedDocument): number[] {
	return FEED_FORMATS.map(({ format }) => utf8.encode(FEED_RENDERERS[format](doc)).byteLength);
}

const fits = (bytes: readonly number[], maxBytes: number) =>
	bytes.every((size) => size <= maxBytes);

// Bytes an item costs beyond its own content when others are beside it (JSON's `,` and line).
const ITEM_SLACK = 16;

/**
 * The document cut to `maxBytes` in every format (docs/feeds.md, "Full text"). Items are taken
 * newest first with their full text while it fits. Where the first one that does not fit can
 * be left out (`mayDropItems`: the feed document of a feed whose archive documents hold every
 * item), the document ends there: fewer items, each whole. Elsewhere (archive documents, whose
 * items are fixed, and feeds without archives) every item stays, and those whose full text
 * does not fit are teasers. A document within the limit is returned as it is.
 */
export function fitFeedDocument(
	doc: FeedDocument,
	mayDropItems: boolean,
	maxBytes = FEED_DOCUMENT_MAX_BYTES,
): FeedDocument {
	const bodies = doc.fullText;
	if (!bodies || bodies.size === 0 || fits(sizes(doc), maxBytes)) return doc;
	const base = sizes({ ...doc, items: [], fullText: new Map() });
	const costOf = (item: FeedItem, body: FeedBody | undefined) => {
		const one = sizes({
			...doc,
			items: [item],
			fullText: body ? new Map([[item.id, body]]) : new Map(),
		});
		return one.map((size, i) => size - (base[i] ?? 0) + ITEM_SLACK);
	};
	const total = [...base];
	const fitsWith = (cost: readonly number[]) =>
		fits(
			cost.map((bytes, i) => bytes + (total[i] ?? 0)),
			maxBytes,
		);
	const add = (cost: readonly number[]) => {
		for (const [i, bytes] of cost.entries()) total[i] = (total[i] ?? 0) + bytes;
	};
	const items: FeedItem[] = [];
	const kept = new Map<string, FeedBody>();
	for (const item of doc.items) {
		const body = bodies.get(item.id);
		const full = body ? costOf(item, body) : undefined;
		if (body && full && fitsWith(full)) {
			add(full);
			items.push(item);
			kept.set(item.id, body);
			continue;
		}
		// The first item stays in any case: a document of no items would say nothing is new.
		const droppable = mayDropItems && items.length > 0;
		// A whole text that does not fit ends a document that may hold fewer items.
		if (droppable && body) break;
		const teaser = costOf(item, undefined);
		if (droppable && !fitsWith(teaser)) break;
		add(teaser);
		items.push(item);
	}
	const fitted = { ...doc, items, fullText: kept };
	// The estimate is per item; the whole document has the last word.
	while (!fits(sizes(fitted), maxBytes) && kept.size > 0) {
		const last = items.findLast((item) => kept.has(item.id));
		if (!last) break;
		const at = items.indexOf(last);
		if (mayDropItems && at > 0) items.splice(at);
		kept.delete(last.id);
	}
	return fitted;
}
