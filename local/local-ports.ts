import type { S3Client } from "@aws-sdk/client-s3";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { IngestQueues, StoredUpload, UploadQueue } from "#shared/ports/uploads.ts";
import type { Deployment } from "../functions/lib/ports.ts";
import { dataPaths } from "./data-dir.ts";
import { FolderIngestQueues } from "./folder-ingest-queues.ts";
import { FolderUploadQueue } from "./folder-upload-queue.ts";
import { newestUploadVersion } from "./newest-upload-version.ts";
import type { Endpoints } from "./stack.ts";
import { LocalVersionStore } from "./version-store.ts";

/**
 * A running local stack as a deployment, on the given clients: its table, buckets and site.
 * The local edge compresses as it serves: no compressed copies, unless a caller asks.
 */
export function localDeployment(
	endpoints: Endpoints,
	clients: { s3: S3Client; dynamodb: DynamoDBDocumentClient },
	owner: string,
): Deployment {
	return {
		s3: clients.s3,
		dynamodb: clients.dynamodb,
		tableName: endpoints.table,
		ingestBucket: endpoints.ingestBucket,
		siteBucket: endpoints.siteBucket,
		siteUrl: endpoints.edgeUrl,
		logsBucket: endpoints.logsBucket,
		owner,
		// Feeds the CLI publishes link the hub the stack's functions link, and it hears of them.
		...(endpoints.hubUrl ? { hubUrl: endpoints.hubUrl } : {}),
	};
}

/**
 * The local stand-ins for what AWS keeps in SQS and in S3's versions: the queue folders and
 * the version store under the stack's data folder.
 */
export function localQueuePorts(dataDir: string): {
	queues: () => IngestQueues;
	uploadQueue: () => UploadQueue;
	newestUpload: (key: string) => Promise<StoredUpload | undefined>;
} {
	const paths = dataPaths(dataDir);
	return {
		queues: () => new FolderIngestQueues(paths.queue, paths.deadLetters),
		uploadQueue: () => new FolderUploadQueue(paths.queue),
		newestUpload: (key) => newestUploadVersion(new LocalVersionStore(paths.versions), key),
	};
}
