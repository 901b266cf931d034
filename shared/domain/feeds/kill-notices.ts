import type { Article } from "../article.ts";

/**
 * Why an item left a feed, as a class a reader may be told (docs/feeds.md, "Kill notices"):
 * never the private reason an operator or a partner gave.
 */
export const KILL_REASONS = [
	"withdrawn",
	"canceled by the partner",
	"withheld by the partner",
	"permission revoked",
	"permission expired",
	"permission narrowed",
	"embargoed",
	"removed from this feed",
] as const;

export type KillReason = (typeof KILL_REASONS)[number];

/** A kill notice of one feed: the item `id` left it at `when`, for `reason`. */
export interface FeedKill {
	id: string;
	/** ISO 8601, UTC: the instant of the change that took the item out. */
	when: string;
	reason: KillReason;
}

/**
 * A kill notice as the feed store keeps it: `page` is the archive page (0-based) the item's
 * row was on, so that archive document says so too; absent when the row had no ordinal.
 * `sortKey` is the row's place in the feed (absent on notices kept before it was).
 */
export interface FeedTombstone extends FeedKill {
	page?: number;
	sortKey?: string;
}

/** How long a kill notice stays in a feed after the item left it: 30 days. */
export const KILL_NOTICE_MS = 30 * 24 * 3_600_000;

/** The reason class of an article that left a feed, as its next state says. */
export function killReasonOf(
	next: Pick<Article, "takedown" | "pubStatus" | "permission" | "status">,
): KillReason {
	if (next.takedown) return "withdrawn";
	if (next.pubStatus === "canceled") return "canceled by the partner";
	if (next.pubStatus === "withheld") return "withheld by the partner";
	if (next.permission.decision === "revoked") return "permission revoked";
	if (next.permission.decision === "expired") return "permission expired";
	if (next.permission.decision === "pending") return "permission narrowed";
	if (next.status === "embargoed") return "embargoed";
	// Still public: it no longer belongs to this feed (a new version dropped the subject).
	return "removed from this feed";
}

/** The notices still to be shown at `now` (younger than 30 days), newest first. */
export function liveKillNotices<T extends FeedKill>(tombstones: readonly T[], now: Date): T[] {
	const since = now.getTime() - KILL_NOTICE_MS;
	return tombstones
		.filter((tombstone) => Date.parse(tombstone.when) > since)
		.sort((a, b) => Date.parse(b.when) - Date.parse(a.when) || (a.id < b.id ? -1 : 1));
}

/**
 * How many kill notices a feed document carries: as many as the items it shows, so a revoke
 * of thousands of articles cannot grow it past a few tens of KB. The notices left out are in
 * the archive documents (RFC 5005) of the pages their items were on, at most one per row.
 */
export const FEED_KILL_NOTICES = 50;

/**
 * The notices the feed document itself carries, of `live` (newest first, from
 * {@link liveKillNotices}): the newest {@link FEED_KILL_NOTICES}, among those of one instant (a
 * revoke's) the ones the feed listed first, which its readers saw last; and every other one no
 * archive document carries (`archivePages` is how many the feed has), so the feed and its
 * archives together still name every item that left in the last 30 days.
 */
export function feedKillNotices(
	live: readonly FeedTombstone[],
	archivePages: number,
): FeedTombstone[] {
	if (live.length <= FEED_KILL_NOTICES) return [...live];
	const archived = (tombstone: FeedTombstone) =>
		tombstone.page !== undefined && tombstone.page < archivePages;
	const placed = (a: FeedTombstone, b: FeedTombstone) => {
		const [x, y] = [a.sortKey ?? "", b.sortKey ?? ""];
		return x === y ? 0 : x > y ? -1 : 1;
	};
	const newest = new Set(
		[...live]
			.sort(
				(a, b) => Date.parse(b.when) - Date.parse(a.when) || placed(a, b) || (a.id < b.id ? -1 : 1),
			)
			.slice(0, FEED_KILL_NOTICES),
	);
	return live.filter((tombstone) => newest.has(tombstone) || !archived(tombstone));
}
