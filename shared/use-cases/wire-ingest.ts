import { coalescePublishes } from "../lib/coalesce-publishes.ts";
import { cachingContent } from "../lib/content-cache.ts";
import { recordingIngestFailures } from "../lib/health-notes.ts";
import type { UploadStore } from "../ports/uploads.ts";
import { type IngestDeps, makeIngestUpload } from "./ingest-upload.ts";
import type { PublishDeps } from "./publish-targets.ts";
import { type PublishingStores, wirePublishing } from "./wire-publishing.ts";
import type { UseCaseOptions } from "./wire-use-cases.ts";

/** The stores an upload's ingest reads and writes: publishing's, and the upload records. */
export interface IngestStores extends PublishingStores {
	uploadRecords: UploadStore;
}

/**
 * The upload's use case on the given stores, with the publishing it hands its changes to
 * (an upload is published by the function that ingested it, so it is public at once).
 */
export function wireIngest(
	stores: IngestStores,
	options: UseCaseOptions,
	overrides: { ingest?: Partial<IngestDeps>; publish?: Partial<PublishDeps> } = {},
) {
	// The page an upload publishes renders from the content its ingest just stored.
	const uploads = cachingContent(stores.uploads);
	const publishing = wirePublishing({ ...stores, uploads }, options, overrides.publish);
	const { clock, publishChanges, applyChange } = publishing;
	// Concurrent ingests of one process (a Lambda's batch, the local queue's deliveries) share
	// their publishes.
	const publishChange = coalescePublishes(publishChanges);
	const ingestUpload = makeIngestUpload({
		uploads,
		articles: stores.articles,
		uploadRecords: stores.uploadRecords,
		agreements: stores.agreements,
		publish: publishChange,
		reevaluate: async (ref, reason) => {
			const pending = await applyChange(ref, { kind: "reevaluate", by: "ingest", reason });
			if (pending) await publishChange(pending);
		},
		clock,
		...overrides.ingest,
	});
	return {
		...publishing,
		// A failed ingest notes why, for `dlq list`.
		ingestUpload: recordingIngestFailures(ingestUpload, stores.health, clock),
	};
}
