import { Feed } from "feed";
import { type FeedDocument, itemContentHtml } from "./feed-document.ts";
import { absoluteUrl, escapeHtml } from "./html.ts";

const ATOM_ROOT = '<feed xmlns="http://www.w3.org/2005/Atom">';

/** Atom 1.0 (RFC 4287) with `xml:lang`, an author and rights on every entry. */
export function renderAtom(doc: FeedDocument): string {
	const feed = new Feed({
		id: doc.id,
		title: doc.title,
		description: doc.description,
		link: doc.homeUrl,
		updated: doc.updated,
		generator: "Syndicate",
		author: { name: "Syndicate" },
		feedLinks: { atom: doc.selfUrls.atom },
	});
	for (const item of doc.items) {
		feed.addItem({
			// `feed` marks Atom titles and summaries type="html": plain text must be escaped.
			title: escapeHtml(item.headline),
			id: item.id,
			link: absoluteUrl(doc.siteUrl, item.path),
			date: new Date(item.versionCreated),
			published: new Date(item.firstCreated),
			description: escapeHtml(item.summary ?? item.headline),
			content: itemContentHtml(item, doc.siteUrl),
			author: [{ name: item.byline ?? item.holder }],
			category: item.subjects.map((term) => ({ term })),
			copyright: item.attribution,
		});
	}
	const xml = feed.atom1();
	// `feed` has no option for the feed's language; xml:lang on the root is how Atom says it.
	if (!xml.includes(ATOM_ROOT)) throw new Error("unexpected Atom root element from feed");
	return xml.replace(
		ATOM_ROOT,
		`<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="${doc.language}">`,
	);
}
