import { readdir } from "node:fs/promises";
import { createRequire } from "node:module";
import { join } from "node:path";
import type S3rver from "s3rver";
import { encodeS3EventKey } from "./s3-key.ts";

/** The parts of s3rver's FilesystemStore (lib/stores/filesystem.js) this module replaces or uses. */
interface FilesystemStore {
	getBucketPath(bucket: string): string;
	getResourcePath(bucket: string, key: string | undefined, resource: string): string;
	getMetadata(bucket: string, key: string): Promise<Record<string, string>>;
	listObjects(bucket: string, options: ListOptions): Promise<Listing>;
}

interface ListOptions {
	prefix?: string | undefined;
	delimiter?: string | undefined;
	startAfter?: string | undefined;
	maxKeys?: number | undefined;
}

interface S3rverObject {
	key: string;
	size: number;
	lastModifiedDate: Date;
	metadata: Record<string, string>;
}

/** What s3rver's `listObjects` returns, plus where the next page starts. */
interface Listing {
	objects: S3rverObject[];
	commonPrefixes: string[];
	isTruncated: boolean;
	/** The last key or common prefix of this page: the next page starts after it. */
	nextMarker?: string;
}

/** The little of a Koa context s3rver's bucket controller reads. */
interface ListContext {
	app: unknown;
	query: Record<string, string | undefined>;
	params: { bucket: string };
	store: FilesystemStore;
	body: unknown;
}

type S3ErrorClass = new (code: string, message: string, detail?: Record<string, unknown>) => Error;
type S3ObjectClass = new (
	bucket: string,
	key: string,
	content: null,
	metadata: Record<string, string>,
) => S3rverObject;

const OBJECT_SUFFIX = "._S3rver_object";
// s3rver's own files (`._S3rver_uploads`, bucket configurations) carry this in their names.
const S3RVER_FILES = "._S3rver_";
const ESCAPE = "%";

/**
 * A folder name for one segment of a key (every segment but the last, which s3rver puts in
 * a file name with a suffix). `.`, `..` and the empty segment would be resolved by the file
 * system (`a/../b` is `b`, `a//b` is `a/b`): they, and any segment that starts with the
 * escape, get the escape in front, so every key has a folder path of its own.
 */
function folderOf(segment: string): string {
	return segment === "" || segment === "." || segment === ".." || segment.startsWith(ESCAPE)
		? `${ESCAPE}${segment}`
		: segment;
}

function segmentOf(folder: string): string {
	return folder.startsWith(ESCAPE) ? folder.slice(ESCAPE.length) : folder;
}

/** S3 orders keys by their UTF-8 bytes; JavaScript compares UTF-16 code units. */
function compareKeys(a: string, b: string): number {
	return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/**
 * Every key under `prefix`, unordered, read from the folders without blocking the thread
 * (s3rver walks them with a synchronous `readdir` and a `stat` per file).
 */
async function keysUnder(bucketPath: string, prefix: string): Promise<string[]> {
	const keys: string[] = [];
	async function visit(folder: string, keyPrefix: string): Promise<void> {
		const entries = await readdir(folder, { withFileTypes: true }).catch(
			(error: NodeJS.ErrnoException) => {
				// A folder removed by a delete meanwhile holds nothing.
				if (error.code === "ENOENT") return [];
				throw error;
			},
		);
		const below: Promise<void>[] = [];
		for (const entry of entries) {
			if (entry.isDirectory()) {
				// s3rver's multipart uploads in progress, beside the bucket's keys.
				if (keyPrefix === "" && entry.name.startsWith(S3RVER_FILES)) continue;
				const next = `${keyPrefix}${segmentOf(entry.name)}/`;
				if (next.startsWith(prefix) || prefix.startsWith(next))
					below.push(visit(join(folder, entry.name), next));
			} else if (entry.name.endsWith(OBJECT_SUFFIX)) {
				const key = keyPrefix + entry.name.slice(0, -OBJECT_SUFFIX.length);
				if (key.startsWith(prefix)) keys.push(key);
			}
		}
		await Promise.all(below);
	}
	await visit(bucketPath, "");
	return keys;
}

/**
 * One page of a listing as S3 gives it: keys in UTF-8 order after `startAfter`, those with
 * the delimiter after the prefix rolled up into common prefixes, keys and common prefixes
 * together at most `maxKeys`, and where the next page starts when there is more.
 */
async function listPage(
	store: FilesystemStore,
	S3Object: S3ObjectClass,
	bucket: string,
	options: ListOptions,
): Promise<Listing> {
	const prefix = options.prefix ?? "";
	const delimiter = options.delimiter ?? "";
	const startAfter = options.startAfter ?? "";
	const maxKeys = options.maxKeys ?? 1000;
	const keys = (await keysUnder(store.getBucketPath(bucket), prefix))
		.map((key) => ({ key, bytes: Buffer.from(key) }))
		.sort((a, b) => Buffer.compare(a.bytes, b.bytes))
		.map(({ key }) => key);
	const page: { key: string; common: boolean }[] = [];
	let isTruncated = false;
	let lastCommon: string | undefined;
	for (const key of keys) {
		if (compareKeys(key, startAfter) <= 0) continue;
		const at = delimiter ? key.indexOf(delimiter, prefix.length) : -1;
		const entry =
			at === -1
				? { key, common: false }
				: { key: key.slice(0, at + delimiter.length), common: true };
		if (entry.common && (entry.key === lastCommon || compareKeys(entry.key, startAfter) <= 0))
			continue;
		if (page.length >= maxKeys) {
			isTruncated = true;
			break;
		}
		page.push(entry);
		if (entry.common) lastCommon = entry.key;
	}
	const metadata = await Promise.all(
		page
			.filter(({ common }) => !common)
			.map(({ key }) =>
				store.getMetadata(bucket, key).then(
					(found) => ({ key, found }),
					(error: NodeJS.ErrnoException) => {
						// A key deleted since the folders were read is simply not listed.
						if (error.code === "ENOENT") return { key, found: undefined };
						throw error;
					},
				),
			),
	);
	const objects = metadata.flatMap(({ key, found }) =>
		found ? [new S3Object(bucket, key, null, found)] : [],
	);
	const listing: Listing = {
		objects,
		commonPrefixes: page.filter(({ common }) => common).map(({ key }) => key),
		isTruncated,
	};
	const last = page.at(-1);
	if (isTruncated && last) listing.nextMarker = last.key;
	return listing;
}

/** Continuation tokens are opaque to clients: the bucket and the marker, base64. */
function tokenOf(bucket: string, marker: string): string {
	return Buffer.from(JSON.stringify([bucket, marker])).toString("base64");
}

function markerOf(token: string, bucket: string): string | undefined {
	try {
		const parsed: unknown = JSON.parse(Buffer.from(token, "base64").toString("utf8"));
		if (Array.isArray(parsed) && parsed[0] === bucket && typeof parsed[1] === "string")
			return parsed[1];
	} catch {
		// Not one of ours: the caller answers InvalidArgument.
	}
	return undefined;
}

const likeS3 = new WeakSet<object>();
let controllerPatched = false;

/**
 * Replaces s3rver's `GET Bucket` (ListObjects and ListObjectsV2) for the servers given to
 * {@link behaveLikeS3}: s3rver makes its continuation tokens with DES, which Node's OpenSSL 3
 * refuses, so every listing that had to be truncated answered 500. Its module is shared by
 * every s3rver in the process, hence the set of servers it applies to.
 */
function patchListController(): void {
	if (controllerPatched) return;
	controllerPatched = true;
	const require = createRequire(import.meta.url);
	const controller = require("s3rver/lib/controllers/bucket.js") as {
		getBucket(ctx: ListContext): Promise<void>;
	};
	const S3Error = require("s3rver/lib/models/error.js") as S3ErrorClass;
	const { DUMMY_ACCOUNT } = require("s3rver/lib/models/account.js") as {
		DUMMY_ACCOUNT: { id: number; displayName: string };
	};
	const original = controller.getBucket;

	controller.getBucket = async function listBucketPaged(ctx) {
		if (!likeS3.has(ctx.app as object)) return original(ctx);
		const { query } = ctx;
		const bucket = ctx.params.bucket;
		const v2 = query["list-type"] === "2";
		let maxKeys = 1000;
		if (query["max-keys"] !== undefined) {
			const asked = query["max-keys"];
			if (!/^\d+$/.test(asked) || Number(asked) > 2147483647)
				throw new S3Error(
					"InvalidArgument",
					"Argument maxKeys must be an integer between 0 and 2147483647",
					{
						ArgumentName: "maxKeys",
						ArgumentValue: asked,
					},
				);
			maxKeys = Math.min(1000, Number(asked));
		}
		let startAfter: string | undefined;
		if (v2) {
			if ("marker" in query)
				throw new S3Error(
					"InvalidArgument",
					"Marker unsupported with REST.GET.BUCKET in list-type=2",
					{
						ArgumentName: "marker",
					},
				);
			const token = query["continuation-token"];
			if (token) {
				startAfter = markerOf(token, bucket);
				if (startAfter === undefined)
					throw new S3Error("InvalidArgument", "The continuation token provided is incorrect", {
						ArgumentName: "continuation-token",
					});
			} else startAfter = query["start-after"];
		} else {
			if ("continuation-token" in query || "start-after" in query)
				throw new S3Error(
					"InvalidArgument",
					"continuation-token and start-after are list-type=2 arguments",
				);
			startAfter = query.marker;
		}
		const prefix = query.prefix || undefined;
		const delimiter = query.delimiter || undefined;
		const listing =
			maxKeys === 0
				? { objects: [], commonPrefixes: [], isTruncated: false }
				: await ctx.store.listObjects(bucket, { prefix, delimiter, startAfter, maxKeys });
		// With `encoding-type=url` (the AWS CLI's default) S3 sends keys form-encoded.
		const urlEncoded = query["encoding-type"] === "url";
		const out = (value: string | undefined) =>
			value === undefined || !urlEncoded ? value : encodeS3EventKey(value);
		const withOwner = v2 ? query["fetch-owner"] === "true" : true;
		const next = listing.isTruncated ? listing.nextMarker : undefined;
		ctx.body = {
			ListBucketResult: {
				"@": { xmlns: "http://doc.s3.amazonaws.com/2006-03-01/" },
				Name: bucket,
				Prefix: out(prefix) ?? "",
				...(v2
					? {
							StartAfter: query["continuation-token"] ? undefined : out(startAfter),
							ContinuationToken: query["continuation-token"] || undefined,
							NextContinuationToken: next === undefined ? undefined : tokenOf(bucket, next),
							KeyCount: listing.objects.length + listing.commonPrefixes.length,
						}
					: { Marker: out(startAfter) ?? "", NextMarker: out(next) }),
				MaxKeys: query["max-keys"] ?? 1000,
				Delimiter: out(delimiter),
				EncodingType: urlEncoded ? "url" : undefined,
				IsTruncated: listing.isTruncated,
				Contents: listing.objects.map((object) => ({
					Key: out(object.key),
					LastModified: object.lastModifiedDate.toISOString(),
					ETag: object.metadata.etag,
					Size: object.size,
					Owner: withOwner
						? { ID: DUMMY_ACCOUNT.id, DisplayName: DUMMY_ACCOUNT.displayName }
						: undefined,
					StorageClass: "STANDARD",
				})),
				CommonPrefixes: listing.commonPrefixes.map((common) => ({ Prefix: out(common) })),
			},
		};
	};
}

/**
 * Makes s3rver treat keys and listings as S3 does, where they differ in ways that matter:
 *
 * - Keys are literal. s3rver stores a key as a path, so `incoming/b/../../reports/a/x.zip.json`
 *   was `reports/a/x.zip.json` on disk (one partner could overwrite another's report), and
 *   its router found no `a//b`. Each folder of a key is now escaped where the file system
 *   would resolve it (see {@link folderOf}), every other key keeps the path it had, and the
 *   router takes the key whole. Requests are path style, as every client here sends them.
 * - Listings page. Keys are listed in UTF-8 order (s3rver listed them in `readdir` order),
 *   common prefixes count against `max-keys`, and a truncated listing ends with a
 *   continuation token (V2) or `NextMarker` (V1) that the next request continues from.
 *
 * Call before `s3rver.run()`, and before anything else that wraps its store.
 */
export function behaveLikeS3(s3rver: S3rver): void {
	const store = (s3rver as unknown as { store: FilesystemStore }).store;
	const getResourcePath = store.getResourcePath.bind(store);
	store.getResourcePath = function literalResourcePath(bucket, key, resource) {
		if (key === undefined) return getResourcePath(bucket, key, resource);
		const segments = key.split("/");
		const name = segments.pop() ?? "";
		return getResourcePath(bucket, [...segments.map(folderOf), name].join("/"), resource);
	};
	const require = createRequire(import.meta.url);
	const S3Object = require("s3rver/lib/models/object.js") as S3ObjectClass;
	store.listObjects = (bucket, options) => listPage(store, S3Object, bucket, options);
	likeS3.add(s3rver);
	patchListController();
	// s3rver's router reads a key as `/`-separated names, each at least one character: `a//b`,
	// `/a` and `a/` were not found or lost their empty name. Every `/` of the key escaped,
	// the key is one name, which the router decodes to the key as sent.
	(s3rver as unknown as { middleware: KeyPathMiddleware[] }).middleware.unshift(
		async function routeWholeKeys(ctx, next) {
			const match = /^(\/[^/]+\/)(.+)$/.exec(ctx.path);
			if (match?.[1] && match[2]?.includes("/"))
				ctx.path = match[1] + match[2].replaceAll("/", "%2F");
			await next();
		},
	);
}

/** The little of a Koa context {@link behaveLikeS3}'s middleware uses. */
type KeyPathMiddleware = (ctx: { path: string }, next: () => Promise<void>) => Promise<void>;
