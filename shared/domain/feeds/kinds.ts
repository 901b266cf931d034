import type { Article } from "../article.ts";

/** What a row of {@link FEED_KINDS} holds. */
type FeedKindRow = {
	kind: string;
	/**
	 * The key of its title in the interface text (i18n.ts), for pages, feeds and OPML alike. A
	 * parameterised kind's holds
	 * `{name}`: the partner's name, the subject's ({@link subjectName}).
	 */
	uiKey: string;
	/** Whether older items go to RFC 5005 archive documents; a ranking has no history. */
	archived: boolean;
	/** The date its rows sort by and its lists show. */
	date: "firstCreated" | "versionCreated";
	/**
	 * Where its rows come from: `views` (the view counts rank it, it has no rows), or for each
	 * public article, whether it has a row (a kind without parameter) or the feeds it has one
	 * in, each parameter with what its title names, given the name the partner is shown by
	 * (a parameterised kind).
	 */
	rows:
		| "views"
		| ((article: Article) => boolean)
		| ((article: Article, partnerName: string) => ReadonlyMap<string, string>);
	/** A parameterised kind's further rule for its parameter (beyond one safe path segment). */
	parameter?: (value: string) => boolean;
} & (
	| {
			/**
			 * Where its feeds are offered on the pages: `main` is a front page's main column (with
			 * its HTML archive pages, and the feed every page's Subscribe section offers), `side` a
			 * list beside it, `article` an article page's "Follow this story" list.
			 */
			place: "main" | "side";
			/** Its list's name in a front page's lists (`FrontSection`, render/render-pages.ts). */
			list: string;
	  }
	| { place: "article" }
);

const MAX_SLUG_CODE_POINTS = 64;

/**
 * The slug of a subject, used in its feed's path: NFKC-normalised, lower-cased without regard
 * to locale, every run of characters that is not a letter, digit or combining mark (any
 * script) turned into one `-`, no `-` at either end, at most 64 code points. Stable: the same
 * subject always gives the same slug, and a slug is its own slug. Never holds `|` or `/`, so
 * it fits a path segment and a target id. Empty when nothing is left (no feed then).
 */
export function subjectSlug(subject: string): string {
	const words = subject
		.normalize("NFKC")
		.toLowerCase()
		.normalize("NFKC")
		.replace(/[^\p{L}\p{N}\p{M}]+/gu, "-")
		.replace(/^-+|-+$/g, "");
	const capped = [...words].slice(0, MAX_SLUG_CODE_POINTS).join("");
	return capped.replace(/-+$/, "");
}

/**
 * A subject as readers see it: the name its manifest gave it in the article's language, or
 * its slug made readable (`green-technology` → `Green technology`).
 */
export function subjectName(
	slug: string,
	names: Readonly<Record<string, string>> | undefined,
): string {
	const named = names?.[slug];
	if (named !== undefined) return named;
	const words = slug.replaceAll("-", " ");
	return `${words.charAt(0).toUpperCase()}${words.slice(1)}`;
}

/**
 * The kinds of feed of docs/feeds.md, in the order the OPML lists them and the pages show
 * them. A kind with `parameter` is a family of feeds (`partners/{partnerId}`); the others
 * are one feed per language. Types ({@link FeedKind}, `FeedName`), titles, pages, OPML, feed
 * rows and targets all derive from this table.
 */
export const FEED_KINDS = [
	{
		kind: "latest",
		uiKey: "latestNews",
		place: "main",
		list: "latest",
		archived: true,
		date: "firstCreated",
		rows: () => true,
	},
	{
		kind: "updated",
		uiKey: "recentUpdates",
		place: "side",
		list: "updated",
		archived: true,
		date: "versionCreated",
		rows: (article: Article) => article.version > 1,
	},
	{
		kind: "most-viewed",
		uiKey: "mostViewed",
		place: "side",
		list: "mostViewed",
		archived: false,
		date: "firstCreated",
		rows: "views",
	},
	{
		kind: "partners",
		uiKey: "partnerFeed",
		place: "article",
		archived: true,
		date: "firstCreated",
		rows: (article: Article, partnerName: string) => new Map([[article.partnerId, partnerName]]),
		parameter: () => true,
	},
	{
		kind: "subjects",
		uiKey: "subjectFeed",
		place: "article",
		archived: true,
		date: "firstCreated",
		// One feed per slug, titled by its name; a subject with no letters or digits has none.
		rows: (article: Article) =>
			new Map(
				article.subjects
					.map((subject) => subjectSlug(subject))
					.filter((slug) => slug !== "")
					.map((slug) => [slug, subjectName(slug, article.subjectNames)] as const),
			),
		parameter: (value: string) => subjectSlug(value) === value,
	},
] as const satisfies readonly FeedKindRow[];

type Row = (typeof FEED_KINDS)[number];

/** The kinds of feed; a feed is one kind with its parameter (see {@link FeedName}). */
export type FeedKind = Row["kind"];
/** The kinds that are one feed per language. */
type PlainFeedKind = Exclude<Row, { parameter: unknown }>["kind"];
/** The kinds that are a family of feeds, one per parameter. */
type ParameterisedFeedKind = Extract<Row, { parameter: unknown }>["kind"];

/**
 * A feed of one language, by its name in the site's paths (`/feeds/{lang}/{name}.rss`):
 * a plain kind (`latest`), or a parameterised one with its parameter (`partners/{partnerId}`).
 */
export type FeedName = PlainFeedKind | `${ParameterisedFeedKind}/${string}`;

/** The interface-text keys of the kinds' titles (i18n.ts has one string for each). */
export type FeedKindUiKey = Row["uiKey"];

/** The row of a kind. */
export function feedKindRow<K extends FeedKind>(kind: K): Extract<Row, { kind: K }> {
	const row = FEED_KINDS.find((one) => one.kind === kind);
	if (!row) throw new Error(`not a feed kind: ${kind}`);
	return row as Extract<Row, { kind: K }>;
}

/** The feeds every language with public articles has, whatever its articles are about. */
export const PLAIN_FEED_KINDS: readonly PlainFeedKind[] = FEED_KINDS.flatMap((row) =>
	"parameter" in row ? [] : [row.kind],
);

/**
 * The feeds without rows, ranked by views (Most Viewed): every change that takes an article
 * down, or lists it, must render them too.
 */
export const RANKED_FEEDS: readonly FeedName[] = FEED_KINDS.flatMap((row) =>
	row.rows === "views" ? [row.kind] : [],
);

/** The kinds a front page shows, each with its list: its main column, then the lists beside it. */
export const FRONT_PAGE_KINDS = FEED_KINDS.flatMap((row) =>
	row.place === "article" || "parameter" in row ? [] : [row],
);

/** The name of one of a front page's lists (see {@link FRONT_PAGE_KINDS}). */
export type FrontPageList = (typeof FRONT_PAGE_KINDS)[number]["list"];

/** The kind of a front page's main column (Latest News): its HTML archive, every page's feed. */
export const MAIN_FEED_KIND = onlyMainKind();

function onlyMainKind(): (typeof FRONT_PAGE_KINDS)[number] {
	const [row, ...more] = FRONT_PAGE_KINDS.filter((one) => one.place === "main");
	if (!row || more.length > 0) throw new Error("one feed kind must be a front page's main column");
	return row;
}
