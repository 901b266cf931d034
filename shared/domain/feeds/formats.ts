/**
 * The formats every feed is written in (docs/feeds.md), in the order pages offer them: path
 * extension, media type as the site serves it, a name for people, and whether the AWS edge
 * needs compressed copies stored (CloudFront compresses RSS itself but not the others' media
 * types; see compressed-variants.ts). Each also needs a writer: `FEED_RENDERERS`
 * (render/render-feed.ts), typed so none is missing.
 */
export const FEED_FORMATS = [
	{
		format: "rss",
		contentType: "application/rss+xml; charset=utf-8",
		label: "RSS",
		edgeCompressed: false,
	},
	{
		format: "atom",
		contentType: "application/atom+xml; charset=utf-8",
		label: "Atom",
		edgeCompressed: true,
	},
	{
		format: "json",
		contentType: "application/feed+json; charset=utf-8",
		label: "JSON Feed",
		edgeCompressed: true,
	},
] as const satisfies readonly {
	format: string;
	contentType: string;
	label: string;
	edgeCompressed: boolean;
}[];

export type FeedFormat = (typeof FEED_FORMATS)[number]["format"];

/**
 * The format a feed is given in where one address stands for it: the OPML's `xmlUrl` (with
 * its `version`) and the address to copy in a page's Subscribe section.
 */
export const PRIMARY_FORMAT = { format: "rss", opmlVersion: "RSS2" } as const satisfies {
	format: FeedFormat;
	opmlVersion: string;
};

/** The OPML list of every feed: one document, beside the feeds, with their media type rules. */
export const OPML = {
	extension: "opml",
	contentType: "text/x-opml; charset=utf-8",
	label: "OPML",
	path: "/feeds/index.opml",
	edgeCompressed: true,
} as const;

/** OPML's media type (the edge and the site bucket serve `feeds/index.opml` with it). */
export const OPML_CONTENT_TYPE = OPML.contentType;
/** Site path of the OPML list of every feed. */
export const OPML_PATH = OPML.path;

/** Every kind of document under `/feeds/`, by extension: the feed formats, then OPML. */
export const FEED_DOCUMENT_TYPES: readonly {
	extension: string;
	contentType: string;
	label: string;
	edgeCompressed: boolean;
}[] = [
	...FEED_FORMATS.map(({ format, contentType, label, edgeCompressed }) => ({
		extension: format,
		contentType,
		label,
		edgeCompressed,
	})),
	OPML,
];

/** A media type without its parameters (`application/rss+xml`), as link `type` attributes take it. */
export function essenceOf(contentType: string): string {
	return contentType.split(";")[0] ?? contentType;
}
