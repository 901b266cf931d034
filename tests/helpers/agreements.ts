import type { Agreement } from "#shared/domain/agreement.ts";

/** The demo agreement: science-news, en and zh, text and images, open-ended. */
export function makeAgreement(overrides: Partial<Agreement> = {}): Agreement {
	return {
		agreementId: "sn-jst-2023",
		partnerId: "science-news",
		holder: "The Science News Ltd.",
		translator: "JST",
		languages: ["en", "zh"],
		scope: ["text", "images"],
		validFrom: "2023-01-01T00:00:00Z",
		validUntil: null,
		notice: "Unauthorized reproduction of the article and photographs is prohibited.",
		status: "active",
		...overrides,
	};
}
