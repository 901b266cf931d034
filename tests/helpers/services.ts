import { randomUUID } from "node:crypto";
import { DynamoDbAgreementStore } from "#shared/adapters/dynamodb/dynamodb-agreement-store.ts";
import { DynamoDbArticleStore } from "#shared/adapters/dynamodb/dynamodb-article-store.ts";
import { DynamoDbPublishLedger } from "#shared/adapters/dynamodb/dynamodb-publish-ledger.ts";
import { DynamoDbUploadStore } from "#shared/adapters/dynamodb/dynamodb-upload-store.ts";
import { S3ObjectStore } from "#shared/adapters/s3/s3-object-store.ts";
import { type IngestDeps, makeIngestUpload } from "#shared/use-cases/ingest-upload.ts";
import {
	makePublishChanges,
	makePublishTargets,
	type PublishDeps,
} from "#shared/use-cases/publish-targets.ts";
import type { LocalStack } from "../../local/stack.ts";

/**
 * The use cases wired to a running local stack's servers, as functions/lib/services.ts wires
 * them in Lambda, with any dependency replaced: the way tests inject a fault or a clock.
 */
export function makeServices(
	stack: LocalStack,
	overrides: {
		/** An ingest bucket other than the stack's, whose uploads the stack does not ingest. */
		ingestBucket?: string;
		ingest?: Partial<IngestDeps>;
		publish?: Partial<PublishDeps>;
	} = {},
) {
	const { endpoints, s3, dynamodb } = stack;
	const articles = new DynamoDbArticleStore(dynamodb, endpoints.table);
	const uploadRecords = new DynamoDbUploadStore(dynamodb, endpoints.table);
	const ledger = new DynamoDbPublishLedger(dynamodb, endpoints.table);
	const uploads = new S3ObjectStore(s3, overrides.ingestBucket ?? endpoints.ingestBucket);
	const site = new S3ObjectStore(s3, endpoints.siteBucket);
	const clock = () => new Date();
	const publishTargets = makePublishTargets({
		articles,
		ledger,
		content: uploads,
		site,
		siteUrl: endpoints.edgeUrl,
		clock,
		owner: `test-${randomUUID()}`,
		leaseMs: 20_000,
		...overrides.publish,
	});
	const changes = makePublishChanges({ ledger, publish: publishTargets });
	const ingestUpload = makeIngestUpload({
		uploads,
		articles,
		uploadRecords,
		agreements: new DynamoDbAgreementStore(dynamodb, endpoints.table),
		publish: changes.publishChange,
		clock,
		...overrides.ingest,
	});
	return { articles, uploadRecords, ledger, site, publishTargets, ingestUpload, ...changes };
}
