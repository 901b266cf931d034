import { absoluteUrl } from "../domain/render/html.ts";
import type { PublishDeps } from "./deps.ts";
import { sitePathsOf } from "./site-paths.ts";
import type { SiteWriter } from "./site-writer.ts";
import { isFeedDocumentKey } from "./targets/feed.ts";

type AfterPublishDeps = Pick<PublishDeps, "siteUrl" | "cache" | "hubUrl" | "onHubError" | "fetch">;

/**
 * What follows a publish, once everything `out` wrote is recorded: the CDN fetches again
 * what a removal changed, and the WebSub hub hears of every feed that changed.
 */
export async function afterPublish(deps: AfterPublishDeps, out: SiteWriter): Promise<void> {
	// A removal (a takedown, a photo out of scope) must not wait out the edge's max-age: every
	// changed path is fetched again now. New and corrected content reaches readers within the
	// 60 s max-age anyway, so it is not invalidated: CloudFront bills invalidation per path,
	// and invalidating every upload's twenty-odd paths would cost more than all the rest.
	if (out.requests.delete > 0) await deps.cache?.invalidate(sitePathsOf(out.changed));
	await notifyHub(deps, out.changed);
}

/**
 * Tells the WebSub hub (if any) that the feeds among `keys` changed: one POST of
 * `hub.mode=publish` with every changed feed URL as `hub.url`. A hub that is down fails
 * nothing: subscribers still poll, and the next change tells it again.
 */
async function notifyHub(deps: AfterPublishDeps, keys: Iterable<string>): Promise<void> {
	if (!deps.hubUrl) return;
	const urls = [...keys]
		.filter(isFeedDocumentKey)
		.sort()
		.map((key) => absoluteUrl(deps.siteUrl, `/${key}`));
	if (urls.length === 0) return;
	const body = new URLSearchParams([
		["hub.mode", "publish"],
		...urls.map((url): [string, string] => ["hub.url", url]),
	]);
	try {
		const response = await (deps.fetch ?? fetch)(deps.hubUrl, {
			method: "POST",
			headers: { "content-type": "application/x-www-form-urlencoded" },
			body: body.toString(),
		});
		await response.body?.cancel();
		if (!response.ok) deps.onHubError?.(new Error(`hub answered ${response.status}`));
	} catch (error) {
		deps.onHubError?.(error);
	}
}
