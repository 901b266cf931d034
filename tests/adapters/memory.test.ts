import { describe, expect, it } from "vitest";
import { InMemoryAgreementStore } from "#shared/adapters/memory/in-memory-agreement-store.ts";
import {
	InMemoryArticleStore,
	InMemoryFeedStore,
} from "#shared/adapters/memory/in-memory-article-store.ts";
import { InMemoryObjectStore } from "#shared/adapters/memory/in-memory-object-store.ts";
import { InMemoryPublishLedger } from "#shared/adapters/memory/in-memory-publish-ledger.ts";
import { InMemoryTables } from "#shared/adapters/memory/in-memory-tables.ts";
import { InMemoryUploadStore } from "#shared/adapters/memory/in-memory-upload-store.ts";
import { InMemoryViewStore } from "#shared/adapters/memory/in-memory-view-store.ts";
import { UnstorableError } from "#shared/domain/store-errors.ts";
import {
	describeAgreementChangeStoreContract,
	describeAgreementStoreContract,
} from "../contracts/agreement-store.contract.ts";
import { describeArticleStoreContract } from "../contracts/article-store.contract.ts";
import { describeFeedStoreContract } from "../contracts/feed-store.contract.ts";
import { articleChange, makeUpload } from "../contracts/fixtures.ts";
import { describeObjectStoreContract } from "../contracts/object-store.contract.ts";
import { describePublishLedgerContract } from "../contracts/publish-ledger.contract.ts";
import { describeUploadStoreContract } from "../contracts/upload-store.contract.ts";
import { describeViewStoreContract } from "../contracts/view-store.contract.ts";
import { makeArticle } from "../helpers/articles.ts";

/** Every store on one fresh set of tables, as the DynamoDB adapters share one table. */
async function makeStores() {
	const tables = new InMemoryTables();
	return {
		articles: new InMemoryArticleStore(tables),
		feeds: new InMemoryFeedStore(tables),
		uploads: new InMemoryUploadStore(tables),
		ledger: new InMemoryPublishLedger(tables),
		agreements: new InMemoryAgreementStore(tables),
	};
}

describeObjectStoreContract("InMemoryObjectStore", async () => new InMemoryObjectStore());
describeArticleStoreContract("InMemoryArticleStore", makeStores);
describeFeedStoreContract("InMemoryFeedStore", makeStores);
describeUploadStoreContract("InMemoryUploadStore", makeStores);
describePublishLedgerContract("InMemoryPublishLedger", makeStores);
describeViewStoreContract("InMemoryViewStore", async () => {
	const tables = new InMemoryTables();
	return { views: new InMemoryViewStore(tables), ledger: new InMemoryPublishLedger(tables) };
});
describeAgreementStoreContract("InMemoryAgreementStore", async () => {
	return new InMemoryAgreementStore(new InMemoryTables());
});
describeAgreementChangeStoreContract("InMemoryAgreementStore", async () => {
	const store = new InMemoryAgreementStore(new InMemoryTables());
	return { agreements: store, changes: store };
});

describe("InMemoryArticleStore", () => {
	it("refuses data no store could keep with an UnstorableError, committing nothing", async () => {
		const tables = new InMemoryTables();
		const store = new InMemoryArticleStore(tables);
		const odd = makeArticle({ byline: (() => "x") as unknown as string });
		await expect(
			store.commitArticleChange({ upload: makeUpload("u1"), article: articleChange(odd) }),
		).rejects.toBeInstanceOf(UnstorableError);
		expect(await store.getArticle(odd)).toBeUndefined();
		expect(tables.uploads.size).toBe(0);
	});
});

describe("InMemoryObjectStore", () => {
	it("keeps every version readable by id, as the versioned ingest bucket does", async () => {
		const store = new InMemoryObjectStore();
		await store.put("incoming/p/a.zip", "first", { contentType: "application/zip" });
		const first = store.head("incoming/p/a.zip");
		await store.put("incoming/p/a.zip", "second");
		await store.delete("incoming/p/a.zip");
		expect(await store.get("incoming/p/a.zip")).toBeUndefined();
		expect(first).toMatchObject({ size: 5, contentType: "application/zip" });
		const old = await store.get("incoming/p/a.zip", { versionId: first?.versionId ?? "" });
		expect(old && "bytes" in old && new TextDecoder().decode(old.bytes)).toBe("first");
		expect(await store.get("incoming/p/a.zip", { versionId: "no-such-version" })).toBeUndefined();
	});
});
