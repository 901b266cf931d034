import { randomUUID } from "node:crypto";
import { CreateTableCommand, waitUntilTableExists } from "@aws-sdk/client-dynamodb";
import { tableDefinition } from "#shared/adapters/dynamodb/table.ts";
import type { ArticlePlan } from "#shared/domain/plan-article-change.ts";
import type { ArticleCommit } from "#shared/ports/articles.ts";
import { useCaseOptions } from "../functions/lib/ports.ts";
import { stackPorts } from "../functions/lib/stack-ports.ts";
import { type LocalStack, seedExamples } from "../local/stack.ts";
import { EXAMPLES } from "../tests/helpers/bundles.ts";
import { composeProcess } from "../tests/helpers/compose-process.ts";

export type Services = ReturnType<typeof composeProcess>;

/**
 * Ingests an upload the bench has PUT at `key` (its S3 ETag as returned), as the stack's queue
 * would deliver it, and fails unless it was published: the benches time published articles only.
 */
export async function ingestPublished(
	services: Services,
	upload: { key: string; body: Uint8Array; eTag: string | undefined },
): Promise<void> {
	const result = await services.ingestUpload({
		key: upload.key,
		size: upload.body.byteLength,
		eTag: upload.eTag?.replaceAll('"', "") ?? "",
		// Every article its own key: the sequencer orders uploads at one key only.
		sequencer: "1000",
		eventTime: new Date().toISOString(),
	});
	if (result?.report.status !== "published") {
		throw new Error(`${upload.key} was not published: ${JSON.stringify(result?.report)}`);
	}
}

/** What storing a first upload's plan commits, without the upload record a seed has no use for. */
export function firstUploadCommit(plan: ArticlePlan): ArticleCommit {
	return {
		article: {
			next: plan.next,
			expectedRevision: null,
			newVersion: true,
			...(plan.event ? { event: plan.event } : {}),
			feedPuts: plan.feedPuts,
			feedDeletes: plan.feedDeletes,
		},
	};
}

/**
 * A new table beside the stack's, holding the example partners and agreements, with every
 * use case wired on it, publishing to the stack's site bucket (the stack's edge serves it).
 * `ingestBucket` is where its uploads and content are kept: the stack's by default.
 */
export async function freshTable(
	stack: LocalStack,
	name: string,
	ingestBucket = stack.endpoints.ingestBucket,
): Promise<{ tableName: string; services: Services }> {
	const tableName = `${name}-${randomUUID().slice(0, 8)}`;
	await stack.dynamodb.send(new CreateTableCommand(tableDefinition(tableName)));
	await waitUntilTableExists({ client: stack.dynamodb, maxWaitTime: 30 }, { TableName: tableName });
	await seedExamples(stack.dynamodb, tableName, EXAMPLES);
	const deployment = {
		s3: stack.s3,
		dynamodb: stack.dynamodb,
		tableName,
		ingestBucket,
		siteBucket: stack.endpoints.siteBucket,
		siteUrl: stack.endpoints.edgeUrl,
		owner: `bench-${randomUUID()}`,
	};
	const services = composeProcess(stackPorts(deployment), useCaseOptions(deployment));
	return { tableName, services };
}
