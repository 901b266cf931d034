import { ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";
import type { SiteInventory, SiteObject } from "../../ports/publishing.ts";

/** The site bucket's objects, listed a thousand a request. */
export class S3SiteInventory implements SiteInventory {
	constructor(
		private readonly client: S3Client,
		private readonly bucket: string,
	) {}

	async *list(): AsyncIterable<SiteObject> {
		let token: string | undefined;
		do {
			const page = await this.client.send(
				new ListObjectsV2Command({ Bucket: this.bucket, ContinuationToken: token }),
			);
			for (const object of page.Contents ?? []) {
				if (object.Key && object.LastModified) {
					yield { key: object.Key, lastModified: object.LastModified.toISOString() };
				}
			}
			token = page.IsTruncated ? page.NextContinuationToken : undefined;
		} while (token);
	}
}
