import type { Logger } from "@aws-lambda-powertools/logger";
import type { SQSRecord } from "aws-lambda";
import { parseUploadKey, type ReportStatus } from "#shared/domain/report.ts";
import type { IngestResult, UploadEvent } from "#shared/use-cases/ingest-upload.ts";
import { type MetricName, MetricUnit, msSince } from "../lib/observability.ts";
import { parseS3Notification } from "../lib/s3-event.ts";
import { add, ingestUpload, logger } from "./services.ts";

/** Counted per upload, by what became of it; a duplicate or a takedown counts in none. */
const OUTCOME_METRICS: Partial<Record<ReportStatus, MetricName>> = {
	published: "UploadsPublished",
	rejected: "UploadsRejected",
	"pending-permission": "UploadsPending",
	embargoed: "UploadsPending",
};

/** A message SQS will deliver again (and dead-letter at last): what failed, and why. */
export class IngestMessageError extends Error {
	readonly code = "INGEST_FAILED";
	constructor(messageId: string, key: string | undefined, cause: unknown) {
		super(`ingest of message ${messageId}${key ? ` (upload ${key})` : ""} failed`, { cause });
		this.name = "IngestMessageError";
	}
}

function recordOutcome(upload: UploadEvent, result: IngestResult): void {
	const { status } = result.report;
	const counted = OUTCOME_METRICS[status];
	if (counted) add(counted, MetricUnit.Count, 1);
	// The ingest published before it returned: S3's event time to now is the reader's wait.
	const sinceUpload = Date.now() - Date.parse(upload.eventTime);
	if (status === "published") add("UploadToPublicLatency", MetricUnit.Milliseconds, sinceUpload);
	if (status === "withdrawn") add("TakedownLatency", MetricUnit.Milliseconds, sinceUpload);
}

async function ingestOne(upload: UploadEvent, log: Logger): Promise<void> {
	const partnerId = parseUploadKey(upload.key)?.partnerId;
	log.appendKeys({ uploadKey: upload.key, ...(partnerId ? { partnerId } : {}) });
	const started = performance.now();
	const result = await ingestUpload(upload);
	const ms = msSince(started);
	add("IngestDuration", MetricUnit.Milliseconds, ms);
	if (!result) return log.info("ignored: not under incoming/{partnerId}/", { ms });
	const { report } = result;
	recordOutcome(upload, result);
	log.info("ingested", {
		...(report.articleId ? { articleId: report.articleId } : {}),
		...(report.language ? { language: report.language } : {}),
		...(report.version ? { version: report.version } : {}),
		status: report.status,
		errors: report.errors.map((error) => error.code),
		reportKey: result.reportKey,
		ms,
	});
}

/**
 * One SQS message: the uploads of one S3 notification, ingested in turn. Its log lines carry
 * the message id as correlation id, whatever else of the batch runs beside it. A failure is
 * logged with its stack and cause, then thrown for the batch processor to report.
 */
export async function ingestMessage(record: SQSRecord): Promise<void> {
	const log = logger.createChild();
	log.setCorrelationId(record.messageId);
	let key: string | undefined;
	try {
		const uploads = parseS3Notification(record.body);
		log.debug("S3 notification", {
			uploads: uploads.length,
			receiveCount: record.attributes.ApproximateReceiveCount,
		});
		for (const upload of uploads) {
			key = upload.key;
			await ingestOne(upload, log);
		}
	} catch (error) {
		const failure = new IngestMessageError(record.messageId, key, error);
		log.error(failure.message, failure);
		throw failure;
	}
}
