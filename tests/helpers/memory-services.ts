import { createHash } from "node:crypto";
import { InMemoryAgreementStore } from "#shared/adapters/memory/in-memory-agreement-store.ts";
import {
	InMemoryArticleStore,
	InMemoryFeedStore,
} from "#shared/adapters/memory/in-memory-article-store.ts";
import { InMemoryHealthStore } from "#shared/adapters/memory/in-memory-health-store.ts";
import { InMemoryObjectStore } from "#shared/adapters/memory/in-memory-object-store.ts";
import { InMemoryPublishLedger } from "#shared/adapters/memory/in-memory-publish-ledger.ts";
import { InMemorySiteDigests } from "#shared/adapters/memory/in-memory-site-digests.ts";
import { InMemoryTables } from "#shared/adapters/memory/in-memory-tables.ts";
import { InMemoryUploadStore } from "#shared/adapters/memory/in-memory-upload-store.ts";
import type { PublishDeps } from "#shared/publishing/deps.ts";
import type { IngestDeps, UploadEvent } from "#shared/use-cases/ingest-upload.ts";
import { makeManageAgreements } from "#shared/use-cases/manage-agreements.ts";
import { makeAgreement } from "./agreements.ts";
import { composeProcess } from "./compose-process.ts";
import { inMemoryPorts } from "./memory-stores.ts";

let sequencer = 0x1000;
let processes = 0;

/**
 * One deployment's data in memory (its table, ingest and site buckets), seeded as the local
 * stack seeds `examples/`: the science-news partner and its agreement. `services()` wires the
 * use cases on it as a Lambda does on DynamoDB and S3, so two calls are two processes.
 */
export async function memoryWorld(options: { clock?: () => Date } = {}) {
	const clock = options.clock ?? (() => new Date());
	const tables = new InMemoryTables();
	const uploads = new InMemoryObjectStore();
	const site = new InMemoryObjectStore();
	const health = new InMemoryHealthStore();
	const seeding = new InMemoryAgreementStore(tables);
	await seeding.putPartner({ partnerId: "science-news", name: "The Science News Ltd." });
	const revision = await seeding.putAgreement(makeAgreement(), {
		at: clock(),
		action: "grant",
		by: "local-seed",
		reason: "demo agreement from examples/",
	});
	await seeding.settleChange(makeAgreement().agreementId, revision);

	return {
		tables,
		uploads,
		site,
		/** The use cases of one process, with any dependency replaced (a fault, a slow store). */
		services(overrides: { ingest?: Partial<IngestDeps>; publish?: Partial<PublishDeps> } = {}) {
			const agreements = new InMemoryAgreementStore(tables);
			return composeProcess(
				{
					uploads,
					site,
					articles: new InMemoryArticleStore(tables),
					feeds: new InMemoryFeedStore(tables),
					agreements,
					agreementChanges: agreements,
					uploadRecords: new InMemoryUploadStore(tables),
					ledger: new InMemoryPublishLedger(tables),
					health,
					digests: new InMemorySiteDigests(tables),
				},
				{ siteUrl: "https://site.test", owner: `process-${++processes}`, clock },
				overrides,
			);
		},
		/**
		 * Puts a bundle into the ingest bucket and returns the event S3 would send for it (an MD5
		 * ETag, increasing sequencers), for the test to drive ingest in its own order.
		 */
		async putUpload(key: string, body: Uint8Array): Promise<UploadEvent> {
			await uploads.put(key, body, { contentType: "application/zip" });
			return {
				key,
				size: body.byteLength,
				eTag: createHash("md5").update(body).digest("hex"),
				sequencer: (sequencer++).toString(16).toUpperCase(),
				eventTime: clock().toISOString(),
			};
		},
		/** A site object as text, as the edge would serve it at `/${key}`; undefined if absent. */
		async text(key: string): Promise<string | undefined> {
			const got = await site.get(key);
			return got && "bytes" in got ? new TextDecoder().decode(got.bytes) : undefined;
		},
	};
}

/** The agreement commands over a process's use cases, as the ops CLI composes them. */
export function manageAgreementsOf(
	services: Pick<
		ReturnType<typeof composeProcess>,
		"agreements" | "agreementChanges" | "reevaluateAgreement"
	>,
	clock: () => Date,
) {
	return makeManageAgreements({
		agreements: services.agreements,
		changes: services.agreementChanges,
		reevaluate: services.reevaluateAgreement,
		clock,
	});
}

/** One process's use cases on fresh in-memory tables (no seed), with the agreement commands. */
export function memoryProcess(options: { siteUrl: string; owner: string; clock: () => Date }) {
	const wired = composeProcess(inMemoryPorts(new InMemoryTables()), options);
	return { wired, manage: manageAgreementsOf(wired, options.clock) };
}

/**
 * {@link memoryWorld} with a clock a second further at each reading (so every change has an
 * instant of its own), one process's use cases, and the agreement commands.
 */
export async function tickingWorld(start: string) {
	let now = Date.parse(start);
	const clock = () => {
		now += 1000;
		return new Date(now);
	};
	const world = await memoryWorld({ clock });
	const services = world.services();
	return { world, services, clock, manage: manageAgreementsOf(services, clock) };
}
