import type { ArticleRef } from "../domain/article.ts";
import { bundleLimits } from "../domain/read-bundle.ts";
import { parseUploadKey, type Report, reportKey, type UploadLocation } from "../domain/report.ts";
import { UnstorableError } from "../domain/store-errors.ts";
import { uploadIdOf, uploadOrder } from "../domain/upload.ts";
import { untilWon } from "../lib/retry-races.ts";
import type { AgreementStore } from "../ports/agreements.ts";
import type { ArticleStore, CommitResult, PendingChange } from "../ports/articles.ts";
import type { ObjectStore, UploadRecord, UploadStore } from "../ports/uploads.ts";
import { changeIdOf, type Evaluation, makeEvaluateUpload } from "./evaluate-upload.ts";

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
	/**
	 * Decides the article again, as an agreement change does: called when the agreement
	 * changed while this upload was being decided, since that change may have missed it.
	 */
	reevaluate: (ref: ArticleRef, why: string) => Promise<void>;
	clock: () => Date;
}

export interface IngestResult {
	report: Report;
	reportKey: string;
}

const MAX_ATTEMPTS = 5;

/**
 * Ingests one upload: validates it, records the permission decision, stores the article and
 * its content, writes the report and publishes what changed. Safe to run twice for the same
 * event and concurrently for any events.
 */
export function makeIngestUpload(deps: IngestDeps) {
	const { uploads, articles, uploadRecords, agreements, clock } = deps;
	const readAgreement = (name: string) => agreements.getAgreement(name);
	const evaluate = makeEvaluateUpload({ uploads, articles, readAgreement, clock });
	// Partners are registered and renamed, never removed: one found once is asked for no more.
	const registered = new Set<string>();

	async function isRegistered(partnerId: string): Promise<boolean> {
		if (registered.has(partnerId)) return true;
		if (!(await agreements.getPartner(partnerId))) return false;
		registered.add(partnerId);
		return true;
	}

	/**
	 * The report at a key describes the newest upload there (S3 sequencer order), whatever
	 * order the uploads are processed in: an upload writes it only while it is the newest,
	 * and reads again afterwards in case a newer one claimed the key while it wrote (whose
	 * report it then writes back over its own).
	 */
	async function writeReport(
		location: UploadLocation,
		record: UploadRecord,
		newest: boolean | undefined,
		/** Told once the report is written (or not this upload's to write), as the key is read again. */
		onWritten?: () => void,
	): Promise<void> {
		const key = reportKey(location);
		const put = (report: UploadRecord["report"]) =>
			uploads.put(key, `${JSON.stringify(report, null, 2)}\n`, {
				contentType: "application/json; charset=utf-8",
			});
		// The commit marked it the newest if it is; a redelivery finds out by marking it again.
		const isNewest =
			newest ?? (await uploadRecords.markNewest(record)).uploadId === record.uploadId;
		if (!isNewest) return onWritten?.();
		await put(record.report);
		onWritten?.();
		const latest = await uploadRecords.getNewest(record.key);
		if (latest && latest.uploadId !== record.uploadId) await put(latest.report);
	}

	async function finish(
		location: UploadLocation,
		record: UploadRecord,
		newest?: boolean,
		onReportWritten?: () => void,
	): Promise<IngestResult> {
		await Promise.all([
			writeReport(location, record, newest, onReportWritten),
			record.targets.length > 0
				? deps.publish({ changeId: changeIdOf(record), targets: record.targets })
				: undefined,
		]);
		return { report: record.report, reportKey: reportKey(location) };
	}

	/** The version of the upload the event is about: a quick re-upload must not be read. */
	function readUpload(event: UploadEvent) {
		return uploads.get(event.key, {
			maxBytes: bundleLimits.maxCompressedBytes,
			...(event.versionId ? { versionId: event.versionId } : {}),
		});
	}

	/** Stores the commit; data the store refuses for good becomes a rejected report instead. */
	async function commit(
		change: Evaluation["commit"],
	): Promise<{ committed: Evaluation["commit"]; newest: boolean } | "lost-race"> {
		const outcome = (committed: Evaluation["commit"], result: CommitResult) =>
			result === "committed" || result === "committed-not-newest"
				? { committed, newest: result === "committed" }
				: "lost-race";
		try {
			return outcome(change, await articles.commitArticleChange(change));
		} catch (error) {
			if (!(error instanceof UnstorableError)) throw error;
			const { report } = change.upload;
			const refused = {
				upload: {
					...change.upload,
					report: {
						...report,
						status: "rejected" as const,
						errors: [
							{
								code: "UNSTORABLE" as const,
								message: `the article passed validation but cannot be stored: ${error.message}`,
							},
						],
					},
					targets: [],
				},
			};
			return outcome(refused, await articles.commitArticleChange(refused));
		}
	}

	/**
	 * The commit applied only under the agreement as the decision read it, but an agreement
	 * change stored right after may have listed the agreement's articles before this one was
	 * there (the listing index lags): if the agreement moved on, decide again.
	 */
	async function recheck(decided: NonNullable<Evaluation["decided"]>, name: string) {
		const now = await readAgreement(name);
		if (now?.revision !== decided.agreement?.revision) {
			await deps.reevaluate(decided.ref, `agreement ${name} changed while the upload was decided`);
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
		// Read beside the first look for its record: only a redelivery reads it for nothing.
		const read = readUpload(event);
		read.catch(() => undefined);
		// Asked in the same turn as the upload's record below, so one request reads both.
		const partnerKnown = isRegistered(location.partnerId);
		partnerKnown.catch(() => undefined);
		return untilWon(
			MAX_ATTEMPTS,
			async () => {
				const seen = await uploadRecords.getUpload(identity.key, identity.uploadId);
				if (seen) return { won: true, value: await finish(location, seen) };
				const evaluation = await evaluate(event, location, identity, read, partnerKnown);
				const result = await commit(evaluation.commit);
				// A concurrent delivery of this upload committed first (found above next time), or
				// another upload of the article did: decide again.
				if (result === "lost-race") return { won: false };
				const { committed, newest } = result;
				const agreementName = evaluation.commit.article?.next.rights.agreement;
				// Beside the publish, not before it: a decision taken again publishes on its own. Read
				// as the report's key is read again, in the same request.
				let reportWritten = () => {};
				const rechecking = new Promise<void>((resolve) => {
					reportWritten = resolve;
				});
				const [finished] = await Promise.all([
					finish(location, committed.upload, newest, () => reportWritten()),
					evaluation.decided && agreementName && committed.article
						? rechecking.then(() =>
								evaluation.decided ? recheck(evaluation.decided, agreementName) : undefined,
							)
						: undefined,
				]);
				return { won: true, value: finished };
			},
			() => new Error(`ingest of ${event.key} lost ${MAX_ATTEMPTS} races in a row`),
		);
	};
}
