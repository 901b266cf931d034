import type {
	DeadLetterDiscard,
	HealthStore,
	IngestFailure,
	PipelineHealth,
} from "../../ports/uploads.ts";

/** The health notes in memory, with the DynamoDB adapter's rules (the newest run wins). */
export class InMemoryHealthStore implements HealthStore {
	private readonly health: PipelineHealth = {};
	private readonly failures = new Map<string, IngestFailure>();
	private readonly discards: DeadLetterDiscard[] = [];

	private recordRun(which: keyof PipelineHealth, at: Date, targets: number): void {
		const iso = at.toISOString();
		const stored = this.health[which];
		if (!stored || stored.at <= iso) this.health[which] = { at: iso, targets };
	}

	async recordSweep(at: Date, targets: number): Promise<void> {
		this.recordRun("lastSweep", at, targets);
	}

	async recordPublish(at: Date, targets: number): Promise<void> {
		this.recordRun("lastPublish", at, targets);
	}

	async recordIngestFailure(failure: {
		key: string;
		uploadId: string;
		error: string;
		at: Date;
	}): Promise<void> {
		const id = `${failure.key}\u0000${failure.uploadId}`;
		const at = failure.at.toISOString();
		const stored = this.failures.get(id);
		this.failures.set(id, {
			key: failure.key,
			uploadId: failure.uploadId,
			failures: (stored?.failures ?? 0) + 1,
			firstFailedAt: stored?.firstFailedAt ?? at,
			lastFailedAt: at,
			lastError: failure.error.slice(0, 1000),
		});
	}

	async readHealth(): Promise<PipelineHealth> {
		return structuredClone(this.health);
	}

	async getIngestFailure(key: string, uploadId: string): Promise<IngestFailure | undefined> {
		const stored = this.failures.get(`${key}\u0000${uploadId}`);
		return stored ? { ...stored } : undefined;
	}

	async recordDiscard(discard: DeadLetterDiscard): Promise<void> {
		this.discards.push(structuredClone(discard));
	}

	async listDiscards(limit: number): Promise<DeadLetterDiscard[]> {
		// Newest first, as the DynamoDB adapter's sort key orders them (time, then message id).
		const newest = [...this.discards].sort((a, b) =>
			a.at === b.at ? b.messageId.localeCompare(a.messageId) : a.at < b.at ? 1 : -1,
		);
		return structuredClone(newest.slice(0, limit));
	}
}
