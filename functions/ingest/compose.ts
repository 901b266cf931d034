import { coalescePublishes } from "#shared/lib/coalesce-publishes.ts";
import { cachingContent } from "#shared/lib/content-cache.ts";
import { recordingIngestFailures } from "#shared/lib/health-notes.ts";
import type { IngestPorts, UseCaseOptions } from "#shared/ports/options.ts";
import type { PublishDeps } from "#shared/publishing/deps.ts";
import { type IngestDeps, makeIngestUpload } from "#shared/use-cases/ingest-upload.ts";
import { composeChanges, composePublishing } from "../lib/compose-publishing.ts";

/** Single dependencies to replace: a function's feed metrics, a test's fault or slow store. */
export interface IngestOverrides {
	ingest?: Partial<IngestDeps>;
	publish?: Partial<PublishDeps>;
}

/**
 * The ingest function's use case on the given ports: an upload's ingest, with the publishing it
 * hands its changes to (an upload is published by the function that ingested it, so it is
 * public at once). The CLI's `uploads reprocess` ingests the same way.
 */
export function composeIngest(
	ports: IngestPorts,
	options: UseCaseOptions,
	overrides: IngestOverrides = {},
) {
	// The page an upload publishes renders from the content its ingest just stored.
	const uploads = cachingContent(ports.uploads);
	const publishing = composePublishing({ ...ports, uploads }, options, overrides.publish);
	const { applyChange } = composeChanges(ports, publishing);
	// Concurrent ingests of one process (a Lambda's batch, the local queue's deliveries) share
	// their publishes.
	const publishChange = coalescePublishes(publishing.publishChanges);
	const { clock } = publishing;
	const ingestUpload = makeIngestUpload({
		uploads,
		articles: ports.articles,
		uploadRecords: ports.uploadRecords,
		agreements: ports.agreements,
		publish: publishChange,
		reevaluate: async (ref, reason) => {
			const pending = await applyChange(ref, { kind: "reevaluate", by: "ingest", reason });
			if (pending) await publishChange(pending);
		},
		clock,
		...overrides.ingest,
	});
	return {
		// A failed ingest notes why, for `dlq list`.
		ingestUpload: recordingIngestFailures(ingestUpload, ports.health, clock),
	};
}
