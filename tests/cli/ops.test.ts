import { rename } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStack } from "../../cli/context.ts";
import { dataPaths } from "../../local/data-dir.ts";
import { encodeS3EventKey } from "../../local/s3-key.ts";
import { type LocalStack, startEphemeralStack } from "../../local/stack.ts";
import { LocalVersionStore, type UploadVersion } from "../../local/version-store.ts";
import { makeBundle, makeManifest } from "../helpers/bundles.ts";
import { upload } from "../helpers/stack.ts";
import { expectOk, expectRefused, syndicate } from "./spawn-cli.ts";

let stack: LocalStack;
let versions: LocalVersionStore;

beforeAll(async () => {
	stack = await startEphemeralStack();
	versions = new LocalVersionStore(dataPaths(stack.endpoints.dataDir).versions);
	await versions.open();
});
afterAll(async () => {
	await stack?.stop();
});

const run = (...args: string[]) => syndicate(stack.endpoints.dataDir, args);
const ok = async (...args: string[]) => expectOk(await run(...args));
const okJson = async (...args: string[]) => JSON.parse(await ok(...args, "--json"));
const refused = async (...args: string[]) => expectRefused(await run(...args));
const edgeStatus = async (path: string) =>
	(await fetch(`${stack.endpoints.edgeUrl}${path}`)).status;

function bundleOf(articleId: string): Uint8Array {
	return makeBundle({ manifest: makeManifest({ id: articleId, headline: `About ${articleId}` }) });
}

/** The notification the local S3 sends for a version (local/versioned-uploads.ts). */
function notificationOf(version: UploadVersion): string {
	return JSON.stringify({
		Records: [
			{
				eventVersion: "2.1",
				eventSource: "aws:s3",
				eventTime: version.lastModified,
				eventName: "ObjectCreated:Put",
				s3: {
					bucket: { name: stack.endpoints.ingestBucket },
					object: {
						key: encodeS3EventKey(version.key),
						size: version.size,
						eTag: version.eTag,
						versionId: version.versionId,
						sequencer: version.sequencer,
					},
				},
			},
		],
	});
}

describe("npm run syndicate -- dlq, status and uploads reprocess, on the local stack", () => {
	/**
	 * A stored version that ingest cannot read (as when a bucket policy or KMS key denies it in
	 * AWS), ingested until it is dead-lettered: its metadata is moved aside, so the local S3
	 * answers NoSuchVersion. Moving `metadata` back makes it readable again.
	 */
	async function deadLettered(key: string, articleId: string) {
		const version = await versions.put(key, bundleOf(articleId), "application/zip", new Date());
		const metadata = join(versions.folder, `${version.versionId}.json`);
		await rename(metadata, `${metadata}.aside`);
		await stack.queue.send(notificationOf(version));
		await stack.idle();
		return { version, metadata };
	}

	it("lists an upload that dead-lettered with why, redrives it once fixed, and it is published", async () => {
		const key = "incoming/science-news/ops/poisoned upload+1.zip";
		const { version, metadata } = await deadLettered(key, "2024-ops-poisoned");

		const [row, ...others] = await okJson("dlq", "list");
		expect(others).toEqual([]);
		expect(row).toMatchObject({
			bucket: stack.endpoints.ingestBucket,
			key,
			versionId: version.versionId,
			receiveCount: 3,
			failures: 3,
			lastError: expect.stringContaining("NoSuchVersion"),
			reportStatus: null,
		});
		expect(Date.parse(row.firstFailedAt)).toBeLessThanOrEqual(Date.parse(row.lastFailedAt));
		expect(row.messageId).toEqual(expect.any(String));
		const table = await ok("dlq", "list");
		expect(table).toContain(key);
		expect(table).toContain("NoSuchVersion");

		const before = await okJson("status");
		expect(before).toMatchObject({
			stack: "the local stack",
			ingestQueue: { waiting: 0 },
			deadLetterQueue: { waiting: 1 },
			lastSweep: { at: expect.any(String), targets: expect.any(Number) },
		});
		expect(await ok("status")).toContain("dlq list");

		// The cause fixed, the message goes back; the stack delivers it and ingest publishes.
		await rename(`${metadata}.aside`, metadata);
		expect(await ok("dlq", "redrive", row.messageId)).toContain("moved 1 message(s)");
		await stack.idle();

		expect(await okJson("uploads", "show", key)).toMatchObject([
			{ uploadId: version.versionId, report: { status: "published", bundle: key } },
		]);
		expect(await edgeStatus("/en/articles/science-news/2024-ops-poisoned")).toBe(200);
		expect(await okJson("dlq", "list")).toEqual([]);
		const after = await okJson("status");
		expect(after).toMatchObject({
			deadLetterQueue: { waiting: 0 },
			ingestQueue: { waiting: 0 },
			pendingChanges: { count: 0, more: false, ids: [] },
			lastPublish: { at: expect.any(String), targets: expect.any(Number) },
		});
		expect(Date.parse(after.lastPublish.at)).toBeGreaterThan(Date.parse(row.lastFailedAt));
		expect(after.dirtyTargets.ids).toHaveLength(after.dirtyTargets.count);

		// The schedule runs (at least once, and again while anything is left), and notes it ran.
		const ctx = await openStack({ data: stack.endpoints.dataDir });
		try {
			for (let run = 0; run < 3 && (run === 0 || (await ctx.ledger.listDirty(1)).length > 0); run++)
				await ctx.scheduledSweep();
		} finally {
			ctx.destroy();
		}
		const swept = await okJson("status");
		expect(swept.dirtyTargets).toEqual({ count: 0, more: false, ids: [] });
		expect(Date.parse(swept.lastSweep.at)).toBeGreaterThan(Date.parse(before.lastSweep.at));
		// Redriving it again finds nothing to move: one line, non-zero exit.
		expect(await refused("dlq", "redrive", row.messageId)).toContain("no dead letter");
		expect(await ok("dlq", "redrive", "--all")).toContain("no dead letters");
	}, 180_000);

	it("discards a dead letter that can never succeed: gone from status, its upload still stored, the discard in dlq history", async () => {
		const key = "incoming/science-news/ops/never.zip";
		const { version, metadata } = await deadLettered(key, "2024-ops-never");
		const [row] = await okJson("dlq", "list");
		expect(row).toMatchObject({ key });

		expect(await refused("dlq", "discard", row.messageId)).toContain("--reason");
		expect(await ok("dlq", "history")).toContain("no dead letter was discarded");
		const before = new Date().toISOString();
		const out = await ok(
			"dlq",
			"discard",
			row.messageId,
			"--reason",
			"a test upload",
			"--by",
			"ops-test",
		);
		expect(out).toContain("discarded 1 dead letter(s)");
		expect(out).toContain(`uploads reprocess ${key}`);
		expect(await okJson("dlq", "list")).toEqual([]);
		expect(await okJson("status")).toMatchObject({ deadLetterQueue: { waiting: 0 } });
		// Who discarded what and why, after SQS has forgotten the message.
		const [discard, ...others] = await okJson("dlq", "history");
		expect(others).toEqual([]);
		expect(discard).toEqual({
			messageId: row.messageId,
			keys: [key],
			reason: "a test upload",
			by: "ops-test",
			at: expect.any(String),
		});
		expect(discard.at >= before).toBe(true);
		const table = await ok("dlq", "history");
		for (const text of [row.messageId, key, "a test upload", "ops-test", discard.at]) {
			expect(table).toContain(text);
		}
		expect(await refused("dlq", "discard", row.messageId, "--reason", "again")).toContain(
			"no dead letter",
		);
		// Nothing is lost: the upload stays stored, and a reprocess later ingests it after all.
		await rename(`${metadata}.aside`, metadata);
		await ok("uploads", "reprocess", key);
		await stack.idle();
		expect(await okJson("uploads", "show", key)).toMatchObject([
			{ uploadId: version.versionId, report: { status: "published" } },
		]);
	}, 180_000);

	it("reprocesses the newest upload at a key, idempotently, including one whose notification was lost", async () => {
		const key = "incoming/science-news/ops/reprocessed.zip";
		await upload(stack, key, bundleOf("2024-ops-reprocessed"));
		const [first] = await okJson("uploads", "show", key);
		const again = await okJson("uploads", "reprocess", key);
		expect(again).toMatchObject({ key, versionId: first.uploadId, status: "published" });
		expect(await ok("uploads", "reprocess", key)).toContain("published");
		expect(await okJson("uploads", "show", key)).toHaveLength(1);

		// Stored, but its notification never arrived: reprocess ingests it now, once.
		const lost = "incoming/science-news/ops/lost-notification.zip";
		const version = await versions.put(
			lost,
			bundleOf("2024-ops-lost"),
			"application/zip",
			new Date(),
		);
		expect(await okJson("uploads", "reprocess", lost)).toMatchObject({
			versionId: version.versionId,
			status: "published",
		});
		await okJson("uploads", "reprocess", lost);
		expect(await okJson("uploads", "show", lost)).toMatchObject([
			{ uploadId: version.versionId, report: { status: "published" } },
		]);
		expect(await edgeStatus("/en/articles/science-news/2024-ops-lost")).toBe(200);
	}, 180_000);

	it("times a revocation's takedown, in its line and in --json, since the CLI writes no metrics", async () => {
		const grant = () =>
			ok(
				"agreements",
				"grant",
				"ops-revoked",
				"--partner",
				"science-news",
				"--holder",
				"The Science News Ltd.",
				"--translator",
				"JST",
				"--languages",
				"en",
				"--reason",
				"ops test",
			);
		await grant();
		const rights = { ...(makeManifest().rights as object), agreement: "ops-revoked" };
		await upload(
			stack,
			"incoming/science-news/ops/revoked.zip",
			makeBundle({ manifest: makeManifest({ id: "2024-ops-revoked", rights }) }),
		);
		const page = "/en/articles/science-news/2024-ops-revoked";
		expect(await edgeStatus(page)).toBe(200);

		const revoked = await okJson("agreements", "revoke", "ops-revoked", "--reason", "ended");
		expect(revoked).toMatchObject({
			change: { action: "revoke", reason: "ended" },
			agreement: { agreementId: "ops-revoked", status: "revoked" },
			reevaluated: {
				articles: 1,
				changed: 1,
				takenDown: [{ partnerId: "science-news", articleId: "2024-ops-revoked", language: "en" }],
			},
		});
		const [down] = revoked.reevaluated.takenDown;
		expect(Date.parse(down.since)).toBeGreaterThanOrEqual(Date.parse(revoked.change.at));
		expect(down.latencyMs).toBe(Date.parse(down.publishedAt) - Date.parse(down.since));
		expect(await edgeStatus(page)).toBe(410);

		await grant();
		expect(await edgeStatus(page)).toBe(200);
		expect(await ok("agreements", "revoke", "ops-revoked", "--reason", "again")).toMatch(
			/^revoked ops-revoked of science-news; re-evaluated 1 article \(1 changed, \d+ publish targets\); took 1 article down in \d+ ms\n$/,
		);
	}, 180_000);

	it("refuses bad input with one line", async () => {
		expect(await refused("dlq", "redrive")).toContain("--all");
		expect(await refused("dlq", "redrive", "--all", "some-id")).toContain("not both");
		expect(await refused("dlq", "redrive", "no-such-message")).toContain(
			"no dead letter no-such-message",
		);
		expect(await refused("uploads", "reprocess", "incoming/science-news/none.zip")).toContain(
			"no upload is stored",
		);
		expect(await refused("uploads", "reprocess", "reports/x.zip.json")).toContain(
			"not an upload key",
		);
		expect(await refused("status", "--data", "/nonexistent")).toContain("no local stack");
		expect(await refused("status", "--stage", "dev", "--table", "t")).toContain("not both");
		expect(await refused("status", "--stage", "no stage!")).toContain("not a stage name");
		expect(
			await refused(
				"dlq",
				"list",
				"--table",
				"t",
				"--ingest-bucket",
				"i",
				"--site-bucket",
				"s",
				"--site-url",
				"https://example.org",
			),
		).toContain("--dead-letter-queue-url");
	}, 180_000);

	it("says in one line that --stage needs AWS credentials, without calling AWS", async () => {
		const env: NodeJS.ProcessEnv = {
			PATH: process.env.PATH,
			HOME: stack.endpoints.dataDir,
			AWS_REGION: "eu-west-1",
			AWS_CONFIG_FILE: join(stack.endpoints.dataDir, "no-aws-config"),
			AWS_SHARED_CREDENTIALS_FILE: join(stack.endpoints.dataDir, "no-aws-credentials"),
			// No instance metadata service here: the SDK must not wait for one.
			AWS_EC2_METADATA_DISABLED: "true",
		};
		for (const args of [["status"], ["dlq", "list"], ["articles", "list"]]) {
			const line = expectRefused(
				await syndicate(stack.endpoints.dataDir, [...args, "--stage", "dev"], env),
			);
			expect(line).toMatch(/^syndicate: no AWS credentials for read stack Syndicate-dev-Data/);
		}
	}, 180_000);
});
