import { parseUploadKey } from "../domain/report.ts";
import type { StoredUpload } from "../ports/uploads.ts";
import type { IngestResult, UploadEvent } from "./ingest-upload.ts";

export interface ReprocessResult {
	upload: StoredUpload;
	result: IngestResult;
}

/** The upload key is not under `incoming/{partnerId}/`, or nothing is stored there. */
export class UploadNotFoundError extends Error {
	readonly code = "UPLOAD_NOT_FOUND";
	constructor(readonly key: string) {
		super(`no upload is stored at ${key}`);
		this.name = "UploadNotFoundError";
	}
}

/**
 * `uploads reprocess`: ingests the newest stored version at a key again, with the event S3
 * would have sent for it. Ingest is idempotent per upload: a version already processed
 * gets its report written and its targets published again, with the decision it had; one
 * never processed (its notification was lost or dead-lettered) is ingested now. The event
 * has no sequencer, as for reconcile, so it never displaces the report of a newer upload.
 */
export function makeReprocessUpload(deps: {
	/** The key's current version, as the bucket has it. */
	newestVersion: (key: string) => Promise<StoredUpload | undefined>;
	ingest: (event: UploadEvent) => Promise<IngestResult | undefined>;
}) {
	return async function reprocessUpload(key: string): Promise<ReprocessResult> {
		if (!parseUploadKey(key)) throw new UploadNotFoundError(key);
		const upload = await deps.newestVersion(key);
		if (!upload) throw new UploadNotFoundError(key);
		const result = await deps.ingest({
			key: upload.key,
			size: upload.size,
			eventTime: upload.lastModified,
			...(upload.eTag ? { eTag: upload.eTag } : {}),
			...(upload.versionId ? { versionId: upload.versionId } : {}),
		});
		if (!result) throw new UploadNotFoundError(key);
		return { upload, result };
	};
}
