import { FilterXSS } from "xss";
import { BUNDLE_IMAGE_ATTR } from "./media.ts";
import {
	type FragmentElement,
	type FragmentNode,
	mapImages,
	parseFragment,
	serializeFragment,
} from "./render/html.ts";

/** What became of one `<img>` of the body. */
export interface InlineImage {
	/** The `src` as the partner wrote it (empty when there was none). */
	src: string;
	/** The bundle photo it names, kept as a reference; absent when it was dropped. */
	file?: string;
}

export interface SanitizedBody {
	html: string;
	inlineImages: InlineImage[];
}

/** Which photos the bundle has, to tell an inline image of the bundle from any other. */
export interface BundleFiles {
	/** The body's entry name: relative `src`s are resolved against it. */
	body: string;
	/** Entry names of the manifest's photos. */
	images: readonly string[];
}

// A news body needs text structure and links; scripts, styles, forms and embeds never reach
// a page or a feed. Inline images stay only as references to the bundle's own photos.
const ALLOWED: Readonly<Record<string, readonly string[]>> = {
	...Object.fromEntries(
		(
			"p h2 h3 h4 h5 h6 blockquote ul ol li dl dt dd em strong b i u s sub sup small br hr q " +
			"cite code pre span figure figcaption table thead tbody tfoot tr caption"
		)
			.split(" ")
			.map((tag) => [tag, []]),
	),
	a: ["href", "title"],
	abbr: ["title"],
	th: ["scope", "colspan", "rowspan"],
	td: ["colspan", "rowspan"],
	img: ["src", "alt"],
};

// Elements whose content is code or form state, not article text: removed with it.
const DROPPED_WITH_CONTENT = ["script", "style", "textarea", "option"];

/**
 * The tokenizer: js-xss keeps allowed elements and attributes (re-quoted and escaped), strips
 * every other tag, comments and the content of scripts and styles, and escapes `<` and `>` in
 * text. Its output is then read as a tree and written again, so that what is checked below
 * (URLs, images, structure) is exactly what is written.
 */
const filter = new FilterXSS({
	whiteList: Object.fromEntries(Object.entries(ALLOWED).map(([tag, attrs]) => [tag, [...attrs]])),
	// As a browser reads it: `<` or `</` before a letter is a tag (stripped), `<!` and `</`
	// before anything else a comment (stripped); any other `<` is text (`1 < 2 > 0`).
	onIgnoreTag: (_tag, html) =>
		/^<(\/?[a-z]|!|\/)/i.test(html) ? "" : html.replace(/</g, "&lt;").replace(/>/g, "&gt;"),
	stripIgnoreTagBody: DROPPED_WITH_CONTENT,
	allowCommentTag: false,
	// URLs are judged on the tree, once decoded: here they only pass through, quotes escaped
	// (the tree's reader decodes `&quot;`, `&lt;` and `&gt;` back; other references stay).
	safeAttrValue: (_tag, _name, value) =>
		value.replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;"),
	css: false,
});

// The URL parser drops tabs and newlines anywhere, and C0 controls and spaces at either end.
const URL_IGNORED = /[\t\n\r]/g;
const SCHEME = /^([a-z][a-z0-9+.-]*):/i;
const ALLOWED_SCHEMES = new Set(["http", "https", "mailto"]);

/**
 * A link target, or `undefined` when it is not a plain http(s), mailto or relative URL. The
 * value is the decoded one, and it is written back escaped (`&` as `&amp;`), so the browser
 * sees exactly the URL checked here: no character reference can turn into `javascript:`.
 */
function safeHref(value: string): string | undefined {
	// biome-ignore lint/suspicious/noControlCharactersInRegex: the controls a URL parser trims
	const url = value.replace(URL_IGNORED, "").replace(/^[\u0000-\u0020]+|[\u0000-\u0020]+$/g, "");
	// `//host` and `/\host` leave the site whatever the scheme: protocol-relative.
	if (/^[/\\]{2}/.test(url)) return undefined;
	const scheme = SCHEME.exec(url)?.[1];
	if (scheme !== undefined && !ALLOWED_SCHEMES.has(scheme.toLowerCase())) return undefined;
	// A `:` before any `/`, `?` or `#` that is not a scheme (e.g. `1:x`) is still read as one.
	if (scheme === undefined && /^[^/?#]*:/.test(url)) return undefined;
	return url;
}

/** Bare `&` in text, escaped; character references the browser decodes are left as they are. */
function escapeBareAmpersands(text: string): string {
	return text.replace(/&(?![a-z][a-z0-9]*;|#[0-9]+;|#x[0-9a-f]+;)/gi, "&amp;");
}

/** Keeps allowed elements (a dropped one leaves its content) and allowed attributes only. */
function allowOnly(nodes: readonly FragmentNode[]): FragmentNode[] {
	return nodes.flatMap((node): FragmentNode[] => {
		if (node.type === "text") return [{ type: "text", html: escapeBareAmpersands(node.html) }];
		const children = allowOnly(node.children);
		const allowed = ALLOWED[node.name];
		if (!allowed) return children;
		const attrs = node.attrs.flatMap(([name, value]): [string, string][] => {
			if (!allowed.includes(name)) return [];
			if (node.name !== "a" || name !== "href") return [[name, value]];
			const href = safeHref(value);
			return href === undefined ? [] : [[name, href]];
		});
		// Every link: no referrer power and no ranking credit for what partners link to.
		if (node.name === "a") attrs.push(["rel", "nofollow noopener"]);
		return [{ ...node, attrs, children }];
	});
}

const BUNDLE_BASE = "http://bundle.invalid/";

/** The bundle entry an image `src` names, resolved against the body's own path. */
function bundleEntryOf(src: string, body: string): string | undefined {
	if (src.trim() === "") return undefined;
	try {
		const base = new URL(body.split("/").map(encodeURIComponent).join("/"), BUNDLE_BASE);
		const url = new URL(src, base);
		if (url.origin !== base.origin) return undefined;
		return decodeURIComponent(url.pathname.slice(1))
			.normalize("NFC")
			.split("/")
			.filter((segment) => segment !== ".")
			.join("/");
	} catch {
		return undefined;
	}
}

/**
 * Sanitises a partner's HTML fragment for pages and feeds. An inline image that names one of
 * the bundle's photos is kept as a reference to it ({@link BUNDLE_IMAGE_ATTR}); any other
 * (a remote URL, `data:`) is removed, and a `<figure>` left without images goes with it.
 * The result is balanced markup: nothing in a body can leave an element open on the page.
 */
export function sanitizeBody(
	html: string,
	bundle: BundleFiles = { body: "", images: [] },
): SanitizedBody {
	const photos = new Set(bundle.images);
	const inlineImages: InlineImage[] = [];
	const tree = mapImages(allowOnly(parseFragment(filter.process(html))), (img) => {
		const src = img.attrs.find(([name]) => name === "src")?.[1] ?? "";
		const entry = bundleEntryOf(src, bundle.body);
		const file = entry !== undefined && photos.has(entry) ? entry : undefined;
		inlineImages.push(file === undefined ? { src } : { src, file });
		if (file === undefined) return [];
		const alt = img.attrs.find(([name]) => name === "alt")?.[1];
		const kept: FragmentElement = {
			type: "element",
			name: "img",
			attrs: [[BUNDLE_IMAGE_ATTR, file], ...(alt ? [["alt", alt] as [string, string]] : [])],
			children: [],
		};
		return [kept];
	});
	return { html: serializeFragment(tree).trim(), inlineImages };
}
