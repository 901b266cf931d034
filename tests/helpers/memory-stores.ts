import { InMemoryAgreementStore } from "#shared/adapters/memory/in-memory-agreement-store.ts";
import {
	InMemoryArticleStore,
	InMemoryFeedStore,
} from "#shared/adapters/memory/in-memory-article-store.ts";
import { InMemoryObjectStore } from "#shared/adapters/memory/in-memory-object-store.ts";
import { InMemoryPublishLedger } from "#shared/adapters/memory/in-memory-publish-ledger.ts";
import type { InMemoryTables } from "#shared/adapters/memory/in-memory-tables.ts";
import { InMemoryUploadStore } from "#shared/adapters/memory/in-memory-upload-store.ts";
import { makeAgreement } from "./agreements.ts";

/**
 * The pipeline's ports on the in-memory adapters, the table-backed ones all on `tables`: the
 * memory environment, as functions/lib/ports.ts builds AWS's. Nothing seeded.
 */
export function inMemoryPorts(tables: InMemoryTables) {
	return {
		uploads: new InMemoryObjectStore(),
		site: new InMemoryObjectStore(),
		...tableStores(tables),
	};
}

function tableStores(tables: InMemoryTables) {
	const agreements = new InMemoryAgreementStore(tables);
	return {
		articles: new InMemoryArticleStore(tables),
		feeds: new InMemoryFeedStore(tables),
		uploadRecords: new InMemoryUploadStore(tables),
		agreements,
		agreementChanges: agreements,
		ledger: new InMemoryPublishLedger(tables),
	};
}

/**
 * The table-backed stores of the pipeline in memory, all on `tables`, with the demo partner
 * registered and its agreement granted at `grantedAt`.
 */
export async function inMemoryStores(tables: InMemoryTables, grantedAt: Date) {
	const stores = tableStores(tables);
	const { agreements } = stores;
	await agreements.putPartner({ partnerId: "science-news", name: "The Science News" });
	const revision = await agreements.putAgreement(makeAgreement(), {
		at: grantedAt,
		action: "grant",
		by: "test",
		reason: "test",
	});
	// As the grant command leaves it: its articles (none yet) decided.
	await agreements.settleChange(makeAgreement().agreementId, revision);
	return stores;
}
