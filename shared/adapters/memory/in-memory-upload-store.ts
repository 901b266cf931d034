import type { UploadRecord, UploadStore } from "../../ports.ts";
import { compareKeys, copyIn, copyOut, type InMemoryTables } from "./in-memory-tables.ts";

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
		const { newestUploads } = this.tables;
		const newest = newestUploads.get(record.key);
		// Only a later upload takes the key over; the same one may mark itself again, so a
		// redelivered event converges to the same answer.
		if (
			!newest ||
			newest.order < record.order ||
			(newest.order === record.order && newest.uploadId === record.uploadId)
		) {
			newestUploads.set(record.key, copyIn(record));
			return copyOut(record);
		}
		return copyOut(newest);
	}

	async getNewest(key: string): Promise<UploadRecord | undefined> {
		const newest = this.tables.newestUploads.get(key);
		return newest && copyOut(newest);
	}
}
