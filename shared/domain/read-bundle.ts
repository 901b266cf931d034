import yauzl, { type Entry, type ZipFile } from "yauzl";
import { type BundleIssue, BundleRejectedError, rejectBundle } from "./errors.ts";

/** The limits of bundle.md. */
export interface BundleLimits {
	maxCompressedBytes: number;
	maxUncompressedBytes: number;
	maxEntries: number;
	maxEntryBytes: number;
}

const MiB = 1024 * 1024;

export const bundleLimits: BundleLimits = {
	maxCompressedBytes: 50 * MiB,
	maxUncompressedBytes: 200 * MiB,
	maxEntries: 200,
	maxEntryBytes: 20 * MiB,
};

/**
 * An opened bundle: the entry list is known, entry bytes are inflated only when asked for.
 * Paths are looked up by {@link entryName}, so `./a.html` and `a.html` name the same file.
 */
export interface Bundle {
	/** Every file's name, in {@link entryName} form. */
	readonly paths: readonly string[];
	has(path: string): boolean;
	/** The uncompressed size the central directory declares; `undefined` when there is no such file. */
	size(path: string): number | undefined;
	/** Inflates one entry; `undefined` when the bundle has no such file. */
	read(path: string): Promise<Buffer | undefined>;
}

const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;
// Control characters have no business in a path and would corrupt keys and reports; format
// characters (bidi overrides, zero-width spaces, BOMs) make one name look like another.
const CONTROL = /\p{Cc}/u;
const FORMAT = /\p{Cf}/u;

/**
 * The name under which an entry is known: `.` segments dropped (`./a.html`, `images/./b.png`)
 * and Unicode NFC, so that two spellings of one name are one entry.
 */
export function entryName(path: string): string {
	return path
		.normalize("NFC")
		.split("/")
		.filter((segment) => segment !== ".")
		.join("/");
}

/** Why an entry path is unsafe (docs/bundle.md, "Entries in the zip"), or `undefined` when it is fine. */
export function checkEntryPath(path: string): string | undefined {
	if (path.length === 0) return "empty path";
	if (path.includes("\\")) return "contains a backslash";
	if (path.startsWith("/")) return "absolute path";
	if (/^[a-zA-Z]:/.test(path)) return "starts with a drive letter";
	if (path.split("/").includes("..")) return "contains '..'";
	if (CONTROL.test(path)) return "contains a control character";
	if (FORMAT.test(path)) return "contains an invisible format or bidi control character";
	if (!path.endsWith("/") && entryName(path) === "") return "names no file";
	return undefined;
}

function isSymlink(entry: Entry): boolean {
	return ((entry.externalFileAttributes >>> 16) & S_IFMT) === S_IFLNK;
}

function readAllEntries(zip: ZipFile): Promise<Entry[]> {
	return new Promise((resolve, reject) => {
		const entries: Entry[] = [];
		zip.on("entry", (entry: Entry) => {
			entries.push(entry);
			zip.readEntry();
		});
		zip.once("end", () => resolve(entries));
		zip.once("error", reject);
		zip.readEntry();
	});
}

async function inflate(zip: ZipFile, entry: Entry, path: string): Promise<Buffer> {
	try {
		const stream = await zip.openReadStreamPromise(entry);
		const chunks: Buffer[] = [];
		for await (const chunk of stream) chunks.push(chunk as Buffer);
		return Buffer.concat(chunks);
	} catch (error) {
		const detail = error instanceof Error ? error.message : String(error);
		// yauzl stops inflating at the declared size, so a lying header cannot balloon memory.
		if (/too many bytes/.test(detail)) {
			rejectBundle("TOO_LARGE", "entry inflates past its declared size", path);
		}
		rejectBundle("NOT_A_ZIP", `entry cannot be read: ${detail}`, path);
	}
}

/**
 * Opens a zip held in memory and checks it against the limits and path rules before
 * inflating anything: sizes come from the central directory, and yauzl refuses to inflate
 * an entry past its declared size.
 */
export async function openBundle(
	bytes: Uint8Array,
	limits: BundleLimits = bundleLimits,
): Promise<Bundle> {
	if (bytes.byteLength > limits.maxCompressedBytes) {
		rejectBundle(
			"TOO_LARGE",
			`bundle is ${bytes.byteLength} bytes; the limit is ${limits.maxCompressedBytes}`,
		);
	}
	let zip: ZipFile;
	try {
		zip = await yauzl.fromBufferPromise(
			Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
			{
				decodeStrings: false,
				validateEntrySizes: true,
			},
		);
	} catch (error) {
		const detail = error instanceof Error ? error.message : String(error);
		rejectBundle("NOT_A_ZIP", `not a readable zip archive (${detail})`);
	}
	if (zip.entryCount > limits.maxEntries) {
		rejectBundle(
			"TOO_MANY_ENTRIES",
			`bundle has ${zip.entryCount} entries; the limit is ${limits.maxEntries}`,
		);
	}
	let entries: Entry[];
	try {
		entries = await readAllEntries(zip);
	} catch (error) {
		const detail = error instanceof Error ? error.message : String(error);
		rejectBundle("NOT_A_ZIP", `zip central directory is corrupt (${detail})`);
	}

	const issues: BundleIssue[] = [];
	const files = new Map<string, Entry>();
	const duplicates = new Set<string>();
	let total = 0;
	for (const entry of entries) {
		const name = yauzl.getFileNameLowLevel(
			entry.generalPurposeBitFlag,
			entry.fileName as unknown as Buffer,
			entry.extraFields,
			true,
		);
		const unsafe = checkEntryPath(name) ?? (isSymlink(entry) ? "is a symbolic link" : undefined);
		if (unsafe) {
			issues.push({ code: "UNSAFE_PATH", message: `unsafe entry path: ${unsafe}`, path: name });
			continue;
		}
		if (name.endsWith("/")) continue;
		const key = entryName(name);
		// Otherwise the last entry of a name silently wins, and tools disagree on which one that is.
		if (files.has(key)) {
			if (!duplicates.has(key)) {
				duplicates.add(key);
				issues.push({
					code: "DUPLICATE_ENTRY",
					message: `the zip holds more than one entry named ${key}`,
					path: name,
				});
			}
			continue;
		}
		if (entry.uncompressedSize > limits.maxEntryBytes) {
			issues.push({
				code: "TOO_LARGE",
				message: `entry is ${entry.uncompressedSize} bytes uncompressed; the limit is ${limits.maxEntryBytes}`,
				path: name,
			});
		}
		total += entry.uncompressedSize;
		files.set(key, entry);
	}
	if (total > limits.maxUncompressedBytes) {
		issues.push({
			code: "TOO_LARGE",
			message: `bundle is ${total} bytes uncompressed; the limit is ${limits.maxUncompressedBytes}`,
		});
	}
	const [first, ...rest] = issues;
	if (first) throw new BundleRejectedError([first, ...rest]);

	return {
		paths: [...files.keys()],
		has: (path) => files.has(entryName(path)),
		size: (path) => files.get(entryName(path))?.uncompressedSize,
		read: async (path) => {
			const entry = files.get(entryName(path));
			return entry ? inflate(zip, entry, path) : undefined;
		},
	};
}
