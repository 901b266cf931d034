import type { Target } from "../domain/targets.ts";
import type { RenderContext, TargetKind, TargetWriter } from "./target-kind.ts";
import { feedTarget } from "./targets/feed.ts";
import { frontPageTarget } from "./targets/front-page.ts";
import { homeTarget } from "./targets/home.ts";
import { opmlTarget } from "./targets/opml.ts";
import { pageTarget } from "./targets/page.ts";

type Kind = Target["kind"];
type TargetOf<K extends Kind> = Extract<Target, { kind: K }>;

/** Every kind of target, by kind: a new kind is a module and one entry here. */
export const TARGETS = {
	feed: feedTarget,
	front: frontPageTarget,
	home: homeTarget,
	opml: opmlTarget,
	page: pageTarget,
} satisfies { [K in Kind]: TargetKind<TargetOf<K>> };

// The module of a target's own kind. TypeScript cannot tie `TARGETS[target.kind]` to
// `target` itself (a correlated union), so the one cast is here, where the `satisfies`
// above proves each entry takes its own kind.
function kindOf<K extends Kind>(target: TargetOf<K>): TargetKind<TargetOf<K>> {
	return TARGETS[target.kind as K] as TargetKind<TargetOf<K>>;
}

/** The site keys a render of `target` is sure to write (see {@link TargetKind.keys}). */
export function keysWrittenBy(target: Target): string[] {
	return kindOf(target).keys(target);
}

/** Renders a target; whether it hid what the table still shows. */
export function renderTarget(
	target: Target,
	out: TargetWriter,
	ctx: RenderContext,
): Promise<boolean> {
	return kindOf(target).render(target, out, ctx);
}
