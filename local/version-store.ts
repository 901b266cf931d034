import { createHash, randomBytes, randomUUID } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, readdir, readFile, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { isTemporaryFile, writeFileAtomic } from "./atomic-file.ts";

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

/** An upload's bytes on disk, not yet a version: {@link LocalVersionStore.commit} makes it one. */
export interface StagedUpload {
	readonly path: string;
	/** MD5 of the bytes, hex. */
	readonly eTag: string;
	readonly size: number;
}

/**
 * Every version of every upload, kept on disk whatever happens to the current object (s3rver
 * keeps one object per key and rewrites it in place): `<versionId>.bin` holds the bytes,
 * `<versionId>.json` the metadata, written last, so a version is complete once it is listed.
 */
export class LocalVersionStore {
	private last = 0n;

	constructor(readonly folder: string) {}

	/**
	 * Creates the folder, removes what a crash left half written (never a version: those are
	 * complete once listed), and continues the sequence after the newest stored version.
	 */
	async open(): Promise<void> {
		await mkdir(this.folder, { recursive: true });
		for (const name of await readdir(this.folder)) {
			if (isTemporaryFile(name)) await rm(join(this.folder, name), { force: true });
			const id = name.slice(0, 24);
			if (!VERSION_ID.test(id)) continue;
			const sequence = BigInt(`0x${id.slice(0, 16)}`);
			if (sequence > this.last) this.last = sequence;
		}
	}

	/** Stores a new version of bytes already in memory (see {@link stage} and {@link commit}). */
	async put(
		key: string,
		bytes: Uint8Array,
		contentType: string,
		now: Date,
	): Promise<UploadVersion> {
		return this.commit(key, await this.stage([bytes]), contentType, now);
	}

	/**
	 * Writes an upload's bytes to a file of their own as they arrive, a chunk at a time,
	 * hashing them on the way: never the whole body in memory. The file is no version yet (a
	 * crash leaves a temporary file, removed at the next {@link open}).
	 */
	async stage(content: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<StagedUpload> {
		const path = join(this.folder, `.staged-${randomUUID()}.tmp`);
		const md5 = createHash("md5");
		let size = 0;
		try {
			await pipeline(
				content,
				async function* hashChunks(chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>) {
					for await (const chunk of chunks) {
						md5.update(chunk);
						size += chunk.byteLength;
						yield chunk;
					}
				},
				createWriteStream(path),
			);
		} catch (error) {
			await rm(path, { force: true });
			throw error;
		}
		return { path, eTag: md5.digest("hex"), size };
	}

	/**
	 * Makes staged bytes a new version: renamed into place, then its metadata written last.
	 * Its sequencer is greater than every earlier one's, across restarts.
	 */
	async commit(
		key: string,
		staged: StagedUpload,
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
			eTag: staged.eTag,
			size: staged.size,
			lastModified: now.toISOString(),
			contentType,
		};
		await rename(staged.path, this.bytesPath(version.versionId));
		await writeFileAtomic(this.metadataPath(version.versionId), `${JSON.stringify(version)}\n`);
		return version;
	}

	/** Removes staged bytes that did not become a version (nothing once committed). */
	async discardStaged(staged: StagedUpload): Promise<void> {
		await rm(staged.path, { force: true });
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

	/** Where a version's bytes are, to be streamed. */
	bytesPathOf(versionId: string): string {
		if (!VERSION_ID.test(versionId)) throw new Error(`malformed version id ${versionId}`);
		return this.bytesPath(versionId);
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
