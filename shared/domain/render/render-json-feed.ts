import { type FeedDocument, itemContentHtml } from "./feed-document.ts";
import { absoluteUrl } from "./html.ts";

/**
 * JSON Feed 1.1 (https://jsonfeed.org/version/1.1). Written here rather than with `feed`,
 * whose JSON output is version 1.0 (single `author`, no `language`).
 */
export function renderJsonFeed(doc: FeedDocument): string {
	return `${JSON.stringify(
		{
			version: "https://jsonfeed.org/version/1.1",
			title: doc.title,
			home_page_url: doc.homeUrl,
			feed_url: doc.selfUrls.json,
			description: doc.description,
			language: doc.language,
			authors: [{ name: "Syndicate" }],
			items: doc.items.map((item) => ({
				id: item.id,
				url: absoluteUrl(doc.siteUrl, item.path),
				title: item.headline,
				content_html: itemContentHtml(item, doc.siteUrl),
				...(item.summary ? { summary: item.summary } : {}),
				...(item.image ? { image: absoluteUrl(doc.siteUrl, item.image.path) } : {}),
				date_published: item.firstCreated,
				date_modified: item.versionCreated,
				authors: [{ name: item.byline ?? item.holder }],
				...(item.subjects.length > 0 ? { tags: item.subjects } : {}),
				language: item.language,
				// JSON Feed has no rights field: an extension carries what Atom's <rights> does.
				_rights: { holder: item.holder, attribution: item.attribution },
				_syndicate: { version: item.version },
			})),
		},
		null,
		2,
	)}\n`;
}
