import type { Target } from "../domain/targets.ts";
import type { RenderContext, TargetKind, TargetWriter } from "./target-kind.ts";
import { agreementTarget } from "./targets/agreement.ts";
import { feedTarget } from "./targets/feed.ts";
import { frontPageTarget } from "./targets/front-page.ts";
import { homeTarget } from "./targets/home.ts";
import { opmlTarget } from "./targets/opml.ts";
import { pageTarget } from "./targets/page.ts";
import { sitemapTarget } from "./targets/sitemap.ts";
import { translationsTarget } from "./targets/translations.ts";

type Kind = Target["kind"];
type TargetOf<K extends Kind> = Extract<Target, { kind: K }>;

/** Every kind of target, by kind: a new kind is its case of `Target`, a module and an entry here. */
export const TARGETS = {
	feed: feedTarget,
	front: frontPageTarget,
	home: homeTarget,
	opml: opmlTarget,
	page: pageTarget,
	agreement: agreementTarget,
	sitemap: sitemapTarget,
	translations: translationsTarget,
} satisfies { [K in Kind]: TargetKind<TargetOf<K>> };

// The same, each entry seen only as a kind of target: indexed by a kind, it gives the module
// of that kind (`TARGETS` keeps the page's takedown keys in its type).
const KINDS: { [K in Kind]: TargetKind<TargetOf<K>> } = TARGETS;
function kindOf<K extends Kind>(kind: K): TargetKind<TargetOf<K>> {
	return KINDS[kind];
}

/** The site keys a render of `target` is sure to write (see {@link TargetKind.keys}). */
export function keysWrittenBy(target: Target): string[] {
	return kindOf(target.kind).keys(target);
}

/** Renders a target; whether it hid what the table still shows. */
export function renderTarget(
	target: Target,
	out: TargetWriter,
	ctx: RenderContext,
): Promise<boolean> {
	return kindOf(target.kind).render(target, out, ctx);
}
