import { AsyncLocalStorage } from "node:async_hooks";
import { randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createRequire } from "node:module";
import type S3rver from "s3rver";
import { encodeS3EventKey } from "./s3-key.ts";
import type { LocalVersionStore, StagedUpload, UploadVersion } from "./version-store.ts";

/** The little of a Koa context this module uses (s3rver ships no Koa types). */
interface KoaContext {
	method: string;
	path: string;
	query: Record<string, string | string[] | undefined>;
	ip: string;
	req: IncomingMessage;
	res: ServerResponse;
	status: number;
	body: unknown;
	type: string;
	set(field: string, value: string): void;
}
type Middleware = (ctx: KoaContext, next: () => Promise<void>) => Promise<void>;

/** The object s3rver hands its store (lib/models/object.js). */
interface S3rverObject {
	bucket: string;
	key: string;
	content: NodeJS.ReadableStream | Buffer;
	metadata: Record<string, string>;
}
interface FilesystemStore {
	putObject(object: S3rverObject): Promise<{ size: number; md5: string }>;
	copyObject(
		srcBucket: string,
		srcKey: string,
		destBucket: string,
		destKey: string,
		replacementMetadata?: Record<string, string>,
	): Promise<Record<string, string>>;
	getResourcePath(bucket: string, key: string | undefined, resource: string): string;
	getMetadata(bucket: string, key: string): Promise<Record<string, string>>;
}
type S3ErrorClass = new (code: string, message: string) => Error;

export interface VersionedUploadsOptions {
	/** The ingest bucket. */
	bucket: string;
	/** Keys that get versions and notifications: `incoming/`. */
	prefix: string;
	region: string;
	versions: LocalVersionStore;
	/** Queues one S3 notification; resolves once it is durable. */
	notify: (body: string) => Promise<void>;
	clock?: () => Date;
}

export interface VersionedUploads {
	/** From now on, uploads under the prefix get 503 (SlowDown) and are not accepted. */
	stopAccepting(): void;
}

/** What one request tells the store hook: which S3 event it makes, and where the version id goes. */
interface RequestState {
	eventName: string;
	sourceIp: string;
	versionId?: string;
}

function eventNameOf(ctx: KoaContext): string {
	if (ctx.method === "PUT")
		return ctx.req.headers["x-amz-copy-source"] ? "ObjectCreated:Copy" : "ObjectCreated:Put";
	return "uploadId" in ctx.query ? "ObjectCreated:CompleteMultipartUpload" : "ObjectCreated:Post";
}

/** `/bucket/some/key` (path style, as every client of the local stack addresses s3rver). */
function bucketAndKey(path: string): { bucket: string; key: string } | undefined {
	const match = /^\/([^/]+)\/?(.*)$/.exec(path);
	if (!match?.[1]) return undefined;
	try {
		return { bucket: decodeURIComponent(match[1]), key: decodeURIComponent(match[2] ?? "") };
	} catch {
		return undefined;
	}
}

function errorXml(code: string, message: string): string {
	return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`;
}

/**
 * Gives the ingest bucket what S3 versioning gives it in AWS, on s3rver (which keeps one
 * object per key): every upload under the prefix (PUT, POST, multipart, copy) is kept as a
 * version before s3rver stores it and before the client gets its 200, its S3 notification
 * (with `versionId` and an increasing `sequencer`) is queued durably before the 200 too, and
 * `GetObject` with `versionId` is served from the kept version. Uploads to one key are
 * serialised, so the current object is always the newest version. s3rver's own events for
 * these keys must be ignored. Call before `s3rver.run()`.
 */
export async function versionUploads(
	s3rver: S3rver,
	options: VersionedUploadsOptions,
): Promise<VersionedUploads> {
	const { bucket, prefix, versions } = options;
	const clock = options.clock ?? (() => new Date());
	await versions.open();
	const require = createRequire(import.meta.url);
	const S3Error = require("s3rver/lib/models/error.js") as S3ErrorClass;
	const requests = new AsyncLocalStorage<RequestState>();
	const store = (s3rver as unknown as { store: FilesystemStore }).store;
	const putObject = store.putObject.bind(store);
	const copyObject = store.copyObject.bind(store);
	const locks = new Map<string, Promise<void>>();
	let accepting = true;

	const versioned = (bucketName: string, key: string) =>
		bucketName === bucket && key.startsWith(prefix);

	function withKeyLock<T>(key: string, work: () => Promise<T>): Promise<T> {
		const run = (locks.get(key) ?? Promise.resolve()).then(work);
		const tail = run.then(
			() => undefined,
			() => undefined,
		);
		locks.set(key, tail);
		void tail.then(() => {
			if (locks.get(key) === tail) locks.delete(key);
		});
		return run;
	}

	function notificationOf(version: UploadVersion, state: RequestState | undefined): string {
		return JSON.stringify({
			Records: [
				{
					eventVersion: "2.1",
					eventSource: "aws:s3",
					awsRegion: options.region,
					eventTime: version.lastModified,
					eventName: state?.eventName ?? "ObjectCreated:Put",
					userIdentity: { principalId: "local" },
					requestParameters: { sourceIPAddress: state?.sourceIp ?? "127.0.0.1" },
					responseElements: {
						"x-amz-request-id": randomBytes(8).toString("hex").toUpperCase(),
						"x-amz-id-2": randomBytes(24).toString("base64"),
					},
					s3: {
						s3SchemaVersion: "1.0",
						configurationId: "ingest-uploads",
						bucket: {
							name: bucket,
							ownerIdentity: { principalId: "local" },
							arn: `arn:aws:s3:::${bucket}`,
						},
						object: {
							// S3 sends keys form-encoded; the handler decodes them exactly once.
							key: encodeS3EventKey(version.key),
							size: version.size,
							eTag: version.eTag,
							versionId: version.versionId,
							sequencer: version.sequencer,
						},
					},
				},
			],
		});
	}

	/**
	 * Streams the body to disk, then, in the key's turn, makes it a version, lets s3rver store
	 * the object (read back from the version's file) and queues the notification.
	 */
	async function keepVersion<T>(
		key: string,
		content: NodeJS.ReadableStream | Buffer,
		contentType: string,
		storeObject: (version: UploadVersion) => Promise<T>,
	): Promise<T> {
		if (!accepting) throw new S3Error("ServiceUnavailable", "The local stack is stopping.");
		// Staged before the key's lock, so a slow upload holds up no other upload to its key.
		const staged: StagedUpload = await versions.stage(
			Buffer.isBuffer(content) ? [content] : (content as AsyncIterable<Uint8Array>),
		);
		try {
			return await withKeyLock(key, async () => {
				if (!accepting) throw new S3Error("ServiceUnavailable", "The local stack is stopping.");
				const version = await versions.commit(key, staged, contentType, clock());
				let stored: T;
				try {
					stored = await storeObject(version);
				} catch (error) {
					await versions.discard(version.versionId);
					throw error;
				}
				const state = requests.getStore();
				await options.notify(notificationOf(version, state));
				if (state) state.versionId = version.versionId;
				return stored;
			});
		} finally {
			await versions.discardStaged(staged);
		}
	}

	store.putObject = async function putVersionedObject(object) {
		if (!versioned(object.bucket, object.key)) return putObject(object);
		return keepVersion(
			object.key,
			object.content,
			object.metadata["content-type"] ?? "binary/octet-stream",
			(version) =>
				putObject({
					...object,
					content: createReadStream(versions.bytesPathOf(version.versionId)),
				}),
		);
	};

	store.copyObject = async function copyVersionedObject(
		srcBucket,
		srcKey,
		destBucket,
		destKey,
		replacementMetadata,
	) {
		if (!versioned(destBucket, destKey))
			return copyObject(srcBucket, srcKey, destBucket, destKey, replacementMetadata);
		const metadata = replacementMetadata ?? (await store.getMetadata(srcBucket, srcKey));
		return keepVersion(
			destKey,
			createReadStream(store.getResourcePath(srcBucket, srcKey, "object")),
			metadata["content-type"] ?? "binary/octet-stream",
			() => copyObject(srcBucket, srcKey, destBucket, destKey, replacementMetadata),
		);
	};

	async function serveVersion(ctx: KoaContext, key: string, versionId: string): Promise<void> {
		const version = await versions.get(versionId);
		if (!version || version.key !== key) {
			ctx.status = 404;
			ctx.type = "application/xml";
			ctx.set("x-amz-error-code", "NoSuchVersion");
			ctx.body = errorXml("NoSuchVersion", "The specified version does not exist.");
			return;
		}
		const bytes = await versions.bytes(versionId);
		ctx.status = 200;
		ctx.body = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
		ctx.type = version.contentType;
		ctx.set("ETag", JSON.stringify(version.eTag));
		ctx.set("Last-Modified", new Date(version.lastModified).toUTCString());
		ctx.set("x-amz-version-id", version.versionId);
		ctx.set("Accept-Ranges", "bytes");
	}

	const versioning: Middleware = async function versionIngestUploads(ctx, next) {
		const target = bucketAndKey(ctx.path);
		if (target?.bucket !== bucket) return next();
		const versionId = ctx.query.versionId;
		if ((ctx.method === "GET" || ctx.method === "HEAD") && typeof versionId === "string") {
			return serveVersion(ctx, target.key, versionId);
		}
		const write = ctx.method === "PUT" || ctx.method === "POST";
		// A POST to the bucket itself is a browser-form upload: its key is in the form.
		if (write && !accepting && (target.key.startsWith(prefix) || target.key === "")) {
			ctx.status = 503;
			ctx.type = "application/xml";
			ctx.body = errorXml("ServiceUnavailable", "The local stack is stopping.");
			return;
		}
		if (!write) return next();
		const state: RequestState = { eventName: eventNameOf(ctx), sourceIp: ctx.ip };
		await requests.run(state, next);
		if (state.versionId) ctx.set("x-amz-version-id", state.versionId);
	};
	// s3rver composes its middleware when it starts listening: first in line sees every request.
	(s3rver as unknown as { middleware: Middleware[] }).middleware.unshift(versioning);

	return {
		stopAccepting() {
			accepting = false;
		},
	};
}
