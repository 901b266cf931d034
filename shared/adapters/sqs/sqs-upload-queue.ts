import { SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import type { UploadQueue } from "../../ports/uploads.ts";

/** The ingest queue in SQS, where S3 sends its notifications. */
export class SqsUploadQueue implements UploadQueue {
	constructor(
		private readonly client: SQSClient,
		readonly queueUrl: string,
	) {}

	async send(body: string): Promise<void> {
		await this.client.send(new SendMessageCommand({ QueueUrl: this.queueUrl, MessageBody: body }));
	}
}
