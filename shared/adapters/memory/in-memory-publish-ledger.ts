import type { PendingChange } from "../../ports/articles.ts";
import type { Claim, PublishLedger, ReleaseResult } from "../../ports/publishing.ts";
import { compareKeys, copyOut, type InMemoryTables, type TargetRow } from "./in-memory-tables.ts";

/**
 * Publish-target revisions and leases in memory, with the DynamoDB adapter's rules: a lease
 * is held by its owner until its end instant, and lost only once someone else has taken it.
 */
export class InMemoryPublishLedger implements PublishLedger {
	constructor(private readonly tables: InMemoryTables) {}

	private row(targetId: string): TargetRow {
		let row = this.tables.targets.get(targetId);
		if (!row) {
			row = { rev: 0, dirty: false };
			this.tables.targets.set(targetId, row);
		}
		return row;
	}

	async request(targetId: string): Promise<void> {
		const row = this.row(targetId);
		row.rev += 1;
		row.dirty = true;
	}

	async claim(targetId: string, owner: string, now: Date, leaseMs: number): Promise<number | null> {
		return (await this.claimTarget(targetId, owner, now, leaseMs))?.rev ?? null;
	}

	private async claimTarget(
		targetId: string,
		owner: string,
		now: Date,
		leaseMs: number,
	): Promise<Claim | null> {
		const row = this.row(targetId);
		const held = row.leaseOwner !== undefined && (row.leaseUntil ?? 0) >= now.getTime();
		if (held) return null;
		// A lease still there has run out: its holder never released it.
		const interrupted = row.leaseOwner !== undefined;
		row.leaseOwner = owner;
		row.leaseUntil = now.getTime() + leaseMs;
		return { rev: row.rev, interrupted };
	}

	async requestAndClaim(
		targetId: string,
		owner: string,
		now: Date,
		leaseMs: number,
	): Promise<Claim | null> {
		await this.request(targetId);
		return this.claimTarget(targetId, owner, now, leaseMs);
	}

	async release(targetId: string, owner: string, rev: number): Promise<ReleaseResult> {
		const row = this.tables.targets.get(targetId);
		if (row?.leaseOwner !== owner) return { state: "lost" };
		if (row.rev !== rev) return { state: "stale", rev: row.rev };
		row.publishedRev = rev;
		row.dirty = false;
		delete row.leaseOwner;
		delete row.leaseUntil;
		return { state: "released" };
	}

	async renew(targetId: string, owner: string, now: Date, leaseMs: number): Promise<boolean> {
		const row = this.tables.targets.get(targetId);
		if (row?.leaseOwner !== owner) return false;
		row.leaseUntil = now.getTime() + leaseMs;
		return true;
	}

	async listDirty(limit: number): Promise<string[]> {
		return [...this.tables.targets.entries()]
			.filter(([, row]) => row.dirty)
			.map(([targetId]) => targetId)
			.sort(compareKeys)
			.slice(0, limit);
	}

	async listPending(limit: number): Promise<PendingChange[]> {
		return [...this.tables.pending.values()]
			.sort((a, b) => compareKeys(a.changeId, b.changeId))
			.slice(0, limit)
			.map(copyOut);
	}

	async settle(changeId: string): Promise<void> {
		this.tables.pending.delete(changeId);
	}

	async requestMany(targetIds: readonly string[]): Promise<void> {
		for (const id of new Set(targetIds)) await this.request(id);
	}

	async claimMany(
		targetIds: readonly string[],
		owner: string,
		now: Date,
		leaseMs: number,
	): Promise<Map<string, Claim>> {
		const claimed = new Map<string, Claim>();
		for (const id of new Set(targetIds)) {
			const claim = await this.claimTarget(id, owner, now, leaseMs);
			if (claim !== null) claimed.set(id, claim);
		}
		return claimed;
	}

	async requestAndClaimMany(
		targetIds: readonly string[],
		owner: string,
		now: Date,
		leaseMs: number,
		settle: readonly string[] = [],
	): Promise<Map<string, Claim>> {
		const claimed = new Map<string, Claim>();
		for (const id of new Set(targetIds)) {
			const claim = await this.requestAndClaim(id, owner, now, leaseMs);
			if (claim !== null) claimed.set(id, claim);
		}
		await this.settleMany(settle);
		return claimed;
	}

	async releaseMany(
		claims: ReadonlyMap<string, number>,
		owner: string,
	): Promise<Map<string, ReleaseResult>> {
		const results = new Map<string, ReleaseResult>();
		for (const [id, rev] of claims) results.set(id, await this.release(id, owner, rev));
		return results;
	}

	async settleMany(changeIds: readonly string[]): Promise<void> {
		for (const id of changeIds) await this.settle(id);
	}

	async yieldMany(targetIds: readonly string[], owner: string): Promise<void> {
		for (const id of targetIds) {
			const row = this.tables.targets.get(id);
			if (row?.leaseOwner !== owner) continue;
			delete row.leaseOwner;
			delete row.leaseUntil;
		}
	}
}
