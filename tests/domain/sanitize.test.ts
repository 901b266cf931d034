import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { readBundleContent } from "#shared/domain/bundle-content.ts";
import { BUNDLE_IMAGE_ATTR } from "#shared/domain/media.ts";
import { openBundle } from "#shared/domain/read-bundle.ts";
import { type FragmentNode, parseFragment } from "#shared/domain/render/html.ts";
import { sanitizeBody } from "#shared/domain/sanitize-body.ts";
import { makeBundle, makeManifest, PNG } from "../helpers/bundles.ts";

const clean = (html: string) => sanitizeBody(html).html;

const ALLOWED_ATTRS: Record<string, readonly string[]> = {
	a: ["href", "title", "rel"],
	abbr: ["title"],
	th: ["scope", "colspan", "rowspan"],
	td: ["colspan", "rowspan"],
	img: [BUNDLE_IMAGE_ATTR, "alt"],
};
const ALLOWED_TAGS = new Set(
	"p h2 h3 h4 h5 h6 blockquote ul ol li dl dt dd a em strong b i u s sub sup small br hr q cite abbr code pre span figure figcaption table thead tbody tfoot tr th td caption img".split(
		" ",
	),
);

/** Every element and attribute of a sanitised fragment, to check against the allow-list. */
function elementsOf(nodes: readonly FragmentNode[]): { name: string; attrs: [string, string][] }[] {
	return nodes.flatMap((node) =>
		node.type === "text"
			? []
			: [{ name: node.name, attrs: node.attrs }, ...elementsOf(node.children)],
	);
}

function expectOnlyAllowed(html: string): void {
	for (const { name, attrs } of elementsOf(parseFragment(html))) {
		expect(ALLOWED_TAGS, html).toContain(name);
		for (const [attr, value] of attrs) {
			expect(ALLOWED_ATTRS[name] ?? [], `${name}[${attr}] in ${html}`).toContain(attr);
			if (attr === "href") {
				// As the browser resolves it: http(s) or mailto, and a relative URL stays on the site.
				const url = new URL(value, "https://site.example/a/");
				expect(["http:", "https:", "mailto:"], html).toContain(url.protocol);
				if (!/^(https?|mailto):/i.test(value)) expect(url.host, html).toBe("site.example");
			}
		}
	}
	// Outside attribute values (escaped text may say anything), no tag or handler survives.
	const markup = html.replace(/="[^"]*"/g, '=""');
	expect(markup).not.toMatch(/<script|<style|<iframe|\son\w+=|style=/i);
}

const HOSTILE = [
	`<p onclick="x()">Hi <script>alert(1)</script><a href="javascript:x">l</a></p>`,
	`<style>p{color:red}</style><p>a</p>`,
	`<textarea><p>t</p></textarea><select><option>o</option></select>`,
	`<iframe src="https://evil">if</iframe><object data="x">ob</object><embed src=x>`,
	`<form action="https://evil"><input value="v"><button formaction="x">b</button></form>`,
	`<a href="JaVaScRiPt:alert(1)">j</a><a href="  javascript:alert(1)">s</a><a href="java&#x09;script:alert(1)">e</a>`,
	`<a href="//evil.com">pr</a><a href="data:text/html,x">d</a><a href="vbscript:x">v</a>`,
	`<svg><script>alert(1)</script><a xlink:href="javascript:x">s</a></svg>`,
	`<math><mi><a href="javascript:x">m</a></mi></math>`,
	`<p style="color:red" class="x" id="y">st</p>`,
	`<!-- <script>x</script> --><p>c</p><![CDATA[<script>x</script>]]>`,
	`<scr<script>ipt>alert(1)</script>`,
	`<base href="https://evil/"><meta http-equiv="refresh" content="0"><link rel=stylesheet href=x>`,
	`<img src=x onerror=alert(1)><video src=x></video><audio><source src=x></audio>`,
	`<a href="http://a.b/&quot;onmouseover=&quot;x">q</a>`,
	`<template><p>t</p></template><noscript><p>n</p></noscript>`,
	`<p><b>unclosed <i>nest</p></b></i></em>`,
	`<img src="images/photo.png" alt="x&quot; onerror=&quot;alert(1)" ${BUNDLE_IMAGE_ATTR}="../../etc/passwd">`,
	`<a href=javascript:alert(1)>u</a><a href="&#106;avascript:alert(1)">n</a><a href="java&Tab;script:alert(1)">t</a>`,
	`<a href="&#0000106avascript:alert(1)">z</a><a href="/\\evil.example">b</a><a href=" \njavascript:x">w</a>`,
	`<p title="x" onmouseover=alert(1)//>a</p><p/onclick=alert(1)>b</p><a href="x"onclick="y">c</a>`,
	`<div><p>open <a href="https://x">link <b>bold`,
];

describe("sanitizeBody", () => {
	it("keeps text structure and links, and drops scripts, styles, forms and handlers", () => {
		expect(clean(HOSTILE[0] as string)).toBe('<p>Hi <a rel="nofollow noopener">l</a></p>');
		expect(clean(`<style>p{}</style><p>a</p>`)).toBe("<p>a</p>");
		expect(clean(`<textarea><p>t</p></textarea><p>x</p>`)).toBe("<p>x</p>");
		expect(clean(`<p style="color:red" class="x" id="y" title="t">st</p>`)).toBe("<p>st</p>");
		expect(clean(`<a href="https://x" target="_blank" rel="opener">t</a>`)).toBe(
			'<a href="https://x" rel="nofollow noopener">t</a>',
		);
		expect(clean(`<a href="mailto:a@b.org">m</a>`)).toBe(
			'<a href="mailto:a@b.org" rel="nofollow noopener">m</a>',
		);
		expect(clean(`<p>1 < 2 & 3 > "q"</p>`)).toBe(`<p>1 &lt; 2 &amp; 3 &gt; "q"</p>`);
		expect(clean(`<table><tr><td colspan="2" onmouseover="x">c</td></tr></table>`)).toBe(
			'<table><tr><td colspan="2">c</td></tr></table>',
		);
		expect(clean(`<h1>h1</h1><h2>h2</h2><div>div</div>`)).toBe("h1<h2>h2</h2>div");
	});

	it("keeps a `<` that a browser reads as text, and drops what it reads as a tag or comment", () => {
		expect(clean(`<p>x<3 and a <-- b, 1 < 2 > 0</p>`)).toBe(
			"<p>x&lt;3 and a &lt;-- b, 1 &lt; 2 &gt; 0</p>",
		);
		expect(clean(`<p>a</ p>b<!x>c</>d</p>`)).toBe("<p>abcd</p>");
	});

	it("writes a link's URL so that the browser reads exactly the URL it checked", () => {
		// The decoded URL is written back escaped: no reference can become `javascript:`.
		expect(clean(`<a href="java&Tab;script:alert(1)">t</a>`)).toBe(
			'<a rel="nofollow noopener">t</a>',
		);
		expect(clean(`<a href="&#0000106avascript:alert(1)">z</a>`)).toBe(
			'<a href="&amp;#0000106avascript:alert(1)" rel="nofollow noopener">z</a>',
		);
		expect(clean(`<a href="https://x.example/?a=1&amp;b=2&c=3">q</a>`)).toBe(
			'<a href="https://x.example/?a=1&amp;b=2&amp;c=3" rel="nofollow noopener">q</a>',
		);
		expect(clean(`<a href="/\\evil.example">b</a><a href="1:x">c</a>`)).toBe(
			'<a rel="nofollow noopener">b</a><a rel="nofollow noopener">c</a>',
		);
		expect(clean(`<a href="&#106;avascript:alert(1)">n</a>`)).toBe(
			'<a rel="nofollow noopener">n</a>',
		);
	});

	it("closes whatever the body leaves open, so nothing of it runs into the page", () => {
		expect(clean(`<p>open <a href="https://x">link <b>bold`)).toBe(
			'<p>open <a href="https://x" rel="nofollow noopener">link <b>bold</b></a></p>',
		);
	});

	it("leaves only allowed elements, attributes and URL schemes in hostile input", () => {
		for (const html of HOSTILE) expectOnlyAllowed(clean(html));
	});

	it("writes balanced markup whatever it is given (property)", () => {
		const pieces = fc.constantFrom(
			...HOSTILE,
			"<p>",
			"</p>",
			"<b>",
			"</i>",
			"<figure>",
			"</figure>",
			"<figcaption>cap",
			'<img src="images/photo.png" alt="a">',
			'<img src="https://evil/x.png">',
			"<ul><li>",
			"text & more",
			"<",
			'"',
		);
		fc.assert(
			fc.property(fc.array(pieces, { maxLength: 12 }), (parts) => {
				const out = sanitizeBody(parts.join(""), {
					body: "article.html",
					images: ["images/photo.png"],
				}).html;
				expectOnlyAllowed(out);
				// Balanced: what parseFragment reads back is written back the same.
				const opened = (out.match(/<(?!\/)(?!br|hr|img)[a-z0-9]+[\s>]/g) ?? []).length;
				const closed = (out.match(/<\/[a-z0-9]+>/g) ?? []).length;
				expect(closed, out).toBe(opened);
			}),
			{ numRuns: 300 },
		);
	});
});

describe("inline images", () => {
	const bundle = { body: "text/article.html", images: ["images/photo.png", "images/café 1.png"] };

	it("keep a bundle photo as a reference to its file, resolved against the body's path", () => {
		const out = sanitizeBody(
			`<figure><img src="../images/caf%C3%A9%201.png" alt="A &quot;café&quot;" onerror="x"><figcaption>Cap</figcaption></figure>`,
			bundle,
		);
		expect(out.html).toBe(
			`<figure><img ${BUNDLE_IMAGE_ATTR}="images/café 1.png" alt="A &quot;café&quot;"><figcaption>Cap</figcaption></figure>`,
		);
		expect(out.inlineImages).toEqual([
			{ src: "../images/caf%C3%A9%201.png", file: "images/café 1.png" },
		]);
	});

	it("drop any other image with its figure and caption, leaving no orphan caption", () => {
		const out = sanitizeBody(
			`<p>Before</p><figure><img src="https://evil.example/x.png"><figcaption>Orphan?</figcaption></figure>` +
				`<figure><img src="data:image/png;base64,AAAA"><figcaption>Data</figcaption></figure>` +
				`<p>In <img src="other.png"> text</p><figure><img src="images/photo.png"></figure>`,
			{ body: "article.html", images: ["images/photo.png"] },
		);
		expect(out.html).toBe(
			`<p>Before</p><p>In  text</p><figure><img ${BUNDLE_IMAGE_ATTR}="images/photo.png"></figure>`,
		);
		expect(out.html).not.toContain("figcaption");
		expect(out.inlineImages.map((image) => image.file)).toEqual([
			undefined,
			undefined,
			undefined,
			"images/photo.png",
		]);
	});

	it("keep a figure that still holds a photo, or never held one", () => {
		const out = sanitizeBody(
			`<figure><img src="x.png"><img src="images/photo.png"><figcaption>Two</figcaption></figure><figure><blockquote>Q</blockquote><figcaption>Quote</figcaption></figure>`,
			{ body: "article.html", images: ["images/photo.png"] },
		);
		expect(out.html).toBe(
			`<figure><img ${BUNDLE_IMAGE_ATTR}="images/photo.png"><figcaption>Two</figcaption></figure><figure><blockquote>Q</blockquote><figcaption>Quote</figcaption></figure>`,
		);
	});

	it("never take a partner's own reference attribute, or a file that is not a manifest photo", () => {
		const out = sanitizeBody(
			`<p>x</p><img ${BUNDLE_IMAGE_ATTR}="images/photo.png"><img src="manifest.json"><img src="/../../images/photo.png">`,
			{ body: "article.html", images: ["images/photo.png"] },
		);
		expect(out.html).toBe(`<p>x</p><img ${BUNDLE_IMAGE_ATTR}="images/photo.png">`);
		expect(out.inlineImages).toEqual([
			{ src: "" },
			{ src: "manifest.json" },
			{ src: "/../../images/photo.png", file: "images/photo.png" },
		]);
	});

	it("are reported to the partner as warnings with stable codes", async () => {
		const body =
			'<p>Text</p><figure><img src="images/photo.png"><figcaption>Cap</figcaption></figure><p><img src="https://cdn.example/a.jpg"></p>';
		const zip = makeBundle({
			manifest: makeManifest(),
			files: { "article.html": body, "images/photo.png": PNG },
		});
		const content = await readBundleContent(await openBundle(zip));
		expect(content.warnings).toEqual([
			expect.objectContaining({ code: "INLINE_IMAGE_REWRITTEN", path: "body" }),
			expect.objectContaining({ code: "INLINE_IMAGE_DROPPED", path: "body" }),
		]);
		expect(content.warnings[1]?.message).toContain('"https://cdn.example/a.jpg"');
		const plain = makeBundle({ files: { "article.html": "<p>Text</p>" } });
		expect((await readBundleContent(await openBundle(plain))).warnings).toEqual([]);
	});

	it("give a bounded report for a body of thousands of images", async () => {
		const body = `<p>Text</p>${'<img src="data:image/png;base64,AAAA">'.repeat(5000)}`;
		const zip = makeBundle({ files: { "article.html": body } });
		const content = await readBundleContent(await openBundle(zip));
		expect(content.bodyHtml).toBe("<p>Text</p>");
		expect(content.warnings).toHaveLength(21);
		expect(content.warnings.at(-1)?.message).toContain("4980 more");
	});
});
