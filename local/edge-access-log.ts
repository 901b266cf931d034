import { randomBytes, randomFillSync } from "node:crypto";
import { promisify } from "node:util";
import { gzip } from "node:zlib";
import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { ACCESS_LOG_FIELDS } from "#shared/domain/access-log.ts";

const gzipAsync = promisify(gzip);

/** CloudFront's standard (legacy) log fields, in file order: the ones the views aggregator reads. */
export const LOG_FIELDS = ACCESS_LOG_FIELDS;

/** The first two lines of every log file. */
export const LOG_HEADER = `#Version: 1.0\n#Fields: ${LOG_FIELDS.join(" ")}\n`;

/** The local stand-in for a CloudFront distribution id, in log object names. */
export const LOCAL_DISTRIBUTION_ID = "LOCALEDGE";
/** The local stand-in for an edge location code. */
export const LOCAL_EDGE_LOCATION = "LOCAL1";

export type EdgeResultType =
	| "Hit"
	| "RefreshHit"
	| "Miss"
	| "Error"
	| "Redirect"
	| "FunctionGeneratedResponse";

/** One request as the edge answered it; header values as Node gives them (one char per byte). */
export interface AccessLogEntry {
	/** When the response finished. */
	at: Date;
	scBytes: number;
	clientIp: string;
	clientPort: number;
	method: string;
	/** The distribution's own host name (here the edge's `host:port`). */
	distributionHost: string;
	/** The request target's path, as received. */
	uriStem: string;
	/** The query string without `?`, as received. */
	uriQuery: string | undefined;
	/** 0 when the client left before a response was sent (logged as `000`). */
	status: number;
	referer: string | undefined;
	userAgent: string | undefined;
	resultType: EdgeResultType;
	detailedResultType: string;
	requestId: string;
	hostHeader: string | undefined;
	protocol: "http" | "https";
	csBytes: number;
	timeTakenMs: number;
	timeToFirstByteMs: number;
	forwardedFor: string | undefined;
	protocolVersion: string;
	contentType: string | undefined;
	contentLength: number | undefined;
}

// What CloudFront leaves as is in a logged value: RFC 3986 unreserved and reserved
// characters. Everything else (controls, space, tab, non-ASCII bytes, `"` `<` `>` `\` `^`
// `` ` `` `{` `|` `}`) is percent-encoded, so a value never holds a tab or a line break.
const KEEP = new Uint8Array(256);
for (const c of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~!*'();:@&=+$,/?#[]")
	KEEP[c.charCodeAt(0)] = 1;
const PERCENT = "%".charCodeAt(0);
const HEX = "0123456789ABCDEF";

/**
 * A value as CloudFront logs it: `-` when empty, else percent-encoded byte by byte (spaces as
 * `%20`). A `%` is kept in the URI stem and query, which arrive percent-encoded already, and
 * encoded as `%25` in header values, so one `decodeURIComponent` gives back exactly what the
 * client sent (the path's names decoded once, as the edge decodes them).
 */
export function encodeLogValue(value: string | undefined, alreadyEncoded = false): string {
	if (value === undefined || value === "") return "-";
	let out = "";
	let plain = true;
	for (let i = 0; i < value.length; i++) {
		const code = value.charCodeAt(i);
		if (code < 256 && (KEEP[code] === 1 || (alreadyEncoded && code === PERCENT))) continue;
		plain = false;
		break;
	}
	if (plain) return value;
	// Node gives header values and the request target one character per byte (latin1).
	for (const byte of Buffer.from(value, "latin1")) {
		if (KEEP[byte] === 1 || (alreadyEncoded && byte === PERCENT)) out += String.fromCharCode(byte);
		else out += `%${HEX[byte >> 4]}${HEX[byte & 15]}`;
	}
	return out;
}

const seconds = (ms: number) => (Math.max(ms, 0) / 1000).toFixed(3);

// Formatting a date is a measurable share of a 304: the fields change once a second.
let cachedSecond = Number.NaN;
let cachedFields: { date: string; time: string; hour: string } = { date: "", time: "", hour: "" };
function timeFields(at: Date): { date: string; time: string; hour: string } {
	const second = Math.floor(at.getTime() / 1000);
	if (second !== cachedSecond) {
		const iso = at.toISOString();
		cachedFields = {
			date: iso.slice(0, 10),
			time: iso.slice(11, 19),
			hour: `${iso.slice(0, 10)}-${iso.slice(11, 13)}`,
		};
		cachedSecond = second;
	}
	return cachedFields;
}

/** One tab-separated line of the 33 fields (without the line break). */
export function formatLogLine(entry: AccessLogEntry): string {
	const { date, time } = timeFields(entry.at);
	const fields = [
		date,
		time,
		LOCAL_EDGE_LOCATION,
		String(entry.scBytes),
		entry.clientIp,
		entry.method,
		encodeLogValue(entry.distributionHost),
		encodeLogValue(entry.uriStem, true),
		entry.status === 0 ? "000" : String(entry.status),
		encodeLogValue(entry.referer),
		encodeLogValue(entry.userAgent),
		encodeLogValue(entry.uriQuery, true),
		"-",
		entry.resultType,
		entry.requestId,
		encodeLogValue(entry.hostHeader),
		entry.protocol,
		String(entry.csBytes),
		seconds(entry.timeTakenMs),
		encodeLogValue(entry.forwardedFor),
		"-",
		"-",
		entry.resultType,
		entry.protocolVersion,
		"-",
		"-",
		String(entry.clientPort),
		seconds(entry.timeToFirstByteMs),
		entry.detailedResultType,
		encodeLogValue(entry.contentType),
		entry.contentLength === undefined ? "-" : String(entry.contentLength),
		"-",
		"-",
	];
	return fields.join("\t");
}

/** `YYYY-MM-DD-HH` of a moment, in UTC: the hour a log file covers. */
export function logHourOf(at: Date): string {
	return timeFields(at).hour;
}

const ID_BYTES = 42;
const ID_POOL = Buffer.alloc(ID_BYTES * 256);
let idOffset = ID_POOL.byteLength;

/** A request id shaped like CloudFront's (56 URL-safe base64 characters). */
export function newRequestId(): string {
	// One call to the random source per 256 ids: it is a measurable share of a 304.
	if (idOffset === ID_POOL.byteLength) {
		randomFillSync(ID_POOL);
		idOffset = 0;
	}
	const id = ID_POOL.toString("base64url", idOffset, idOffset + ID_BYTES);
	idOffset += ID_BYTES;
	return id;
}

export interface AccessLogOptions {
	s3: S3Client;
	bucket: string;
	/** Prefix of log objects, as the distribution's logging config sets it. */
	prefix?: string;
	distributionId?: string;
	/** Seconds between writes of the buffered lines. */
	flushSeconds?: number;
	/** Lines kept while the logs bucket cannot be written; the oldest are dropped beyond it. */
	maxBufferedLines?: number;
}

/** The flush interval: `SYNDICATE_LOG_FLUSH_SECONDS`, default 5. */
export function logFlushSecondsFromEnv(env: NodeJS.ProcessEnv = process.env): number {
	const value = Number(env.SYNDICATE_LOG_FLUSH_SECONDS);
	return Number.isFinite(value) && value > 0 ? value : 5;
}

/**
 * Buffers access-log lines and writes them every few seconds (and on `stop()`) as gzipped
 * objects named as CloudFront's standard logging names them:
 * `{prefix}{distributionId}.{YYYY-MM-DD-HH}.{unique}.gz`, one per hour the lines fall in.
 */
export class AccessLog {
	readonly #s3: S3Client;
	readonly #bucket: string;
	readonly #prefix: string;
	readonly #distributionId: string;
	readonly #maxLines: number;
	/** Lines by the hour they belong to. */
	#pending = new Map<string, string[]>();
	#count = 0;
	#dropped = 0;
	#flushing: Promise<void> = Promise.resolve();
	readonly #timer: NodeJS.Timeout;

	constructor(options: AccessLogOptions) {
		this.#s3 = options.s3;
		this.#bucket = options.bucket;
		this.#prefix = options.prefix ?? "cloudfront/";
		this.#distributionId = options.distributionId ?? LOCAL_DISTRIBUTION_ID;
		this.#maxLines = options.maxBufferedLines ?? 200_000;
		const every = (options.flushSeconds ?? logFlushSecondsFromEnv()) * 1000;
		this.#timer = setInterval(() => void this.flush(), every);
		this.#timer.unref();
	}

	record(entry: AccessLogEntry): void {
		this.#add(logHourOf(entry.at), [formatLogLine(entry)]);
	}

	#add(hour: string, lines: string[]): void {
		const list = this.#pending.get(hour);
		if (list) list.push(...lines);
		else this.#pending.set(hour, lines);
		this.#count += lines.length;
		while (this.#count > this.#maxLines) {
			const [oldest] = this.#pending.keys();
			if (oldest === undefined) break;
			const dropped = this.#pending.get(oldest) ?? [];
			this.#pending.delete(oldest);
			this.#count -= dropped.length;
			this.#dropped += dropped.length;
		}
	}

	/** Writes every buffered line; lines whose write fails are kept for the next flush. */
	flush(): Promise<void> {
		this.#flushing = this.#flushing.then(() => this.#write());
		return this.#flushing;
	}

	async #write(): Promise<void> {
		if (this.#dropped > 0) {
			console.error(
				`edge access log: ${this.#dropped} lines dropped, the logs bucket was not writable`,
			);
			this.#dropped = 0;
		}
		const batches = this.#pending;
		this.#pending = new Map();
		this.#count = 0;
		for (const [hour, lines] of batches) {
			const key = `${this.#prefix}${this.#distributionId}.${hour}.${randomBytes(6).toString("hex").toUpperCase()}.gz`;
			try {
				const body = await gzipAsync(`${LOG_HEADER}${lines.join("\n")}\n`);
				await this.#s3.send(
					new PutObjectCommand({
						Bucket: this.#bucket,
						Key: key,
						Body: body,
						ContentType: "application/gzip",
					}),
				);
			} catch (error) {
				console.error(`edge access log: could not write ${key}; keeping its lines:`, error);
				this.#add(hour, lines);
			}
		}
	}

	/** Stops the timer and writes what is buffered. */
	async stop(): Promise<void> {
		clearInterval(this.#timer);
		await this.flush();
	}
}
