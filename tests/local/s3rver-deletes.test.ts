import { mkdtemp, readdir, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
	CreateBucketCommand,
	DeleteObjectCommand,
	DeleteObjectsCommand,
	GetObjectCommand,
	ListObjectsV2Command,
	PutObjectCommand,
	type S3Client,
} from "@aws-sdk/client-s3";
import S3rver from "s3rver";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { deleteWithoutBlocking } from "../../local/s3rver-deletes.ts";
import { localS3Client } from "../../local/stack.ts";

const BUCKET = "site";
let dir: string;
let s3: S3Client;
let s3rver: S3rver;

beforeEach(async () => {
	dir = await mkdtemp(join(tmpdir(), "s3rver-deletes-"));
	s3rver = new S3rver({ address: "127.0.0.1", port: 0, directory: dir, silent: true });
	deleteWithoutBlocking(s3rver);
	const { port } = (await s3rver.run()) as AddressInfo;
	s3 = localS3Client(`http://127.0.0.1:${port}`);
	await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
});

afterEach(async () => {
	s3.destroy();
	await s3rver.close();
	await rm(dir, { recursive: true, force: true });
});

const put = (Key: string) => s3.send(new PutObjectCommand({ Bucket: BUCKET, Key, Body: Key }));
const keys = async () =>
	((await s3.send(new ListObjectsV2Command({ Bucket: BUCKET }))).Contents ?? []).map(
		(object) => object.Key,
	);
/** The folders s3rver keeps for the bucket, relative to it. */
const folders = async () =>
	(await readdir(join(dir, BUCKET), { recursive: true, withFileTypes: true }))
		.filter((entry) => entry.isDirectory())
		.map((entry) => join(entry.parentPath, entry.name).slice(join(dir, BUCKET).length + 1))
		.sort();

describe("s3rver deletes without a synchronous readdir", () => {
	it("removes the folders a delete leaves empty and keeps the others", async () => {
		await put("media/en/a-1/images/photo.png");
		await put("media/en/a-2/images/photo.png");
		await put("en/articles/a-1");

		await s3.send(
			new DeleteObjectsCommand({
				Bucket: BUCKET,
				Delete: { Objects: [{ Key: "media/en/a-1/images/photo.png" }, { Key: "en/articles/a-1" }] },
			}),
		);
		expect(await keys()).toEqual(["media/en/a-2/images/photo.png"]);
		expect(await folders()).toEqual(["media", "media/en", "media/en/a-2", "media/en/a-2/images"]);

		await s3.send(
			new DeleteObjectCommand({ Bucket: BUCKET, Key: "media/en/a-2/images/photo.png" }),
		);
		expect(await keys()).toEqual([]);
		expect(await folders()).toEqual([]);
	});

	it("a missing key is no error, and a key deleted can be written again", async () => {
		await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: "feeds/en/none.rss" }));
		await put("feeds/en/latest.rss");
		await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: "feeds/en/latest.rss" }));
		await put("feeds/en/latest.rss");
		const body = await s3.send(
			new GetObjectCommand({ Bucket: BUCKET, Key: "feeds/en/latest.rss" }),
		);
		expect(await body.Body?.transformToString()).toBe("feeds/en/latest.rss");
	});
});
