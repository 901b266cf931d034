const ENTITIES: Record<string, string> = {
	"&": "&amp;",
	"<": "&lt;",
	">": "&gt;",
	'"': "&quot;",
	"'": "&#39;",
};

/** Escapes text for HTML element content and quoted attribute values alike. */
export function escapeHtml(text: string): string {
	return text.replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);
}

/** An absolute URL for a site path: feeds and pages carry absolute URLs only (docs/feeds.md). */
export function absoluteUrl(siteUrl: string, path: string): string {
	return new URL(path, siteUrl.endsWith("/") ? siteUrl : `${siteUrl}/`).href;
}

/** An element of an HTML fragment that the body sanitizer wrote. */
export interface FragmentElement {
	type: "element";
	name: string;
	attrs: [name: string, value: string][];
	children: FragmentNode[];
}

/** A node of an HTML fragment that the body sanitizer wrote. */
export type FragmentNode = { type: "text"; html: string } | FragmentElement;

const VOID = new Set(["br", "hr", "img", "wbr"]);
const TOKEN = /<(\/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^\s"'>/=]+(?:\s*=\s*"[^"]*")?)*)\s*\/?>/g;
const ATTR = /([^\s"'>/=]+)(?:\s*=\s*"([^"]*)")?/g;
const NAMED: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

function decodeAttr(value: string): string {
	return value.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (match, ref: string) => {
		if (ref[0] !== "#") return NAMED[ref.toLowerCase()] ?? match;
		const code =
			ref[1] === "x" || ref[1] === "X" ? Number.parseInt(ref.slice(2), 16) : Number(ref.slice(1));
		return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : match;
	});
}

/**
 * Parses a fragment the body sanitizer wrote (balanced tags, double-quoted and escaped
 * attribute values, no comments), so the pages can move and drop its inline images. Never
 * used on a partner's raw HTML: that goes through the sanitizer first.
 */
export function parseFragment(html: string): FragmentNode[] {
	const root: FragmentNode[] = [];
	const open: FragmentElement[] = [];
	const children = () => open.at(-1)?.children ?? root;
	let last = 0;
	for (const match of html.matchAll(TOKEN)) {
		if (match.index > last) children().push({ type: "text", html: html.slice(last, match.index) });
		last = match.index + match[0].length;
		const [, closing, rawName = "", rawAttrs = ""] = match;
		const name = rawName.toLowerCase();
		if (closing) {
			const at = open.findLastIndex((element) => element.name === name);
			if (at >= 0) open.length = at;
			continue;
		}
		const attrs: [string, string][] = [...rawAttrs.matchAll(ATTR)].map(([, attr = "", value]) => [
			attr.toLowerCase(),
			decodeAttr(value ?? ""),
		]);
		const element: FragmentNode = { type: "element", name, attrs, children: [] };
		children().push(element);
		if (!VOID.has(name)) open.push(element);
	}
	if (last < html.length) children().push({ type: "text", html: html.slice(last) });
	return root;
}

/** Writes a fragment back as HTML: every attribute value escaped and quoted. */
export function serializeFragment(nodes: readonly FragmentNode[]): string {
	return nodes
		.map((node) => {
			if (node.type === "text") return node.html;
			const attrs = node.attrs.map(([name, value]) => ` ${name}="${escapeHtml(value)}"`).join("");
			return VOID.has(node.name)
				? `<${node.name}${attrs}>`
				: `<${node.name}${attrs}>${serializeFragment(node.children)}</${node.name}>`;
		})
		.join("");
}

/** The value of an element's attribute, if it has it. */
export function attrOf(node: FragmentElement, name: string): string | undefined {
	return node.attrs.find(([attr]) => attr === name)?.[1];
}

/**
 * Replaces each `<img>` by the nodes `map` returns (none removes it); `inFigure` says whether
 * it is inside a `<figure>`. A `<figure>` that held images and has none left goes with them,
 * caption and all: a caption without its photo would describe nothing.
 */
export function mapImages(
	nodes: readonly FragmentNode[],
	map: (img: FragmentElement, inFigure: boolean) => FragmentNode[],
): FragmentNode[] {
	function walk(
		list: readonly FragmentNode[],
		inFigure: boolean,
	): { nodes: FragmentNode[]; had: boolean; kept: boolean } {
		const out: FragmentNode[] = [];
		let had = false;
		let kept = false;
		for (const node of list) {
			if (node.type === "text") {
				out.push(node);
			} else if (node.name === "img") {
				had = true;
				const replaced = map(node, inFigure);
				if (replaced.length > 0) kept = true;
				out.push(...replaced);
			} else {
				const inner = walk(node.children, inFigure || node.name === "figure");
				had ||= inner.had;
				kept ||= inner.kept;
				if (node.name === "figure" && inner.had && !inner.kept) continue;
				out.push({ ...node, children: inner.nodes });
			}
		}
		return { nodes: out, had, kept };
	}
	return walk(nodes, false).nodes;
}
