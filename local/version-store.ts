import { createHash, randomBytes } from "node:crypto";
import { mkdir, readdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "./atomic-file.ts";

/** One stored version of an upload, as its metadata file holds it. */
export interface UploadVersion {
	key: string;
	/** 24 lowercase hex digits; sorts in upload order. */
	versionId: string;
	/** Hex, increasing with every version, as S3 puts in its notifications. */
	sequencer: string;
	/** MD5 of the bytes, unquoted, as S3 notifications carry it. */
	eTag: string;
	size: number;
	/** ISO time the upload was accepted. */
	lastModified: string;
	contentType: string;
}

const VERSION_ID = /^[0-9a-f]{24}$/;

/**
 * Every version of every upload, kept on disk whatever happens to the current object (s3rver
 * keeps one object per key and rewrites it in place): `<versionId>.bin` holds the bytes,
 * `<versionId>.json` the metadata, written last, so a version is complete once it is listed.
 */
export class LocalVersionStore {
	private last = 0n;

	constructor(readonly folder: string) {}

	/** Creates the folder and continues the sequence after the newest stored version. */
	async open(): Promise<void> {
		await mkdir(this.folder, { recursive: true });
		for (const name of await readdir(this.folder)) {
			const id = name.slice(0, 24);
			if (!VERSION_ID.test(id)) continue;
			const sequence = BigInt(`0x${id.slice(0, 16)}`);
			if (sequence > this.last) this.last = sequence;
		}
	}

	/** Stores a new version; its sequencer is greater than every earlier one's, across restarts. */
	async put(
		key: string,
		bytes: Uint8Array,
		contentType: string,
		now: Date,
	): Promise<UploadVersion> {
		// Milliseconds in the high bits, a counter in the low 16: increasing even if the clock steps back.
		const fromClock = BigInt(now.getTime()) << 16n;
		this.last = fromClock > this.last ? fromClock : this.last + 1n;
		const sequence = this.last.toString(16).padStart(16, "0");
		const version: UploadVersion = {
			key,
			versionId: `${sequence}${randomBytes(4).toString("hex")}`,
			sequencer: sequence.toUpperCase(),
			eTag: createHash("md5").update(bytes).digest("hex"),
			size: bytes.byteLength,
			lastModified: now.toISOString(),
			contentType,
		};
		await writeFileAtomic(this.bytesPath(version.versionId), bytes);
		await writeFileAtomic(this.metadataPath(version.versionId), `${JSON.stringify(version)}\n`);
		return version;
	}

	/** Forgets a version whose upload failed after all. */
	async discard(versionId: string): Promise<void> {
		await rm(this.metadataPath(versionId), { force: true });
		await rm(this.bytesPath(versionId), { force: true });
	}

	/** A version's metadata; `undefined` when there is no such version (or the id is malformed). */
	async get(versionId: string): Promise<UploadVersion | undefined> {
		if (!VERSION_ID.test(versionId)) return undefined;
		try {
			return JSON.parse(await readFile(this.metadataPath(versionId), "utf8")) as UploadVersion;
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
			throw error;
		}
	}

	async bytes(versionId: string): Promise<Uint8Array> {
		if (!VERSION_ID.test(versionId)) throw new Error(`malformed version id ${versionId}`);
		return readFile(this.bytesPath(versionId));
	}

	/** Every complete version, oldest first. */
	async *list(): AsyncIterable<UploadVersion> {
		const names = await readdir(this.folder).catch(() => [] as string[]);
		for (const name of names.filter((n) => /^[0-9a-f]{24}\.json$/.test(n)).sort()) {
			const version = await this.get(name.slice(0, 24));
			if (version) yield version;
		}
	}

	static isVersionId(value: string): boolean {
		return VERSION_ID.test(value);
	}

	private bytesPath(versionId: string): string {
		return join(this.folder, `${versionId}.bin`);
	}

	private metadataPath(versionId: string): string {
		return join(this.folder, `${versionId}.json`);
	}
}
