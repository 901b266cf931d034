import {
	DeleteObjectCommand,
	GetObjectCommand,
	NoSuchKey,
	PutObjectCommand,
	type S3Client,
} from "@aws-sdk/client-s3";
import type { ObjectStore } from "../../ports.ts";

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
		options: { contentType?: string; cacheControl?: string } = {},
	): Promise<void> {
		await this.client.send(
			new PutObjectCommand({
				Bucket: this.bucket,
				Key: key,
				Body: body,
				ContentType: options.contentType,
				CacheControl: options.cacheControl,
			}),
		);
	}

	async delete(key: string): Promise<void> {
		await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
	}
}
