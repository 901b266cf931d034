import { type FeedItem, itemUpdated } from "../targets.ts";
import { type FeedDocument, itemContentHtml, itemTranslations, siteHref } from "./feed-document.ts";
import { FEED_ICONS } from "./feed-icons.ts";
import { ninjsPath } from "./render-ninjs.ts";

/**
 * JSON Feed 1.1 (https://jsonfeed.org/version/1.1). Written here rather than with `feed`,
 * whose JSON output is version 1.0 (single `author`, no `language`). Older items are paged
 * with `next_url` (the next older archive document); `hubs` lists a WebSub hub; the
 * `_syndicate` extension lists the items that left the feed (kill notices), and on each item
 * its version, ninjs document and translations.
 */
export function renderJsonFeed(doc: FeedDocument): string {
	const syndicate = (item: FeedItem) => {
		const translations = itemTranslations(doc, item).map((one) => ({
			language: one.language,
			url: siteHref(doc.siteUrl, one.path),
		}));
		return {
			version: item.version,
			ninjs: siteHref(doc.siteUrl, ninjsPath(item)),
			...(translations.length > 0 ? { translations } : {}),
		};
	};
	return `${JSON.stringify(
		{
			version: "https://jsonfeed.org/version/1.1",
			title: doc.title,
			home_page_url: doc.homeUrl,
			feed_url: doc.selfUrls.json,
			description: doc.description,
			icon: siteHref(doc.siteUrl, FEED_ICONS.icon.path),
			favicon: siteHref(doc.siteUrl, FEED_ICONS.favicon.path),
			...(doc.prevArchiveUrls ? { next_url: doc.prevArchiveUrls.json } : {}),
			language: doc.language,
			authors: [{ name: "Syndicate" }],
			...(doc.hubUrl ? { hubs: [{ type: "WebSub", url: doc.hubUrl }] } : {}),
			// RFC 5005's links, for readers that walk archives both ways.
			...(doc.archive
				? {
						_archive: {
							current: doc.currentUrls?.json,
							...(doc.nextArchiveUrls ? { next_archive: doc.nextArchiveUrls.json } : {}),
							...(doc.prevArchiveUrls ? { prev_archive: doc.prevArchiveUrls.json } : {}),
						},
					}
				: {}),
			// Kill notices (docs/feeds.md): JSON Feed has none, `_`-prefixed extensions are allowed.
			...(doc.deleted
				? {
						_syndicate: {
							deleted: doc.deleted.map(({ id, when, reason }) => ({ id, when, reason })),
						},
					}
				: {}),
			items: doc.items.map((item) => ({
				id: item.id,
				url: siteHref(doc.siteUrl, item.path),
				title: item.headline,
				content_html: itemContentHtml(item, doc.siteUrl, doc.fullText?.get(item.id)),
				...(item.summary ? { summary: item.summary } : {}),
				...(item.image ? { image: siteHref(doc.siteUrl, item.image.path) } : {}),
				date_published: item.firstCreated,
				date_modified: itemUpdated(item),
				authors: [{ name: item.byline ?? item.holder }],
				...(item.subjects.length > 0 ? { tags: item.subjects } : {}),
				language: item.language,
				...(item.image
					? {
							attachments: [
								{
									url: siteHref(doc.siteUrl, item.image.path),
									mime_type: item.image.contentType,
									size_in_bytes: item.image.bytes,
									...(item.image.caption ? { title: item.image.caption } : {}),
								},
							],
						}
					: {}),
				// JSON Feed has no rights field: an extension carries what Atom's <rights> does.
				_rights: { holder: item.holder, attribution: item.attribution },
				...(item.image?.credit || item.image?.caption
					? {
							_media: {
								...(item.image.credit ? { credit: item.image.credit } : {}),
								...(item.image.caption ? { caption: item.image.caption } : {}),
							},
						}
					: {}),
				// The item as an IPTC ninjs document (docs/feeds.md, "ninjs"), for re-publishers, and
				// its other language versions (docs/feeds.md, "Translations").
				_syndicate: syndicate(item),
			})),
		},
		null,
		2,
	)}\n`;
}
