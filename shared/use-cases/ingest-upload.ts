import { createHash } from "node:crypto";
import { decidePermission } from "../domain/agreement.ts";
import { type Article, type ArticleRef, decideStatus } from "../domain/article.ts";
import { readBundleContent } from "../domain/bundle-content.ts";
import { type BundleIssue, BundleRejectedError } from "../domain/errors.ts";
import { bundleLimits, openBundle } from "../domain/read-bundle.ts";
import { parseUploadKey, type Report, reportKey, type UploadLocation } from "../domain/report.ts";
import { UnstorableError } from "../domain/store-errors.ts";
import { feedEntriesFor, targetId, targetsForArticle } from "../domain/targets.ts";
import { uploadIdOf, uploadOrder } from "../domain/upload.ts";
import { decideVersion } from "../domain/versioning.ts";
import type {
	AgreementStore,
	ArticleStore,
	IngestCommit,
	ObjectStore,
	PendingChange,
	UploadRecord,
	UploadStore,
} from "../ports.ts";

/** One object-created event, as the handler hands it over (key already URL-decoded). */
export interface UploadEvent {
	key: string;
	size: number;
	eTag?: string;
	versionId?: string;
	sequencer?: string;
	eventTime: string;
}

export interface IngestDeps {
	/** The ingest bucket: uploads, archive, private content, reports. */
	uploads: ObjectStore;
	articles: ArticleStore;
	uploadRecords: UploadStore;
	agreements: AgreementStore;
	/** Publishes a committed change's targets, then forgets the pending change. */
	publish: (change: PendingChange) => Promise<void>;
	clock: () => Date;
}

export interface IngestResult {
	report: Report;
	reportKey: string;
}

const MAX_ATTEMPTS = 5;

function sha256Hex(bytes: Uint8Array): string {
	return createHash("sha256").update(bytes).digest("hex");
}

function changeIdOf(upload: Pick<UploadRecord, "key" | "uploadId">): string {
	return `upload:${upload.key}#${upload.uploadId}`;
}

function canonicalLanguage(tag: string): string {
	return Intl.getCanonicalLocales(tag)[0] ?? tag;
}

/**
 * Ingests one upload: validates it, records the permission decision, stores the article and
 * its content, writes the report and publishes what changed. Safe to run twice for the same
 * event and concurrently for any events.
 */
export function makeIngestUpload(deps: IngestDeps) {
	const { uploads, articles, uploadRecords, agreements, clock } = deps;

	/**
	 * The report at a key describes the newest upload there (S3 sequencer order), whatever
	 * order the uploads are processed in: an upload writes it only while it is the newest,
	 * and checks again afterwards in case a newer one claimed the key while it wrote.
	 */
	async function writeReport(location: UploadLocation, record: UploadRecord): Promise<void> {
		const key = reportKey(location);
		const put = (report: UploadRecord["report"]) =>
			uploads.put(key, `${JSON.stringify(report, null, 2)}\n`, {
				contentType: "application/json; charset=utf-8",
			});
		if ((await uploadRecords.markNewest(record)).uploadId !== record.uploadId) return;
		await put(record.report);
		const newest = await uploadRecords.markNewest(record);
		if (newest.uploadId !== record.uploadId) await put(newest.report);
	}

	async function finish(location: UploadLocation, record: UploadRecord): Promise<IngestResult> {
		await Promise.all([
			writeReport(location, record),
			record.targets.length > 0
				? deps.publish({ changeId: changeIdOf(record), targets: record.targets })
				: undefined,
		]);
		return { report: record.report, reportKey: reportKey(location) };
	}

	async function evaluate(
		event: UploadEvent,
		location: UploadLocation,
		identity: Pick<UploadRecord, "key" | "uploadId" | "order">,
	): Promise<IngestCommit> {
		const report = (
			status: Report["status"],
			sha256: string | null,
			extra: Partial<Report> = {},
		): Report => ({
			bundle: event.key,
			sha256,
			status,
			...extra,
			errors: extra.errors ?? [],
			receivedAt: event.eventTime,
			processedAt: clock().toISOString(),
		});
		const rejected = (
			sha256: string | null,
			errors: BundleIssue[],
			extra: Partial<Report> = {},
		): IngestCommit => ({
			upload: {
				...identity,
				report: report("rejected", sha256, { ...extra, errors }),
				targets: [],
			},
			feedPuts: [],
			feedDeletes: [],
		});

		// The version the event is about: a quick re-upload to the same key must not be read twice.
		const object = await uploads.get(event.key, {
			maxBytes: bundleLimits.maxCompressedBytes,
			...(event.versionId ? { versionId: event.versionId } : {}),
		});
		if (!object) throw new Error(`upload ${event.key} is gone from the bucket`);
		if ("tooLarge" in object) {
			return rejected(null, [
				{
					code: "TOO_LARGE",
					message: `bundle is ${object.tooLarge} bytes; the limit is ${bundleLimits.maxCompressedBytes}`,
				},
			]);
		}
		const sha256 = sha256Hex(object.bytes);
		// Kept before any decision: whatever happens next, the upload can be re-ingested.
		const archiveKey = `archive/${location.partnerId}/${sha256}.zip`;
		const [partner] = await Promise.all([
			agreements.getPartner(location.partnerId),
			uploads.put(archiveKey, object.bytes, { contentType: "application/zip" }),
		]);
		if (!partner) {
			return rejected(sha256, [
				{ code: "UNKNOWN_PARTNER", message: `partner ${location.partnerId} is not registered` },
			]);
		}
		let content: Awaited<ReturnType<typeof readBundleContent>>;
		try {
			content = await readBundleContent(await openBundle(object.bytes));
		} catch (error) {
			if (error instanceof BundleRejectedError) return rejected(sha256, [...error.issues]);
			throw error;
		}
		const { manifest } = content;
		const ref: ArticleRef = {
			partnerId: location.partnerId,
			articleId: manifest.id,
			language: canonicalLanguage(manifest.language),
		};
		const about = {
			articleId: ref.articleId,
			version: manifest.version,
			language: ref.language,
		};
		const [current, agreement] = await Promise.all([
			articles.getArticle(ref),
			agreements.getAgreement(manifest.rights.agreement),
		]);
		const versioning = decideVersion(current, manifest.version, sha256);
		if (versioning.kind === "reject") return rejected(sha256, [versioning.issue], about);
		if (versioning.kind === "duplicate") {
			return {
				upload: { ...identity, report: report("duplicate", sha256, about), targets: [] },
				feedPuts: [],
				feedDeletes: [],
			};
		}

		const now = clock();
		const permission = decidePermission({
			partnerId: location.partnerId,
			language: ref.language,
			rights: manifest.rights,
			agreement,
			sha256,
			now,
		});
		const contentPrefix = `content/${sha256}`;
		const bodyKey = `${contentPrefix}/body.html`;
		await uploads.put(bodyKey, content.bodyHtml, { contentType: "text/html; charset=utf-8" });
		const images = await Promise.all(
			content.images.map(async ({ bytes, ...image }) => {
				const contentKey = `${contentPrefix}/${image.file}`;
				await uploads.put(contentKey, bytes, { contentType: image.contentType });
				return { ...image, contentKey, bytes: bytes.byteLength };
			}),
		);
		const next: Article = {
			...ref,
			version: manifest.version,
			sha256,
			pubStatus: manifest.pubStatus,
			headline: manifest.headline,
			...(manifest.summary ? { summary: manifest.summary } : {}),
			...(manifest.byline ? { byline: manifest.byline } : {}),
			firstCreated: manifest.firstCreated,
			versionCreated: manifest.versionCreated,
			...(manifest.embargoUntil ? { embargoUntil: manifest.embargoUntil } : {}),
			subjects: manifest.subjects,
			images,
			...(manifest.original ? { original: manifest.original } : {}),
			rights: manifest.rights,
			bodyKey,
			status: decideStatus({
				pubStatus: manifest.pubStatus,
				permission,
				embargoUntil: manifest.embargoUntil,
				now,
			}),
			permission,
			revision: (current?.revision ?? 0) + 1,
			bundleKey: event.key,
			archiveKey,
			ingestedAt: now.toISOString(),
		};
		const puts = feedEntriesFor(next);
		const before = current ? feedEntriesFor(current) : [];
		const deletes = before.filter(
			(old) => !puts.some((p) => p.feedKey === old.feedKey && p.sortKey === old.sortKey),
		);
		const wasOrIsPublic = puts.length > 0 || before.length > 0;
		const targets = wasOrIsPublic ? targetsForArticle(ref).map(targetId) : [];
		const upload = { ...identity, report: report(next.status, sha256, about), targets };
		return {
			upload,
			article: { next, previousVersion: current?.version ?? null },
			feedPuts: puts,
			feedDeletes: deletes.map(({ feedKey, sortKey }) => ({ feedKey, sortKey })),
			...(targets.length > 0 ? { pending: { changeId: changeIdOf(upload), targets } } : {}),
		};
	}

	/** Stores the commit; data the store refuses for good becomes a rejected report instead. */
	async function commit(change: IngestCommit): Promise<IngestCommit | "lost-race"> {
		try {
			const result = await articles.commitIngest(change);
			return result === "committed" ? change : "lost-race";
		} catch (error) {
			if (!(error instanceof UnstorableError)) throw error;
			const { report } = change.upload;
			const refused: IngestCommit = {
				upload: {
					...change.upload,
					report: {
						...report,
						status: "rejected",
						errors: [
							{
								code: "UNSTORABLE",
								message: `the article passed validation but cannot be stored: ${error.message}`,
							},
						],
					},
					targets: [],
				},
				feedPuts: [],
				feedDeletes: [],
			};
			return (await articles.commitIngest(refused)) === "committed" ? refused : "lost-race";
		}
	}

	return async function ingestUpload(event: UploadEvent): Promise<IngestResult | undefined> {
		const location = parseUploadKey(event.key);
		if (!location) return undefined;
		// The same upload redelivered has the same identity; a re-upload to the key does not.
		const identity = {
			key: event.key,
			uploadId: uploadIdOf(event),
			order: uploadOrder(event.sequencer),
		};
		for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
			const seen = await uploadRecords.getUpload(identity.key, identity.uploadId);
			if (seen) return finish(location, seen);
			const result = await commit(await evaluate(event, location, identity));
			if (result !== "lost-race") return finish(location, result.upload);
			// A concurrent delivery of this upload committed first (found above next time), or
			// another upload of the article did: decide again.
		}
		throw new Error(`ingest of ${event.key} lost ${MAX_ATTEMPTS} races in a row`);
	};
}
