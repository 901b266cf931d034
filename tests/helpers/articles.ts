import type { Article } from "#shared/domain/article.ts";

/** A published article as the table holds it. */
export function makeArticle(overrides: Partial<Article> = {}): Article {
	return {
		partnerId: "science-news",
		articleId: "2024-01-test-article",
		language: "en",
		version: 1,
		sha256: "0".repeat(64),
		pubStatus: "usable",
		headline: 'Tokyo & Osaka <agree> on "green" rules',
		summary: "A teaser with <b>markup-like</b> text & an ampersand.",
		byline: "Hanako Yamada",
		firstCreated: "2024-01-10T09:00:00+09:00",
		versionCreated: "2024-01-10T09:00:00+09:00",
		subjects: ["energy", "policy"],
		images: [
			{
				file: "images/photo.png",
				contentType: "image/png",
				bytes: 68,
				caption: "A photo",
				credit: "The Science News Ltd.",
				alt: "Two people",
			},
		],
		rights: { holder: "The Science News Ltd.", translator: "JST", agreement: "sn-jst-2023" },
		bodyKey: "content/x/body.html",
		status: "published",
		permission: {
			agreementId: "sn-jst-2023",
			decision: "granted",
			reason: "covered by agreement sn-jst-2023",
			checkedAt: "2024-01-10T00:00:00.000Z",
			sha256: "0".repeat(64),
			attribution:
				"This article has been translated by JST with permission from The Science News Ltd. Unauthorized reproduction of the article and photographs is prohibited.",
			imagesAllowed: true,
		},
		revision: 1,
		bundleKey: "incoming/science-news/a.zip",
		archiveKey: "archive/science-news/0.zip",
		ingestedAt: "2024-01-10T00:00:01.000Z",
		...overrides,
	};
}
