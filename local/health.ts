import { ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { HeadBucketCommand } from "@aws-sdk/client-s3";
import { dynamoDbClient, s3Client } from "#shared/adapters/aws/clients.ts";

export interface HealthProbe {
	/** Names the first dependency that does not answer, or `undefined` when all do. */
	check(): Promise<string | undefined>;
	close(): void;
}

/**
 * Asks DynamoDB Local (ListTables) and s3rver (HeadBucket) whether they answer, each with a
 * short deadline and no SDK retries, so a probe never takes long.
 */
export function makeHealthProbe(options: {
	dynamodbEndpoint: string;
	s3Endpoint: string;
	bucket: string;
	region: string;
	credentials: { accessKeyId: string; secretAccessKey: string };
	timeoutMs?: number;
}): HealthProbe {
	const common = { region: options.region, credentials: options.credentials, maxAttempts: 1 };
	const dynamodb = dynamoDbClient("local", { ...common, endpoint: options.dynamodbEndpoint });
	const s3 = s3Client("local", { ...common, endpoint: options.s3Endpoint, forcePathStyle: true });
	const timeoutMs = options.timeoutMs ?? 1000;
	const answers = (send: (signal: AbortSignal) => Promise<unknown>) =>
		send(AbortSignal.timeout(timeoutMs)).then(
			() => true,
			() => false,
		);
	return {
		async check() {
			const [dynamodbUp, s3Up] = await Promise.all([
				answers((abortSignal) =>
					dynamodb.send(new ListTablesCommand({ Limit: 1 }), { abortSignal }),
				),
				answers((abortSignal) =>
					s3.send(new HeadBucketCommand({ Bucket: options.bucket }), { abortSignal }),
				),
			]);
			if (!dynamodbUp) return "DynamoDB Local";
			if (!s3Up) return "S3 (s3rver)";
			return undefined;
		},
		close() {
			dynamodb.destroy();
			s3.destroy();
		},
	};
}
