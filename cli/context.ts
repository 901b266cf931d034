import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import { userInfo } from "node:os";
import { join, resolve } from "node:path";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { Command } from "commander";
import { wireServices } from "../functions/lib/wire.ts";
import type { Endpoints } from "../local/stack.ts";

/** A mistake in what the operator typed or asked for: printed as one line, exit code 1. */
export class CliError extends Error {
	constructor(message: string) {
		super(message);
		this.name = "CliError";
	}
}

/** The options every command that reaches a stack accepts. */
export interface StackOptions {
	data: string;
	table?: string;
	ingestBucket?: string;
	siteBucket?: string;
	siteUrl?: string;
	by?: string;
}

/** Adds the options that choose the stack: the local one by default, or a deployed one. */
export function withStackOptions(command: Command): Command {
	return command
		.option("--data <dir>", "the local stack's data folder", ".data")
		.option("--table <name>", "a deployed stack's DynamoDB table (AWS credentials as usual)")
		.option("--ingest-bucket <name>", "a deployed stack's ingest bucket")
		.option("--site-bucket <name>", "a deployed stack's site bucket")
		.option("--site-url <url>", "a deployed stack's public site URL");
}

/** How to reach one stack, and its use cases wired as in Lambda. */
export type CliContext = ReturnType<typeof wireServices> & {
	/** The local stack's endpoints, when the CLI talks to the local stack. */
	local?: { dataDir: string; endpoints: Endpoints };
	tableName: string;
	dynamodb: DynamoDBDocumentClient;
	s3: S3Client;
	destroy(): void;
};

async function readEndpoints(dataDir: string): Promise<Endpoints> {
	const file = join(dataDir, "endpoints.json");
	try {
		return JSON.parse(await readFile(file, "utf8")) as Endpoints;
	} catch {
		throw new CliError(
			`no local stack found (${file} is missing): run npm start, or name a deployed stack with --table, --ingest-bucket, --site-bucket and --site-url`,
		);
	}
}

/** Opens the stack the options name: `--table` and friends for AWS, else `.data/endpoints.json`. */
export async function openStack(options: StackOptions): Promise<CliContext> {
	if (options.table) {
		const { table, ingestBucket, siteBucket, siteUrl } = options;
		if (!ingestBucket || !siteBucket || !siteUrl) {
			throw new CliError("with --table, also give --ingest-bucket, --site-bucket and --site-url");
		}
		const s3 = new S3Client({});
		const dynamodb = DynamoDBDocumentClient.from(new DynamoDBClient({}), {
			marshallOptions: { removeUndefinedValues: true },
		});
		const services = wireServices({
			s3,
			dynamodb,
			tableName: table,
			ingestBucket,
			siteBucket,
			siteUrl,
			owner: `cli/${randomUUID()}`,
		});
		return {
			...services,
			tableName: table,
			s3,
			dynamodb,
			destroy: () => {
				s3.destroy();
				dynamodb.destroy();
			},
		};
	}
	const dataDir = resolve(options.data);
	const endpoints = await readEndpoints(dataDir);
	const credentials = {
		accessKeyId: endpoints.accessKeyId,
		secretAccessKey: endpoints.secretAccessKey,
	};
	const s3 = new S3Client({
		endpoint: endpoints.s3Endpoint,
		region: endpoints.region,
		credentials,
		forcePathStyle: true,
		requestChecksumCalculation: "WHEN_REQUIRED",
		responseChecksumValidation: "WHEN_REQUIRED",
	});
	const dynamodb = DynamoDBDocumentClient.from(
		new DynamoDBClient({
			endpoint: endpoints.dynamodbEndpoint,
			region: endpoints.region,
			credentials,
		}),
		{ marshallOptions: { removeUndefinedValues: true } },
	);
	const services = wireServices({
		s3,
		dynamodb,
		tableName: endpoints.table,
		ingestBucket: endpoints.ingestBucket,
		siteBucket: endpoints.siteBucket,
		siteUrl: endpoints.edgeUrl,
		owner: `cli/${randomUUID()}`,
	});
	return {
		...services,
		local: { dataDir, endpoints },
		tableName: endpoints.table,
		s3,
		dynamodb,
		destroy: () => {
			s3.destroy();
			dynamodb.destroy();
		},
	};
}

/** Who is acting, for audit histories: `--by`, else the OS user. */
export function operator(by: string | undefined): string {
	if (by?.trim()) return by.trim();
	try {
		return userInfo().username;
	} catch {
		return "unknown";
	}
}
