/**
 * The XSLT stylesheet RSS and Atom documents name (docs/feeds.md, "Feeds in a browser"), so
 * a feed opened in a browser reads as a page that says how to subscribe. Browsers apply only
 * a stylesheet of the feed's own origin: the documents name it by its path, which resolves
 * to the origin the feed was fetched from (the distribution's domain, a custom domain, the
 * local edge) where an absolute URL would name one of them only.
 */
export const FEED_STYLESHEET = {
	path: "/feeds/feed.xsl",
	// Browsers take `text/xsl` (Chromium, Firefox, Safari); CloudFront compresses text types.
	contentType: "text/xsl; charset=utf-8",
	/**
	 * What the documents under `/feeds/` add to the site's content security policy: browsers
	 * load an XSLT stylesheet under `script-src` (CSP 2), which `default-src 'none'` forbids.
	 * The page it makes keeps the feed's policy: no script of any kind, no inline style.
	 */
	contentSecurityPolicy: "script-src 'self'",
} as const;
