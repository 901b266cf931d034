import { CreateBucketCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoDbArticleStore } from "#shared/adapters/dynamodb/dynamodb-article-store.ts";
import { DynamoDbUploadStore } from "#shared/adapters/dynamodb/dynamodb-upload-store.ts";
import { S3ObjectStore } from "#shared/adapters/s3/s3-object-store.ts";
import type { ArticleStore } from "#shared/ports/articles.ts";
import type { ObjectStore, UploadStore } from "#shared/ports/uploads.ts";
import { type LocalStack, startEphemeralStack } from "../../local/stack.ts";
import { makeBundle, makeManifest } from "../helpers/bundles.ts";
import { makeServices } from "../helpers/services.ts";
import { putUpload } from "../helpers/uploads.ts";

let stack: LocalStack;
// A bucket the local stack's notifications ignore: the test drives ingest itself.
const BUCKET = "overlap-ingest";

beforeAll(async () => {
	stack = await startEphemeralStack();
	await stack.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
});
afterAll(async () => {
	await stack?.stop();
});

/** The real store with `methods` recording when each call starts and ends. */
function recorded<T extends object>(
	store: T,
	methods: (keyof T)[],
	log: string[],
	name: string,
): T {
	const wrapped = Object.create(store);
	for (const method of methods) {
		const original = (store[method] as (...args: unknown[]) => Promise<unknown>).bind(store);
		wrapped[method] = async (...args: unknown[]) => {
			const what = `${name}.${String(method)}${typeof args[0] === "string" ? ` ${args[0].split("/")[0]}` : ""}`;
			log.push(`${what} starts`);
			try {
				return await original(...args);
			} finally {
				log.push(`${what} ends`);
			}
		};
	}
	return wrapped;
}

describe("ingest of one upload", () => {
	it("reads the bundle beside the record lookup, and stores its content beside the article read", async () => {
		const log: string[] = [];
		const { table } = stack.endpoints;
		const { ingestUpload } = makeServices(stack, {
			ingestBucket: BUCKET,
			ingest: {
				uploads: recorded<ObjectStore>(
					new S3ObjectStore(stack.s3, BUCKET),
					["get", "put"],
					log,
					"s3",
				),
				uploadRecords: recorded<UploadStore>(
					new DynamoDbUploadStore(stack.dynamodb, table),
					["getUpload"],
					log,
					"records",
				),
				articles: recorded<ArticleStore>(
					new DynamoDbArticleStore(stack.dynamodb, table),
					["getArticle", "commitArticleChange"],
					log,
					"articles",
				),
			},
		});
		const event = await putUpload(
			stack,
			BUCKET,
			"incoming/science-news/overlap.zip",
			makeBundle({ manifest: makeManifest({ id: "overlap" }) }),
		);
		expect((await ingestUpload(event))?.report.status).toBe("published");
		const at = (entry: string) => {
			const i = log.indexOf(entry);
			expect(i, `${entry} in ${log.join(", ")}`).toBeGreaterThanOrEqual(0);
			return i;
		};
		expect(at("s3.get incoming starts")).toBeLessThan(at("records.getUpload incoming ends"));
		expect(at("s3.put content starts")).toBeLessThan(at("articles.getArticle ends"));
		// Archived and stored before the commit that points at them, all the same.
		expect(at("s3.put archive ends")).toBeLessThan(at("articles.commitArticleChange starts"));
		expect(log.lastIndexOf("s3.put content ends")).toBeLessThan(
			at("articles.commitArticleChange starts"),
		);
	});
});
