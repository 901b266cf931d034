import { CloudFrontClient, type CloudFrontClientConfig } from "@aws-sdk/client-cloudfront";
import { DynamoDBClient, type DynamoDBClientConfig } from "@aws-sdk/client-dynamodb";
import { S3Client, type S3ClientConfig } from "@aws-sdk/client-s3";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { type Caller, recordCalls } from "./record-calls.ts";

// Every SDK client of the functions, the CLI and the local stack is made here (the CLI's SQS
// and CloudFormation ones in ops-clients.ts, which no function loads), so recording sees all.

export function s3Client(caller: Caller, config: S3ClientConfig = {}): S3Client {
	const client = new S3Client(config);
	recordCalls(client, caller, "s3");
	return client;
}

/** A document client (plain JavaScript values in and out), attributes left undefined dropped. */
export function dynamoDbClient(
	caller: Caller,
	config: DynamoDBClientConfig = {},
): DynamoDBDocumentClient {
	const base = new DynamoDBClient(config);
	recordCalls(base, caller, "dynamodb");
	return DynamoDBDocumentClient.from(base, { marshallOptions: { removeUndefinedValues: true } });
}

export function cloudFrontClient(
	caller: Caller,
	config: CloudFrontClientConfig = {},
): CloudFrontClient {
	const client = new CloudFrontClient(config);
	recordCalls(client, caller, "cloudfront");
	return client;
}
