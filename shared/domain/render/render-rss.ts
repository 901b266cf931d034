import { Feed } from "feed";
import { type FeedDocument, itemContentHtml } from "./feed-document.ts";
import { absoluteUrl, escapeHtml } from "./html.ts";

/** RSS 2.0 with `atom:link rel=self`, `content:encoded` and `dc:creator`. */
export function renderRss(doc: FeedDocument): string {
	const feed = new Feed({
		id: doc.id,
		title: doc.title,
		description: doc.description,
		link: doc.homeUrl,
		language: doc.language,
		updated: doc.updated,
		generator: "Syndicate",
		feedLinks: { rss: doc.selfUrls.rss },
	});
	for (const item of doc.items) {
		feed.addItem({
			title: item.headline,
			id: item.id,
			link: absoluteUrl(doc.siteUrl, item.path),
			date: new Date(item.versionCreated),
			published: new Date(item.firstCreated),
			// RSS descriptions are HTML by convention; the title stays plain text.
			description: escapeHtml(item.summary ?? item.headline),
			content: itemContentHtml(item, doc.siteUrl),
			category: item.subjects.map((name) => ({ name })),
			// RSS <author> must be an e-mail address; Dublin Core carries a plain name.
			extensions: [{ name: "dc:creator", objects: { _cdata: item.byline ?? item.holder } }],
		});
	}
	return feed.rss2();
}
