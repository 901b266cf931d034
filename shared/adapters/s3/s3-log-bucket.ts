import { ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";
import type { ObjectStore } from "../../ports/uploads.ts";
import type { LogBucket } from "../../ports/views.ts";
import { S3ObjectStore } from "./s3-object-store.ts";

/** The access-log bucket, read by ListObjectsV2 and GetObject. */
export class S3LogBucket implements LogBucket {
	private readonly objects: S3ObjectStore;

	constructor(
		private readonly client: S3Client,
		readonly bucket: string,
	) {
		this.objects = new S3ObjectStore(client, bucket);
	}

	async listKeyGroups(prefix: string, delimiter: string): Promise<string[]> {
		const groups: string[] = [];
		let token: string | undefined;
		do {
			const page = await this.client.send(
				new ListObjectsV2Command({
					Bucket: this.bucket,
					Prefix: prefix,
					Delimiter: delimiter,
					ContinuationToken: token,
				}),
			);
			for (const common of page.CommonPrefixes ?? []) {
				if (common.Prefix) groups.push(common.Prefix);
			}
			token = page.IsTruncated ? page.NextContinuationToken : undefined;
		} while (token);
		return groups.sort();
	}

	async *listKeys(prefix: string, startAfter?: string): AsyncIterable<string> {
		let token: string | undefined;
		do {
			const page = await this.client.send(
				new ListObjectsV2Command({
					Bucket: this.bucket,
					Prefix: prefix,
					// Ignored by S3 once a continuation token is given, as it should be.
					StartAfter: startAfter,
					ContinuationToken: token,
				}),
			);
			for (const object of page.Contents ?? []) {
				if (object.Key) yield object.Key;
			}
			token = page.IsTruncated ? page.NextContinuationToken : undefined;
		} while (token);
	}

	get(...args: Parameters<ObjectStore["get"]>): ReturnType<ObjectStore["get"]> {
		return this.objects.get(...args);
	}
}
