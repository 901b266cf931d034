import { compressedVariantsOf } from "../domain/compressed-variants.ts";

// Feeds, pages and photos alike: short enough that readers see changes and takedowns soon;
// the edge revalidates with ETags after that.
export const SITE_CACHE = "public, max-age=60";
// For keys whose name holds their digest: a new version is a new key.
export const IMMUTABLE = "public, max-age=31536000, immutable";

export const HTML = "text/html; charset=utf-8";
export const CSS = "text/css; charset=utf-8";
export const SVG = "image/svg+xml";

/** The site bucket's key of a site path: `/en/index.html` → `en/index.html`. */
export function siteKey(path: string): string {
	return path.replace(/^\//, "");
}

/**
 * The URL paths that serve the changed keys: each key's own path (each name URL-encoded, as
 * pages and feeds link it), a folder's `/` for its `index.html`, and the paths of a document's
 * compressed copies, which the AWS edge caches under the URIs it rewrites to.
 */
export function sitePathsOf(keys: Iterable<string>): string[] {
	const paths = new Set<string>();
	for (const key of keys) {
		const path = `/${key.split("/").map(encodeURIComponent).join("/")}`;
		paths.add(path);
		if (path.endsWith("/index.html")) paths.add(path.slice(0, -"index.html".length));
		for (const variant of compressedVariantsOf(path)) paths.add(variant.name);
	}
	return [...paths].sort();
}

/**
 * S3 user metadata of what stays at a taken-down page's key: the edge answers it with 410
 * Gone (the local edge from the object's metadata, CloudFront from the `x-amz-meta-*` header).
 */
export const GONE_METADATA_NAME = "syndicate-gone";
export const GONE_METADATA: Readonly<Record<string, string>> = { [GONE_METADATA_NAME]: "410" };
