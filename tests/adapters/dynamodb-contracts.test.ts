import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateBucketCommand, type S3Client } from "@aws-sdk/client-s3";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import S3rver from "s3rver";
import { afterAll, beforeAll } from "vitest";
import { DynamoDbAgreementChanges } from "#shared/adapters/dynamodb/dynamodb-agreement-changes.ts";
import { DynamoDbAgreementStore } from "#shared/adapters/dynamodb/dynamodb-agreement-store.ts";
import { DynamoDbArticleStore } from "#shared/adapters/dynamodb/dynamodb-article-store.ts";
import { DynamoDbFeedStore } from "#shared/adapters/dynamodb/dynamodb-feed-store.ts";
import { DynamoDbPublishLedger } from "#shared/adapters/dynamodb/dynamodb-publish-ledger.ts";
import { DynamoDbUploadStore } from "#shared/adapters/dynamodb/dynamodb-upload-store.ts";
import { DynamoDbViewStore } from "#shared/adapters/dynamodb/dynamodb-view-store.ts";
import { S3ObjectStore } from "#shared/adapters/s3/s3-object-store.ts";
import { localDynamoDbClient, localS3Client } from "../../local/stack.ts";
import {
	describeAgreementChangeStoreContract,
	describeAgreementStoreContract,
} from "../contracts/agreement-store.contract.ts";
import { describeArticleStoreContract } from "../contracts/article-store.contract.ts";
import { describeFeedStoreContract } from "../contracts/feed-store.contract.ts";
import { describeObjectStoreContract } from "../contracts/object-store.contract.ts";
import { describePublishLedgerContract } from "../contracts/publish-ledger.contract.ts";
import { describeUploadStoreContract } from "../contracts/upload-store.contract.ts";
import { describeViewStoreContract } from "../contracts/view-store.contract.ts";
import { startTestDynamoDb, type TestTable } from "../helpers/dynamodb.ts";

let db: TestTable;
// A second client on the same server whose queries return two items a page, so every
// listing is seen to follow the pages to the end.
let paged: DynamoDBDocumentClient;
let s3rver: S3rver;
let s3: S3Client;
let s3Dir: string;
let buckets = 0;

beforeAll(async () => {
	s3Dir = await mkdtemp(join(tmpdir(), "s3-contracts-"));
	s3rver = new S3rver({ address: "127.0.0.1", port: 0, silent: true, directory: s3Dir });
	const [table, { port }] = await Promise.all([startTestDynamoDb(), s3rver.run()]);
	db = table;
	paged = localDynamoDbClient(db.server.endpoint);
	paged.middlewareStack.add(
		(next, context) => (args) => {
			const input = args.input as { Limit?: number };
			if (context.commandName === "QueryCommand" && input.Limit === undefined) input.Limit = 2;
			return next(args);
		},
		{ step: "initialize", name: "twoItemPages" },
	);
	s3 = localS3Client(`http://127.0.0.1:${port}`);
});
afterAll(async () => {
	paged?.destroy();
	s3?.destroy();
	await Promise.all([db?.stop(), s3rver?.close()]);
	if (s3Dir) await rm(s3Dir, { recursive: true, force: true });
});

function storesOn(client: () => DynamoDBDocumentClient) {
	return async () => {
		const table = await db.createTable();
		return {
			articles: new DynamoDbArticleStore(client(), table),
			feeds: new DynamoDbFeedStore(client(), table),
			uploads: new DynamoDbUploadStore(client(), table),
			ledger: new DynamoDbPublishLedger(client(), table),
			agreements: new DynamoDbAgreementStore(client(), table),
		};
	};
}

const makeStores = storesOn(() => db.client);

describeArticleStoreContract("DynamoDbArticleStore", makeStores);
describeArticleStoreContract(
	"DynamoDbArticleStore, two items a page",
	storesOn(() => paged),
);
describeFeedStoreContract("DynamoDbFeedStore", makeStores);
describeFeedStoreContract(
	"DynamoDbFeedStore, two items a page",
	storesOn(() => paged),
);
describeUploadStoreContract("DynamoDbUploadStore", makeStores);
describeUploadStoreContract(
	"DynamoDbUploadStore, two items a page",
	storesOn(() => paged),
);
describePublishLedgerContract("DynamoDbPublishLedger", makeStores);
describeAgreementStoreContract(
	"DynamoDbAgreementStore",
	async () => new DynamoDbAgreementStore(db.client, await db.createTable()),
);
describeAgreementStoreContract(
	"DynamoDbAgreementStore, two items a page",
	async () => new DynamoDbAgreementStore(paged, await db.createTable()),
);
describeAgreementChangeStoreContract("DynamoDbAgreementChanges, two items a page", async () => {
	const table = await db.createTable();
	return {
		agreements: new DynamoDbAgreementStore(db.client, table),
		changes: new DynamoDbAgreementChanges(paged, table),
	};
});
describeViewStoreContract("DynamoDbViewStore", async () => {
	const table = await db.createTable();
	return {
		views: new DynamoDbViewStore(db.client, table),
		ledger: new DynamoDbPublishLedger(db.client, table),
	};
});
describeViewStoreContract("DynamoDbViewStore, two items a page", async () => {
	const table = await db.createTable();
	return {
		views: new DynamoDbViewStore(paged, table),
		ledger: new DynamoDbPublishLedger(paged, table),
	};
});
describeObjectStoreContract("S3ObjectStore on s3rver", async () => {
	const bucket = `contract-${++buckets}`;
	await s3.send(new CreateBucketCommand({ Bucket: bucket }));
	return new S3ObjectStore(s3, bucket);
});
