import type { Decision, PermissionRecord } from "../../domain/agreement.ts";
import type { Article, ArticleRef, ArticleStatus, StoredImage } from "../../domain/article.ts";
import type { ArticleEvent } from "../../domain/plan-article-change.ts";
import type { ArticleSummary } from "../../ports/articles.ts";
import { type Item, type ShapeOf, shaped, valuesOf } from "./item-fields.ts";

// One partition lists every article by the instant its decision can next change by itself.
export const DUE = "DUE";

// Key shapes stay in the adapters: the domain names articles by their ref only.
export function articlePk(ref: ArticleRef): string {
	return `ARTICLE#${ref.partnerId}#${ref.articleId}#${ref.language}`;
}

export function refOfPk(pk: string): ArticleRef {
	const [, partnerId = "", articleId = "", language = ""] = pk.split("#");
	return { partnerId, articleId, language };
}

export function dueKey(dueAt: string, ref: ArticleRef) {
	return { pk: DUE, sk: `${dueAt}#${articlePk(ref)}` };
}

export function partnerListingKey(ref: ArticleRef) {
	return { pk: `PARTNER#${ref.partnerId}`, sk: `ARTICLE#${ref.articleId}#${ref.language}` };
}

/** The row of the partner's listing an article is shown by. */
export function toSummary(article: Article): ArticleSummary {
	return {
		partnerId: article.partnerId,
		articleId: article.articleId,
		language: article.language,
		version: article.version,
		status: article.status,
		headline: article.headline,
		agreementId: article.permission.agreementId,
		decision: article.permission.decision,
	};
}

const STATUSES = valuesOf<ArticleStatus>({
	published: true,
	"pending-permission": true,
	embargoed: true,
	withdrawn: true,
});
const DECISIONS = valuesOf<Decision>({
	granted: true,
	pending: true,
	revoked: true,
	expired: true,
});

const REF: ShapeOf<ArticleRef> = { partnerId: "string", articleId: "string", language: "string" };

const PERMISSION: ShapeOf<PermissionRecord> = {
	agreementId: "string or null",
	decision: DECISIONS,
	reason: "string",
	checkedAt: "string",
	sha256: "string",
	attribution: "string",
	attributionLang: "string?",
	holder: "string?",
	imagesAllowed: "boolean",
	fullTextAllowed: "boolean?",
	unblock: "string?",
};

const IMAGE: ShapeOf<StoredImage> = {
	file: "string",
	contentType: "string",
	bytes: "number",
	caption: "string?",
	credit: "string?",
	alt: "string?",
};

// The article is stored whole, as one map: every attribute is checked one level down, and
// inside the maps the code reads (its rights, permission and images); `original` and
// `takedown` and `subjectNames` are only shown, never read into a decision, so being maps is
// enough of them.
const ARTICLE: ShapeOf<Article> = {
	...REF,
	version: "number",
	sha256: "string",
	pubStatus: valuesOf<Article["pubStatus"]>({ usable: true, withheld: true, canceled: true }),
	headline: "string",
	summary: "string?",
	byline: "string?",
	firstCreated: "string",
	versionCreated: "string",
	embargoUntil: "string?",
	subjects: "string list",
	subjectNames: "map?",
	images: [IMAGE],
	original: "map?",
	rights: { holder: "string", translator: "string?", agreement: "string", notice: "string?" },
	bodyKey: "string",
	status: STATUSES,
	permission: PERMISSION,
	revision: "number",
	takedown: "map?",
	dueAt: "string?",
	photosChangedAt: "string?",
	bundleKey: "string",
	archiveKey: "string",
	ingestedAt: "string",
};

const EVENT: ShapeOf<ArticleEvent> = {
	at: "string",
	action: valuesOf<ArticleEvent["action"]>({
		upload: true,
		reevaluate: true,
		withdraw: true,
		restore: true,
	}),
	by: "string",
	reason: "string",
	version: "number",
	status: STATUSES,
	permission: PERMISSION,
};

const SUMMARY: ShapeOf<ArticleSummary> = {
	...REF,
	version: "number",
	status: STATUSES,
	headline: "string",
	agreementId: "string or null",
	decision: DECISIONS,
};

/** The article of its `CURRENT` item, or of a `VERSION#` one. */
export const articleOf = (item: Item) => shaped<Article>(item, "article", ARTICLE);

/** The event of a `HISTORY#` item. */
export const eventOf = (item: Item) => shaped<ArticleEvent>(item, "event", EVENT);

/** The summary of a partner listing's row. */
export const summaryOf = (item: Item) => shaped<ArticleSummary>(item, "summary", SUMMARY);

/** The article a `DUE` row names. */
export const dueRefOf = (item: Item) => shaped<ArticleRef>(item, "ref", REF);
