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

/** An absolute URL for a site path: feeds and pages carry absolute URLs only (site.md). */
export function absoluteUrl(siteUrl: string, path: string): string {
	return new URL(path, siteUrl.endsWith("/") ? siteUrl : `${siteUrl}/`).href;
}
