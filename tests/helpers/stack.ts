import { GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import type { LocalStack } from "../../local/stack.ts";

/** Uploads as a partner does and waits until the pipeline is idle again. */
export async function upload(stack: LocalStack, key: string, body: Uint8Array): Promise<void> {
	await stack.s3.send(
		new PutObjectCommand({ Bucket: stack.endpoints.ingestBucket, Key: key, Body: body }),
	);
	await stack.idle();
}

export async function getObject(
	stack: LocalStack,
	bucket: string,
	key: string,
): Promise<Uint8Array | undefined> {
	try {
		const response = await stack.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
		return await response.Body?.transformToByteArray();
	} catch (error) {
		if ((error as { name?: string }).name === "NoSuchKey") return undefined;
		throw error;
	}
}

/** The report the partner reads for an upload key. */
export async function readReport(stack: LocalStack, key: string): Promise<Record<string, unknown>> {
	const bytes = await getObject(
		stack,
		stack.endpoints.ingestBucket,
		`${key.replace(/^incoming\//, "reports/")}.json`,
	);
	if (!bytes) throw new Error(`no report for ${key}`);
	return JSON.parse(new TextDecoder().decode(bytes));
}
