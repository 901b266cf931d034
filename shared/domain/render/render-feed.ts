import type { FeedDocument, FeedFormat } from "./feed-document.ts";
import { renderAtom } from "./render-atom.ts";
import { renderJsonFeed } from "./render-json-feed.ts";
import { renderRss } from "./render-rss.ts";

/** The renderer of each format of FEED_FORMATS (feed-document.ts); typed so none is missing. */
export const FEED_RENDERERS: Readonly<Record<FeedFormat, (doc: FeedDocument) => string>> = {
	rss: renderRss,
	atom: renderAtom,
	json: renderJsonFeed,
};
