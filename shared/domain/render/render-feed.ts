import type { FeedFormat } from "../feeds/formats.ts";
import type { FeedDocument } from "./feed-document.ts";
import { renderAtom } from "./render-atom.ts";
import { renderJsonFeed } from "./render-json-feed.ts";
import { renderRss } from "./render-rss.ts";

/** The writer of each format of FEED_FORMATS (feeds/formats.ts); typed so none is missing. */
export const FEED_RENDERERS: Readonly<Record<FeedFormat, (doc: FeedDocument) => string>> = {
	rss: renderRss,
	atom: renderAtom,
	json: renderJsonFeed,
};
