import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import middy from "@middy/core";
import type { SQSBatchResponse, SQSEvent } from "aws-lambda";
import { ingestMessage } from "./ingest-message.ts";
import { logger, metrics } from "./services.ts";

const processor = new BatchProcessor(EventType.SQS);

/**
 * S3 → SQS → here. Each message is one S3 notification. Powertools' batch processor reports a
 * message whose ingest threw as a batch item failure, so SQS redelivers only it (and
 * dead-letters it at last); a batch where every message failed is thrown as a whole.
 */
export const handler = middy<SQSEvent, SQSBatchResponse>()
	.use(injectLambdaContext(logger, { resetKeys: true }))
	.use(logMetrics(metrics))
	.handler(function ingestBatch(event, context) {
		return processPartialResponse(event, ingestMessage, processor, { context });
	});
