import { randomUUID } from "node:crypto";
import { parentPort, workerData } from "node:worker_threads";
import { makeManageAgreements } from "#shared/use-cases/manage-agreements.ts";
import { composeCli } from "../cli/compose.ts";
import { useCaseOptions } from "../functions/lib/ports.ts";
import { stackPorts } from "../functions/lib/stack-ports.ts";
import { localDeployment } from "../local/local-ports.ts";
import { type LocalStack, localDynamoDbClient, localS3Client } from "../local/stack.ts";
import { SdkTimeline } from "./sdk-timeline.ts";

/** What the benchmark hands the worker: where the stack is, and which bucket holds the content. */
export interface RevokeWorkerData {
	endpoints: LocalStack["endpoints"];
	ingestBucket: string;
}

/** A revoke the benchmark asks for. */
export interface RevokeRequest {
	agreementId: string;
	by: string;
	reason: string;
}

/** What the worker answers: when the call started and ended (ms since the epoch), and its profile. */
export interface RevokeReply {
	startedAt: number;
	endedAt: number;
	articles: number;
	changed: number;
	profile: string[];
}

// The revoke runs here, in a thread of its own, as `agreements revoke` runs in a process of
// its own: the edge the benchmark watches (in the main thread) answers as fast as it can.
const data = workerData as RevokeWorkerData;
const timeline = new SdkTimeline();
const s3 = localS3Client(data.endpoints.s3Endpoint);
const dynamodb = localDynamoDbClient(data.endpoints.dynamodbEndpoint);
timeline.instrument(s3, "S3");
timeline.instrument(dynamodb, "DynamoDB");
const deployment = {
	...localDeployment(data.endpoints, { s3, dynamodb }, `bench-revoke-${randomUUID()}`),
	ingestBucket: data.ingestBucket,
};
const ports = stackPorts(deployment);
// As the CLI's agreement commands compose it.
const cli = composeCli(ports, useCaseOptions(deployment));
const manage = makeManageAgreements({
	agreements: ports.agreements,
	changes: ports.agreementChanges,
	reevaluate: cli.reevaluateAgreement,
	clock: cli.clock,
});
const epochNow = () => performance.timeOrigin + performance.now();

parentPort?.on("message", async (request: RevokeRequest | "stop") => {
	if (request === "stop") {
		s3.destroy();
		dynamodb.destroy();
		parentPort?.close();
		return;
	}
	timeline.reset();
	const start = performance.now();
	const startedAt = epochNow();
	const result = await manage.revokeAgreement(request.agreementId, request);
	const end = performance.now();
	const reply: RevokeReply = {
		startedAt,
		endedAt: epochNow(),
		articles: result.reevaluated.articles,
		changed: result.reevaluated.changed,
		profile: timeline.report(start, end),
	};
	parentPort?.postMessage(reply);
});
