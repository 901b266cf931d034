import type { UploadRecord, UploadStore } from "../../ports/uploads.ts";
import { compareKeys, copyOut, type InMemoryTables, markNewestIn } from "./in-memory-tables.ts";

/**
 * Upload records in memory: the records commits wrote on the same {@link InMemoryTables},
 * and which one is newest per key.
 */
export class InMemoryUploadStore implements UploadStore {
	constructor(private readonly tables: InMemoryTables) {}

	async getUpload(key: string, uploadId: string): Promise<UploadRecord | undefined> {
		const record = this.tables.uploads.get(key)?.get(uploadId);
		return record && copyOut(record);
	}

	async listUploads(key: string): Promise<UploadRecord[]> {
		const records = [...(this.tables.uploads.get(key)?.values() ?? [])];
		return records
			.sort(
				(a, b) =>
					compareKeys(a.order, b.order) || compareKeys(a.report.receivedAt, b.report.receivedAt),
			)
			.map(copyOut);
	}

	async markNewest(record: UploadRecord): Promise<UploadRecord> {
		markNewestIn(this.tables, record);
		// `record` itself, or the later upload that kept the key.
		return copyOut(this.tables.newestUploads.get(record.key) ?? record);
	}

	async getNewest(key: string): Promise<UploadRecord | undefined> {
		const newest = this.tables.newestUploads.get(key);
		return newest && copyOut(newest);
	}
}
