import { randomUUID } from "node:crypto";
import type { S3Client } from "@aws-sdk/client-s3";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { PublishDeps } from "#shared/publishing/deps.ts";
import type { IngestDeps } from "#shared/use-cases/ingest-upload.ts";
import { useCaseOptions } from "../../functions/lib/ports.ts";
import { stackPorts } from "../../functions/lib/stack-ports.ts";
import { localDeployment } from "../../local/local-ports.ts";
import type { LocalStack } from "../../local/stack.ts";
import { composeProcess } from "./compose-process.ts";

/**
 * The whole pipeline on a running local stack's servers, composed exactly as in Lambda, with
 * any dependency replaced: the way tests inject a fault, a clock or a slow store.
 */
export function makeServices(
	stack: LocalStack,
	overrides: {
		/** An ingest bucket other than the stack's, whose uploads the stack does not ingest. */
		ingestBucket?: string;
		/** Clients of the caller's own (e.g. counting their calls) instead of the stack's. */
		clients?: { s3: S3Client; dynamodb: DynamoDBDocumentClient };
		clock?: () => Date;
		/** Compressed copies of Atom, JSON Feed and OPML written beside them, as in AWS. */
		compressedVariants?: boolean;
		ingest?: Partial<IngestDeps>;
		publish?: Partial<PublishDeps>;
	} = {},
) {
	const deployment = {
		...localDeployment(stack.endpoints, overrides.clients ?? stack, `test-${randomUUID()}`),
		...(overrides.ingestBucket ? { ingestBucket: overrides.ingestBucket } : {}),
		...(overrides.clock ? { clock: overrides.clock } : {}),
		...(overrides.compressedVariants ? { compressedVariants: true } : {}),
	};
	return composeProcess(stackPorts(deployment), useCaseOptions(deployment), {
		...(overrides.ingest ? { ingest: overrides.ingest } : {}),
		...(overrides.publish ? { publish: overrides.publish } : {}),
	});
}
