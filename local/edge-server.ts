import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { promisify } from "node:util";
import { gzip } from "node:zlib";
import {
	GetObjectCommand,
	type GetObjectCommandOutput,
	NoSuchKey,
	type S3Client,
} from "@aws-sdk/client-s3";

const gzipAsync = promisify(gzip);
const READ_DEADLINE_MS = 750;
const READ_ATTEMPTS = 8;
const COMPRESSIBLE = /^(text\/|application\/(json|xml|rss\+xml|atom\+xml|feed\+json))/;

export interface EdgeServer {
	url: string;
	stop(): Promise<void>;
}

/** `/` and `/en/` are served from their `index.html`, as the CloudFront function does. */
export function objectKeyOf(pathname: string): string {
	const path = decodeURIComponent(pathname);
	return `${path.endsWith("/") ? `${path}index.html` : path}`.replace(/^\//, "");
}

/**
 * The CloudFront stand-in: serves the site bucket over HTTP with the object's own
 * content type, ETag and Last-Modified, answers conditional GETs with 304 and gzips text.
 */
export async function startEdgeServer(options: {
	port: number;
	s3: S3Client;
	bucket: string;
}): Promise<EdgeServer> {
	async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
		if (req.method !== "GET" && req.method !== "HEAD") {
			res.writeHead(405, { Allow: "GET, HEAD" }).end();
			return;
		}
		const url = new URL(req.url ?? "/", "http://edge");
		let key: string;
		try {
			key = objectKeyOf(url.pathname);
		} catch {
			res
				.writeHead(400, { "Content-Type": "text/plain; charset=utf-8" })
				.end("Bad request: malformed path\n");
			return;
		}
		let fetched: { object: GetObjectCommandOutput; bytes: Uint8Array } | undefined;
		// s3rver rewrites an object in place, so a read racing a publish can be torn: short,
		// mixed, or stalled until the connection times out. S3 swaps objects atomically. So
		// each read gets a deadline and must match its ETag (the MD5 of a single-part object),
		// or it is retried, as CloudFront retries its origin.
		for (let attempt = 1; !fetched; attempt++) {
			try {
				const object = await options.s3.send(
					new GetObjectCommand({ Bucket: options.bucket, Key: key }),
					{
						abortSignal: AbortSignal.timeout(READ_DEADLINE_MS),
					},
				);
				const bytes = (await object.Body?.transformToByteArray()) ?? new Uint8Array();
				// An empty ETag means s3rver is rewriting the object's metadata right now.
				const md5 = object.ETag?.replaceAll('"', "") ?? "";
				const whole = md5.includes("-") || createHash("md5").update(bytes).digest("hex") === md5;
				if (!whole) throw new Error(`torn read of ${key}`);
				fetched = { object, bytes };
			} catch (error) {
				if (error instanceof NoSuchKey) {
					res.writeHead(404, { "Content-Type": "text/plain; charset=utf-8" }).end("Not found\n");
					return;
				}
				if (attempt >= READ_ATTEMPTS) throw error;
			}
		}
		const { ContentType, ETag, LastModified, CacheControl } = fetched.object;
		const headers: Record<string, string> = {
			"Content-Type": ContentType ?? "application/octet-stream",
			...(ETag ? { ETag } : {}),
			...(LastModified ? { "Last-Modified": LastModified.toUTCString() } : {}),
			...(CacheControl ? { "Cache-Control": CacheControl } : {}),
			Vary: "Accept-Encoding",
		};
		const ifNoneMatch = req.headers["if-none-match"];
		const ifModifiedSince = req.headers["if-modified-since"];
		const notModified = ifNoneMatch
			? ETag !== undefined &&
				ifNoneMatch
					.split(/\s*,\s*/)
					.some((tag) => tag === ETag || tag === `W/${ETag}` || tag === "*")
			: ifModifiedSince !== undefined &&
				LastModified !== undefined &&
				Math.floor(LastModified.getTime() / 1000) <= Math.floor(Date.parse(ifModifiedSince) / 1000);
		if (notModified) {
			res.writeHead(304, headers).end();
			return;
		}
		let body = fetched.bytes;
		if (
			COMPRESSIBLE.test(headers["Content-Type"] ?? "") &&
			/\bgzip\b/.test(String(req.headers["accept-encoding"] ?? ""))
		) {
			body = await gzipAsync(body);
			headers["Content-Encoding"] = "gzip";
		}
		headers["Content-Length"] = String(body.byteLength);
		res.writeHead(200, headers);
		res.end(req.method === "HEAD" ? undefined : body);
	}

	const server = createServer((req, res) => {
		serve(req, res).catch((error: unknown) => {
			console.error("edge server:", error);
			if (!res.headersSent) res.writeHead(502, { "Content-Type": "text/plain; charset=utf-8" });
			res.end("Bad gateway\n");
		});
	});
	await new Promise<void>((resolve, reject) => {
		server.once("error", reject);
		server.listen(options.port, "127.0.0.1", resolve);
	});
	const { port } = server.address() as AddressInfo;
	return {
		url: `http://127.0.0.1:${port}`,
		stop: () =>
			new Promise<void>((resolve) => {
				server.closeAllConnections();
				server.close(() => resolve());
			}),
	};
}
