import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateBucketCommand, HeadObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import S3rver from "s3rver";
import { afterAll, beforeAll } from "vitest";
import { DynamoDbSiteDigests } from "#shared/adapters/dynamodb/dynamodb-site-digests.ts";
import { S3ObjectStore } from "#shared/adapters/s3/s3-object-store.ts";
import { localS3Client } from "../../local/stack.ts";
import { describeSiteWriter, type SiteWriterSetup } from "../contracts/site-writer.contract.ts";
import { startTestDynamoDb, type TestTable } from "../helpers/dynamodb.ts";

// The site writer on s3rver and DynamoDB Local: ETags S3 keeps or changes, digests in a table.
let s3rver: S3rver;
let s3: S3Client;
let s3Dir: string;
let db: TestTable;
let buckets = 0;

beforeAll(async () => {
	s3Dir = await mkdtemp(join(tmpdir(), "site-writer-"));
	s3rver = new S3rver({ address: "127.0.0.1", port: 0, silent: true, directory: s3Dir });
	const [{ port }, table] = await Promise.all([s3rver.run(), startTestDynamoDb()]);
	db = table;
	s3 = localS3Client(`http://127.0.0.1:${port}`);
});
afterAll(async () => {
	s3?.destroy();
	await Promise.all([s3rver?.close(), db?.stop()]);
	if (s3Dir) await rm(s3Dir, { recursive: true, force: true });
});

async function s3Setup(withDigests: boolean): Promise<SiteWriterSetup> {
	const bucket = `site-${++buckets}`;
	await s3.send(new CreateBucketCommand({ Bucket: bucket }));
	const table = withDigests ? await db.createTable() : "";
	return {
		site: new S3ObjectStore(s3, bucket),
		...(withDigests ? { digests: () => new DynamoDbSiteDigests(db.client, table) } : {}),
		etag: async (key) => (await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))).ETag,
	};
}

describeSiteWriter("s3rver, reading back", () => s3Setup(false));
describeSiteWriter("s3rver, with DynamoDB digests", () => s3Setup(true));
