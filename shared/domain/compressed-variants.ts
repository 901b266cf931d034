import { FEED_DOCUMENT_TYPES } from "./feeds/formats.ts";

/**
 * Extensions of the site documents whose media types are missing from CloudFront's list of
 * types it compresses (the `edgeCompressed` ones of feeds/formats.ts: Atom, JSON Feed and
 * OPML). In AWS these are stored compressed as well, and the edge serves the copy the viewer
 * accepts. The publisher's writes, the edge's rewrite and the invalidation of the copies all
 * follow this one list.
 */
const EDGE_COMPRESSED = FEED_DOCUMENT_TYPES.filter(({ edgeCompressed }) => edgeCompressed);

export const EDGE_UNCOMPRESSED_EXTENSIONS: readonly string[] = EDGE_COMPRESSED.map(
	({ extension }) => extension,
);

/** Those documents' names for people, as a phrase: `Atom, JSON Feed and OPML`. */
export const EDGE_UNCOMPRESSED_NAMES = EDGE_COMPRESSED.map(({ label }) => label).reduce(
	(phrase, name, index, names) =>
		index === 0 ? name : `${phrase}${index === names.length - 1 ? " and " : ", "}${name}`,
	"",
);

/**
 * The codings those documents are also stored in, each as a copy with this suffix added to its
 * key (`feeds/en/latest.atom.br`); on a tie of the viewer's q-values the first wins, as at the
 * local edge.
 */
export const VARIANT_CODINGS = [
	{ coding: "br", suffix: ".br" },
	{ coding: "gzip", suffix: ".gz" },
] as const;

export type VariantCoding = (typeof VARIANT_CODINGS)[number]["coding"];

/** Site keys (`feeds/…`) and paths (`/feeds/…`) of the listed extensions. */
export const VARIANT_PATH = new RegExp(
	`^/?feeds/.+\\.(?:${EDGE_UNCOMPRESSED_EXTENSIONS.join("|")})$`,
);

/**
 * RFC 5005 archive documents (`…/archive/{n}.atom`, feed-document.ts `archivePath`) have no
 * copies: the publisher writes a full archive page once and never again, so the pages written
 * before copies existed could never get one, and a rewrite to a missing copy is a 404. They
 * are fetched about once per reader paging back, so serving them as they are costs little.
 */
export const ARCHIVE_PATH = /\/archive\/[0-9]+\.[a-z]+$/;

/**
 * The compressed copies a site key or path has, with their codings, as the same kind of name
 * (key or percent-encoded path); none for anything but current Atom, JSON Feed and OPML
 * documents.
 */
export function compressedVariantsOf(keyOrPath: string): { name: string; coding: VariantCoding }[] {
	if (!VARIANT_PATH.test(keyOrPath) || ARCHIVE_PATH.test(keyOrPath)) return [];
	return VARIANT_CODINGS.map(({ coding, suffix }) => ({ name: `${keyOrPath}${suffix}`, coding }));
}
