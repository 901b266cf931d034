import { GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalStack, startEphemeralStack } from "../../local/stack.ts";

let stack: LocalStack;

beforeAll(async () => {
	stack = await startEphemeralStack();
});
afterAll(async () => {
	await stack?.stop();
});

const text = async (Key: string) =>
	(
		await stack.s3.send(new GetObjectCommand({ Bucket: stack.endpoints.ingestBucket, Key }))
	).Body?.transformToString();

describe("the local stack takes S3 keys literally", () => {
	it("never lets one partner's upload overwrite another partner's report through `..`", async () => {
		const bucket = stack.endpoints.ingestBucket;
		const report = "reports/science-news/x.zip.json";
		await stack.s3.send(new PutObjectCommand({ Bucket: bucket, Key: report, Body: "A's report" }));
		// Its report is `reports/evil/../../reports/science-news/x.zip.json`: a key of its own.
		const sneaky = "incoming/evil/../../reports/science-news/x.zip";
		await stack.s3.send(new PutObjectCommand({ Bucket: bucket, Key: sneaky, Body: "not a zip" }));
		await stack.idle();
		expect(await text(report)).toBe("A's report");
		expect(await text(sneaky)).toBe("not a zip");
		const own = JSON.parse(
			(await text(`reports/evil/../../reports/science-news/x.zip.json`)) ?? "",
		);
		expect(own).toMatchObject({ bundle: sneaky, status: "rejected" });
	});
});
