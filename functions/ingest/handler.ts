import middy from "@middy/core";
import type { SQSBatchItemFailure, SQSBatchResponse, SQSEvent } from "aws-lambda";
import { log } from "../lib/log.ts";
import { parseS3Notification } from "../lib/s3-event.ts";
import { ingestUpload } from "../lib/services.ts";

/**
 * S3 → SQS → here. Each message is one S3 notification; a message whose ingest throws is
 * reported as a batch item failure, so SQS redelivers only it (and dead-letters it at last).
 */
export const handler = middy<SQSEvent, SQSBatchResponse>().handler(
	async function ingestBatch(event) {
		const failures: SQSBatchItemFailure[] = [];
		await Promise.all(
			event.Records.map(async (message) => {
				try {
					for (const upload of parseS3Notification(message.body)) {
						const result = await ingestUpload(upload);
						log.info({
							msg: result ? "ingested" : "ignored: not under incoming/{partnerId}/",
							key: upload.key,
							status: result?.report.status,
							report: result?.reportKey,
						});
					}
				} catch (error) {
					log.error({ msg: "ingest failed", messageId: message.messageId, error: String(error) });
					failures.push({ itemIdentifier: message.messageId });
				}
			}),
		);
		return { batchItemFailures: failures };
	},
);
