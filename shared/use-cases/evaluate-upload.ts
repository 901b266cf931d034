import { createHash } from "node:crypto";
import type { StoredAgreement } from "../domain/agreement.ts";
import type { Article, ArticleRef } from "../domain/article.ts";
import { locatedBy, readBundleContent, warningsOf } from "../domain/bundle-content.ts";
import { type BundleIssue, BundleRejectedError } from "../domain/errors.ts";
import { boundPartnerDates } from "../domain/partner-dates.ts";
import { planArticleChange } from "../domain/plan-article-change.ts";
import { bundleLimits, openBundle } from "../domain/read-bundle.ts";
import type { Report, UploadLocation } from "../domain/report.ts";
import { stripImageMetadata } from "../domain/strip-image-metadata.ts";
import { targetId } from "../domain/targets.ts";
import { decideVersion } from "../domain/versioning.ts";
import type { ArticleCommit, ArticleStore } from "../ports/articles.ts";
import type { ObjectStore, UploadRecord } from "../ports/uploads.ts";

/** What an evaluated upload commits, and what its decision rested on. */
export interface Evaluation {
	commit: ArticleCommit & { upload: UploadRecord };
	/** The article and the agreement as read when deciding; absent when nothing was stored. */
	decided?: { ref: ArticleRef; agreement: StoredAgreement | undefined };
}

function sha256Hex(bytes: Uint8Array): string {
	return createHash("sha256").update(bytes).digest("hex");
}

/** The pending change an upload commits, and the ingest publishes, by this id. */
export function changeIdOf(upload: Pick<UploadRecord, "key" | "uploadId">): string {
	return `upload:${upload.key}#${upload.uploadId}`;
}

/** Why a stored article is not public yet, and what would change that (bundle.md reports). */
function explainPermission(article: Article): Report["permission"] {
	const { permission } = article;
	return {
		agreement: permission.agreementId,
		decision: permission.decision,
		reason: permission.reason,
		...(permission.unblock ? { unblock: permission.unblock } : {}),
		...(article.status === "embargoed" && article.embargoUntil
			? { publicAt: new Date(article.embargoUntil).toISOString() }
			: {}),
	};
}

function canonicalLanguage(tag: string): string {
	return Intl.getCanonicalLocales(tag)[0] ?? tag;
}

/**
 * Decides one upload of an ingest: reads and validates the bundle, archives it, stores its
 * sanitised body and plans the article change under the agreement as it stands. What it
 * returns is committed by the ingest; nothing it stored is pointed at until then.
 */
export function makeEvaluateUpload(deps: {
	uploads: ObjectStore;
	articles: ArticleStore;
	readAgreement: (name: string) => Promise<StoredAgreement | undefined>;
	clock: () => Date;
}) {
	const { uploads, articles, readAgreement, clock } = deps;
	return async function evaluateUpload(
		/** The upload event's key and time (an `UploadEvent`). */
		event: { key: string; eventTime: string },
		location: UploadLocation,
		identity: Pick<UploadRecord, "key" | "uploadId" | "order">,
		read: ReturnType<ObjectStore["get"]>,
		/** Whether the partner is registered, asked beside the upload's record. */
		partnerKnown: Promise<boolean>,
	): Promise<Evaluation> {
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
		): Evaluation => ({
			commit: {
				upload: {
					...identity,
					report: report("rejected", sha256, { ...extra, errors }),
					targets: [],
				},
			},
		});

		const object = await read;
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
		// Kept before any decision is committed: whatever happens next, the upload can be
		// ingested again. Stored while the bundle is read and decided, awaited before the end.
		const archiveKey = `archive/${location.partnerId}/${sha256}.zip`;
		const archived = uploads.put(archiveKey, object.bytes, { contentType: "application/zip" });
		const decide = async (): Promise<Evaluation> => {
			// Read while the partner is looked up; an unknown partner's bundle is not judged.
			const reading = openBundle(object.bytes).then(readBundleContent);
			reading.catch(() => undefined);
			if (!(await partnerKnown)) {
				return rejected(sha256, [
					{ code: "UNKNOWN_PARTNER", message: `partner ${location.partnerId} is not registered` },
				]);
			}
			let content: Awaited<ReturnType<typeof readBundleContent>>;
			try {
				content = await reading;
			} catch (error) {
				if (error instanceof BundleRejectedError) {
					const warnings = warningsOf(error);
					return rejected(
						sha256,
						[...error.issues],
						warnings.length > 0 ? { warnings: [...warnings] } : {},
					);
				}
				throw error;
			}
			const bounded = boundPartnerDates(content.manifest, new Date(event.eventTime));
			const { manifest } = bounded;
			// Found in the manifest, so named where the partner put it, as the reading's findings are.
			const inBundleTerms = <T extends { path?: string }>(finding: T) =>
				locatedBy(content.pathOf, finding);
			const warnings = [...bounded.warnings.map(inBundleTerms), ...content.warnings];
			const ref: ArticleRef = {
				partnerId: location.partnerId,
				articleId: manifest.id,
				language: canonicalLanguage(manifest.language),
			};
			const about = {
				articleId: ref.articleId,
				version: manifest.version,
				language: ref.language,
				...(warnings.length > 0 ? { warnings } : {}),
			};
			// The sanitised body is stored (by the bundle's digest) while the article and agreement
			// are read: a version refused or a duplicate stores nothing that anything points at.
			// Photos are not copied: the publisher reads them from the archived bundle.
			const bodyKey = `content/${sha256}/body.html`;
			const storing = uploads.put(bodyKey, content.bodyHtml, {
				contentType: "text/html; charset=utf-8",
			});
			storing.catch(() => undefined);
			const [current, agreement] = await Promise.all([
				articles.getArticle(ref),
				readAgreement(manifest.rights.agreement),
			]);
			const versioning = decideVersion(current, manifest.version, sha256);
			if (versioning.kind !== "store") {
				await storing;
				if (versioning.kind === "reject")
					return rejected(sha256, [inBundleTerms(versioning.issue)], about);
				return {
					commit: {
						upload: { ...identity, report: report("duplicate", sha256, about), targets: [] },
					},
				};
			}
			await storing;
			// The size served (feeds give it as the enclosure's length): without the metadata.
			const images = content.images.map(({ bytes, ...image }) => ({
				...image,
				bytes: stripImageMetadata(bytes).byteLength,
			}));
			const now = clock();
			const plan = planArticleChange({
				current,
				change: {
					kind: "upload",
					next: {
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
						...(manifest.subjectNames ? { subjectNames: manifest.subjectNames } : {}),
						images,
						...(manifest.original ? { original: manifest.original } : {}),
						rights: manifest.rights,
						bodyKey,
						bundleKey: event.key,
						archiveKey,
						ingestedAt: now.toISOString(),
					},
					by: `partner ${location.partnerId}`,
					reason: `upload ${event.key}`,
				},
				agreement,
				now,
			});
			const { next } = plan;
			const targets = plan.targets.map(targetId);
			const upload = {
				...identity,
				report: report(next.status, sha256, {
					...about,
					...(next.status === "published" || next.status === "withdrawn"
						? {}
						: { permission: explainPermission(next) }),
				}),
				targets,
			};
			return {
				commit: {
					upload,
					article: {
						next,
						expectedRevision: current?.revision ?? null,
						newVersion: true,
						...(plan.event ? { event: plan.event } : {}),
						...(current?.dueAt ? { previousDueAt: current.dueAt } : {}),
						feedPuts: plan.feedPuts,
						feedDeletes: plan.feedDeletes,
						// An agreement change that lands before the commit makes it decide again.
						decidedUnder: {
							agreementId: manifest.rights.agreement,
							revision: agreement?.revision ?? null,
						},
					},
					...(targets.length > 0 ? { pending: { changeId: changeIdOf(upload), targets } } : {}),
				},
				decided: { ref, agreement },
			};
		};
		try {
			return await decide();
		} finally {
			await archived;
		}
	};
}
