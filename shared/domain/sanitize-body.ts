import sanitizeHtml from "sanitize-html";

// A news body needs text structure and links; scripts, styles, forms, embeds and inline
// images (the manifest lists the images) never reach a page or a feed.
const options: sanitizeHtml.IOptions = {
	allowedTags: [
		"p",
		"h2",
		"h3",
		"h4",
		"h5",
		"h6",
		"blockquote",
		"ul",
		"ol",
		"li",
		"dl",
		"dt",
		"dd",
		"a",
		"em",
		"strong",
		"b",
		"i",
		"u",
		"s",
		"sub",
		"sup",
		"small",
		"br",
		"hr",
		"q",
		"cite",
		"abbr",
		"code",
		"pre",
		"span",
		"figure",
		"figcaption",
		"table",
		"thead",
		"tbody",
		"tfoot",
		"tr",
		"th",
		"td",
		"caption",
	],
	allowedAttributes: {
		a: ["href", "title", "rel"],
		abbr: ["title"],
		th: ["scope", "colspan", "rowspan"],
		td: ["colspan", "rowspan"],
	},
	allowedSchemes: ["http", "https", "mailto"],
	allowProtocolRelative: false,
	disallowedTagsMode: "discard",
	transformTags: {
		a: sanitizeHtml.simpleTransform("a", { rel: "nofollow noopener" }),
	},
};

/** Sanitises a partner's HTML fragment for pages and feeds. */
export function sanitizeBody(html: string): string {
	return sanitizeHtml(html, options).trim();
}
