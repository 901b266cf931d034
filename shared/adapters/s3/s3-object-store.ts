import {
	DeleteObjectCommand,
	DeleteObjectsCommand,
	GetObjectCommand,
	NoSuchKey,
	PutObjectCommand,
	type S3Client,
} from "@aws-sdk/client-s3";
import { chunksOf } from "../../lib/chunks.ts";
import type { ObjectStore } from "../../ports/uploads.ts";

/** One S3 bucket as an {@link ObjectStore}. */
export class S3ObjectStore implements ObjectStore {
	constructor(
		private readonly client: S3Client,
		readonly bucket: string,
	) {}

	async get(
		key: string,
		options: { maxBytes?: number; versionId?: string } = {},
	): Promise<{ bytes: Uint8Array } | { tooLarge: number } | undefined> {
		try {
			const response = await this.client.send(
				new GetObjectCommand({ Bucket: this.bucket, Key: key, VersionId: options.versionId }),
			);
			const size = response.ContentLength ?? 0;
			if (options.maxBytes !== undefined && size > options.maxBytes) {
				// Stop the download: an oversized upload is rejected unread.
				(response.Body as { destroy?: () => void } | undefined)?.destroy?.();
				return { tooLarge: size };
			}
			const bytes = await response.Body?.transformToByteArray();
			return { bytes: bytes ?? new Uint8Array() };
		} catch (error) {
			if (error instanceof NoSuchKey) return undefined;
			throw error;
		}
	}

	async put(
		key: string,
		body: string | Uint8Array,
		options: NonNullable<Parameters<ObjectStore["put"]>[2]> = {},
	): Promise<void> {
		await this.client.send(
			new PutObjectCommand({
				Bucket: this.bucket,
				Key: key,
				Body: body,
				ContentType: options.contentType,
				CacheControl: options.cacheControl,
				ContentEncoding: options.contentEncoding,
				Metadata: options.metadata,
			}),
		);
	}

	async delete(key: string): Promise<void> {
		await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
	}

	async deleteMany(keys: readonly string[]): Promise<void> {
		const unique = [...new Set(keys)];
		await Promise.all(
			// S3 takes at most 1,000 keys per DeleteObjects request.
			chunksOf(unique, 1000).map(async (chunk) => {
				const { Errors = [] } = await this.client.send(
					new DeleteObjectsCommand({
						Bucket: this.bucket,
						Delete: { Objects: chunk.map((Key) => ({ Key })), Quiet: true },
					}),
				);
				// A batch answers 200 with per-key failures: one left behind is a failed takedown.
				const first = Errors[0];
				if (first) {
					throw new Error(
						`could not delete ${Errors.length} of ${chunk.length} objects, e.g. ${first.Key}: ${first.Code} ${first.Message}`,
					);
				}
			}),
		);
	}
}
