import type { Article } from "../article.ts";
import { articleItemId, articlePath, imagePath } from "../article.ts";
import { subjectName } from "../feeds/kinds.ts";
import { BUNDLE_IMAGE_ATTR } from "../media.ts";
import { absoluteUrl, attrOf, mapImages, parseFragment, serializeFragment } from "./html.ts";

/** The ninjs version written, and the IPTC schema every document is valid against. */
export const NINJS_STANDARD = {
	name: "ninjs",
	version: "3.1",
	schema: "http://www.iptc.org/std/ninjs/ninjs-schema_3.1.json#",
} as const;

/** ODRL 2.2's identifier: what `rightsInfo.langId` names as the rights expression language. */
export const ODRL_LANG_ID = "http://www.w3.org/ns/odrl/2/";

/** Site path of an article version's ninjs document, beside its page. */
export function ninjsPath(ref: Parameters<typeof articlePath>[0]): string {
	return `${articlePath(ref)}.ninjs.json`;
}

/** Site path of an agreement's ODRL policy. Agreement ids are path-safe (manage-agreements). */
export function agreementPolicyPath(agreementId: string): string {
	return `/agreements/${encodeURIComponent(agreementId)}.jsonld`;
}

interface NinjsText {
	role?: string;
	contentType?: string;
	value: string;
}

/** The subset of ninjs 3.1 this pipeline writes (names as in the IPTC schema). */
export interface NinjsDocument {
	standard: typeof NINJS_STANDARD;
	uri: string;
	type: "text" | "picture";
	/** `partial` for what we only know of (the original a translation was made from). */
	representationType: "full" | "partial";
	version?: string;
	pubStatus?: Article["pubStatus"];
	language?: string;
	headlines?: NinjsText[];
	descriptions?: NinjsText[];
	bodies?: NinjsText[];
	by?: string;
	firstCreated?: string;
	versionCreated?: string;
	embargoedUntil?: string;
	subjects?: { name: string; literal: string; rel: string }[];
	copyrightHolder?: string;
	copyrightNotice?: string;
	usageTerms?: string;
	rightsInfo?: { langId: string; linkedRights: string };
	altIds?: { role: string; value: string }[];
	renditions?: { name: string; href: string; contentType: string; sizeInBytes: number }[];
	associations?: (NinjsDocument & { name: string; rel: string })[];
}

/**
 * The body as a re-publisher may use it: a photo the sanitizer kept as a reference to the
 * bundle becomes its public URL when the agreement permits photos and goes otherwise, as on
 * the page (without the page's credit line: ninjs carries each credit on the photo's
 * association).
 */
function publicBody(article: Article, bodyHtml: string, siteUrl: string): string {
	if (!bodyHtml.includes(BUNDLE_IMAGE_ATTR) && !bodyHtml.includes("<img")) return bodyHtml;
	const photos = new Map(
		article.permission.imagesAllowed ? article.images.map((image) => [image.file, image]) : [],
	);
	const nodes = mapImages(parseFragment(bodyHtml), (img) => {
		const file = attrOf(img, BUNDLE_IMAGE_ATTR);
		const photo = file === undefined ? undefined : photos.get(file);
		if (!photo) return [];
		return [
			{
				type: "element",
				name: "img",
				attrs: [
					["src", absoluteUrl(siteUrl, imagePath(article, photo))],
					["alt", attrOf(img, "alt") || photo.alt || ""],
				],
				children: [],
			},
		];
	});
	return serializeFragment(nodes);
}

/**
 * One published article version as an IPTC ninjs 3.1 document (docs/feeds.md, "ninjs"):
 * what the page shows, as data. Rights are the agreement's, as on the page: the holder the
 * agreement names, its notice, the attribution line as the usage terms, and a link to the
 * agreement's ODRL policy; the manifest's own rights are evidence and are not repeated.
 */
export function renderNinjs(input: {
	article: Article;
	/** The sanitized body, as stored. */
	bodyHtml: string;
	siteUrl: string;
	/** The notice of the agreement the article is published under, where it has one. */
	notice?: string;
}): NinjsDocument {
	const { article, siteUrl } = input;
	const { permission } = article;
	const photos = permission.imagesAllowed ? article.images : [];
	const original = article.original;
	const altIds = [{ role: "page", value: absoluteUrl(siteUrl, articlePath(article)) }];
	if (original?.url) altIds.push({ role: "original", value: original.url });
	const descriptions: NinjsText[] = article.summary
		? [{ role: "summary", contentType: "text/plain", value: article.summary }]
		: [];
	return {
		standard: NINJS_STANDARD,
		uri: articleItemId(article),
		type: "text",
		representationType: "full",
		version: String(article.version),
		pubStatus: article.pubStatus,
		language: article.language,
		headlines: [{ role: "main", contentType: "text/plain", value: article.headline }],
		...(descriptions.length > 0 ? { descriptions } : {}),
		bodies: [
			{
				role: "main",
				contentType: "text/html",
				value: publicBody(article, input.bodyHtml, siteUrl),
			},
		],
		...(article.byline ? { by: article.byline } : {}),
		firstCreated: article.firstCreated,
		versionCreated: article.versionCreated,
		...(article.embargoUntil ? { embargoedUntil: article.embargoUntil } : {}),
		...(article.subjects.length > 0
			? {
					subjects: article.subjects.map((slug) => ({
						name: subjectName(slug, article.subjectNames),
						literal: slug,
						rel: "about",
					})),
				}
			: {}),
		...(permission.holder ? { copyrightHolder: permission.holder } : {}),
		...(input.notice ? { copyrightNotice: input.notice } : {}),
		usageTerms: permission.attribution,
		...(permission.agreementId
			? {
					rightsInfo: {
						langId: ODRL_LANG_ID,
						linkedRights: absoluteUrl(siteUrl, agreementPolicyPath(permission.agreementId)),
					},
				}
			: {}),
		altIds,
		...(photos.length > 0 || original
			? {
					associations: [
						...photos.map((photo, i) => {
							const href = absoluteUrl(siteUrl, imagePath(article, photo));
							const photoTexts: NinjsText[] = [
								...(photo.caption
									? [{ role: "caption", contentType: "text/plain", value: photo.caption }]
									: []),
								...(photo.alt
									? [{ role: "alternative", contentType: "text/plain", value: photo.alt }]
									: []),
							];
							return {
								name: `photo${i + 1}`,
								rel: "photo",
								standard: NINJS_STANDARD,
								uri: href,
								type: "picture" as const,
								representationType: "full" as const,
								...(photoTexts.length > 0 ? { descriptions: photoTexts } : {}),
								...(photo.credit ? { by: photo.credit } : {}),
								renditions: [
									{
										name: "original",
										href,
										contentType: photo.contentType,
										sizeInBytes: photo.bytes,
									},
								],
							};
						}),
						...(original
							? [
									{
										name: "original",
										rel: "translationOf",
										standard: NINJS_STANDARD,
										uri: original.url ?? `${articleItemId(article)}:original`,
										type: "text" as const,
										representationType: "partial" as const,
										language: original.language,
										...(original.headline
											? {
													headlines: [
														{ role: "main", contentType: "text/plain", value: original.headline },
													],
												}
											: {}),
										...(original.publication ? { by: original.publication } : {}),
									},
								]
							: []),
					],
				}
			: {}),
	};
}

/**
 * What stays of an article's ninjs document once it is taken down: its identity, with
 * `pubStatus: "canceled"`, so a re-publisher that polls it learns to take its copy down.
 */
export function renderCanceledNinjs(
	article: Pick<Article, "partnerId" | "articleId" | "language" | "version">,
): Pick<NinjsDocument, "standard" | "uri" | "type" | "version" | "pubStatus" | "language"> {
	return {
		standard: NINJS_STANDARD,
		uri: articleItemId(article),
		type: "text",
		version: String(article.version),
		pubStatus: "canceled",
		language: article.language,
	};
}
