import {
	CloudFormationClient,
	type CloudFormationClientConfig,
} from "@aws-sdk/client-cloudformation";
import { SQSClient, type SQSClientConfig } from "@aws-sdk/client-sqs";
import { STSClient, type STSClientConfig } from "@aws-sdk/client-sts";
import { type Caller, recordCalls } from "./record-calls.ts";

// The clients only the ops CLI uses, apart from clients.ts so that no function bundle loads them.

export function sqsClient(caller: Caller, config: SQSClientConfig = {}): SQSClient {
	const client = new SQSClient(config);
	recordCalls(client, caller, "sqs");
	return client;
}

export function cloudFormationClient(
	caller: Caller,
	config: CloudFormationClientConfig = {},
): CloudFormationClient {
	const client = new CloudFormationClient(config);
	recordCalls(client, caller, "cloudformation");
	return client;
}

export function stsClient(caller: Caller, config: STSClientConfig = {}): STSClient {
	const client = new STSClient(config);
	recordCalls(client, caller, "sts");
	return client;
}
