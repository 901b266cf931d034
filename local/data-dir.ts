import { join } from "node:path";

/** Where the local stack keeps each kind of state under its data folder (`.data/`). */
export function dataPaths(dataDir: string) {
	return {
		/** How scripts and the CLI find a running stack. */
		endpoints: join(dataDir, "endpoints.json"),
		s3: join(dataDir, "s3"),
		dynamodb: join(dataDir, "dynamodb"),
		/** S3 notifications waiting for ingest, one JSON file per message. */
		queue: join(dataDir, "queue"),
		/** Messages that failed `maxReceiveCount` receives. */
		deadLetters: join(dataDir, "dlq"),
		/** Every version of every upload under `incoming/` of the ingest bucket. */
		versions: join(dataDir, "versions"),
		/** The DynamoDB Local process this data folder's stack started. */
		dynamodbPid: join(dataDir, "dynamodb.pid"),
		/** The `npm start` process that runs on this data folder. */
		stackPid: join(dataDir, "stack.pid"),
	};
}
