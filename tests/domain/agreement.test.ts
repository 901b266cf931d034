import { describe, expect, it } from "vitest";
import {
	type Agreement,
	attributionFor,
	decidePermission,
	formatAttribution,
	languageCovers,
	noticeIn,
} from "#shared/domain/agreement.ts";
import {
	AgreementCommandError,
	type GrantInput,
	parseGrant,
} from "#shared/use-cases/agreement-input.ts";
import { makeAgreement } from "../helpers/agreements.ts";

const NOW = new Date("2026-06-01T00:00:00Z");

const rights = { holder: "The Science News Ltd.", translator: "JST", agreement: "sn-jst-2023" };

function decide(agreement: Agreement | undefined, language = "en") {
	return decidePermission({
		partnerId: "science-news",
		language,
		rights,
		agreement,
		sha256: "abc",
		now: NOW,
	});
}

describe("formatAttribution", () => {
	it("writes the attribution line of docs/permissions.md, exactly", () => {
		expect(
			formatAttribution({
				holder: "The Science News Ltd.",
				translator: "JST",
				notice: "Unauthorized reproduction of the article and photographs is prohibited.",
			}),
		).toBe(
			"This article has been translated by JST with permission from The Science News Ltd. Unauthorized reproduction of the article and photographs is prohibited.",
		);
	});

	it("says 'Published with permission' without a translator, and works without a notice", () => {
		expect(formatAttribution({ holder: "Agence X", translator: " " })).toBe(
			"Published with permission from Agence X.",
		);
	});
});

describe("decidePermission", () => {
	it("grants under an active agreement of the partner that covers the language", () => {
		const record = decide(makeAgreement());
		expect(record).toMatchObject({
			decision: "granted",
			agreementId: "sn-jst-2023",
			imagesAllowed: true,
			sha256: "abc",
		});
		expect(record.checkedAt).toBe(NOW.toISOString());
	});

	it("attributes a granted article with the agreement's holder, translator and notice only", () => {
		const record = decidePermission({
			partnerId: "science-news",
			language: "en",
			rights: {
				holder: "Someone Else Ltd.",
				translator: "Nobody",
				notice: "Translated by JST with permission from The Science News Ltd.",
				agreement: "sn-jst-2023",
			},
			agreement: makeAgreement({ holder: "Agence X", translator: "", notice: "" }),
			sha256: "abc",
			now: NOW,
		});
		expect(record.attribution).toBe("Published with permission from Agence X.");
		expect(record.holder).toBe("Agence X");
	});

	it("keeps images private when the scope is text only", () => {
		expect(decide(makeAgreement({ scope: ["text"] })).imagesAllowed).toBe(false);
	});

	it.each([
		["a missing agreement", undefined, "pending"],
		["another partner's agreement", makeAgreement({ partnerId: "other" }), "pending"],
		["a revoked agreement", makeAgreement({ status: "revoked" }), "revoked"],
		["an uncovered language", makeAgreement({ languages: ["zh"] }), "pending"],
		["an agreement not yet valid", makeAgreement({ validFrom: "2027-01-01T00:00:00Z" }), "pending"],
		["an expired agreement", makeAgreement({ validUntil: "2026-06-01T00:00:00Z" }), "expired"],
	])("does not grant under %s", (_, agreement, decision) => {
		const record = decide(agreement);
		expect(record.decision).toBe(decision);
		expect(record.imagesAllowed).toBe(false);
		expect(record.reason.length).toBeGreaterThan(0);
	});

	it("never credits another partner's agreement", () => {
		expect(decide(makeAgreement({ partnerId: "other" })).agreementId).toBeNull();
	});
});

describe("languageCovers", () => {
	it("matches by RFC 4647 basic filtering", () => {
		expect(languageCovers("zh", "zh-Hant")).toBe(true);
		expect(languageCovers("ZH", "zh")).toBe(true);
		expect(languageCovers("zh", "zho")).toBe(false);
		expect(languageCovers("zh-Hant", "zh")).toBe(false);
	});

	it("covers no tag with an extension or private-use subtag, whatever the range", () => {
		for (const tag of ["en-x-evil", "en-US-u-ca-buddhist", "en-t-ja", "en-a-bbb", "x-private"]) {
			expect(languageCovers("en", tag), tag).toBe(false);
			expect(languageCovers("*", tag), tag).toBe(false);
		}
		expect(decide(makeAgreement(), "en-x-evil").decision).toBe("pending");
	});
});

describe("the attribution in the reader's language (permissions.md)", () => {
	const ZH_NOTICE = "未经许可，禁止转载本文及照片。";
	const ENGLISH =
		"This article has been translated by JST with permission from The Science News Ltd. Unauthorized reproduction of the article and photographs is prohibited.";

	it("is written in Chinese when the agreement gives its notice in Chinese", () => {
		const agreement = makeAgreement({ notices: { zh: ZH_NOTICE } });
		expect(attributionFor(agreement, "zh")).toEqual({
			attribution: `本文由JST经The Science News Ltd.许可翻译。${ZH_NOTICE}`,
			attributionLang: "zh",
		});
		// `zh` covers `zh-CN`; the decision records it.
		expect(attributionFor(agreement, "zh-CN").attributionLang).toBe("zh-CN");
		expect(decide(agreement, "zh")).toMatchObject({
			decision: "granted",
			attribution: `本文由JST经The Science News Ltd.许可翻译。${ZH_NOTICE}`,
			attributionLang: "zh",
		});
	});

	it("stays wholly English when the notice is not given in the article's language", () => {
		expect(attributionFor(makeAgreement(), "zh")).toEqual({ attribution: ENGLISH });
		expect(attributionFor(makeAgreement({ notices: { zh: ZH_NOTICE } }), "ja")).toEqual({
			attribution: ENGLISH,
		});
		// No sentence in French: a French notice could not be used, so none is taken (parseGrant).
		expect(attributionFor(makeAgreement(), "fr")).toEqual({ attribution: ENGLISH });
		expect(attributionFor(makeAgreement({ notices: { zh: ZH_NOTICE } }), "en")).toEqual({
			attribution: ENGLISH,
		});
	});

	it("needs no translation where the agreement has no notice, and picks the most specific one", () => {
		const bare = makeAgreement({ notice: "", translator: "" });
		expect(attributionFor(bare, "zh-Hant")).toEqual({
			attribution: "經The Science News Ltd.許可發佈。",
			attributionLang: "zh-Hant",
		});
		expect(attributionFor(bare, "ja").attribution).toBe(
			"本記事はThe Science News Ltd.の許可を得て掲載しています。",
		);
		const both = makeAgreement({ notices: { zh: ZH_NOTICE, "zh-Hant": "未經許可，禁止轉載。" } });
		expect(noticeIn(both, "zh-TW")).toBe("未經許可，禁止轉載。");
		expect(noticeIn(both, "zh-Hans-CN")).toBe(ZH_NOTICE);
		expect(noticeIn(both, "ja")).toBeUndefined();
	});
});

describe("a grant's notices", () => {
	const grant = {
		agreementId: "sn-jst-2023",
		partnerId: "science-news",
		holder: "The Science News Ltd.",
		languages: ["en", "zh"],
		notice: "Unauthorized reproduction is prohibited.",
	};
	const refusal = (input: Partial<GrantInput>) => {
		try {
			parseGrant({ ...grant, ...input }, NOW);
		} catch (error) {
			return error instanceof AgreementCommandError ? `${error.code}: ${error.message}` : error;
		}
		return "accepted";
	};

	it("are kept by canonical tag, and left out when none is given", () => {
		expect(
			parseGrant({ ...grant, notices: { "zh-hant": " 未經許可，禁止轉載。 " } }, NOW).notices,
		).toEqual({ "zh-Hant": "未經許可，禁止轉載。" });
		expect(parseGrant({ ...grant, notices: {} }, NOW)).not.toHaveProperty("notices");
	});

	it("refuse a language without an attribution sentence, English, an empty text, and no notice to translate", () => {
		expect(refusal({ notices: { fr: "Reproduction interdite." } })).toBe(
			'INVALID_LANGUAGE: a notice\'s language must be one the attribution line is written in besides English (zh, zh-Hant and ja), not "fr"',
		);
		expect(refusal({ notices: { en: "Again." } })).toMatch(/^INVALID_LANGUAGE: .*not "en"$/);
		expect(refusal({ notices: { zh: " " } })).toMatch(/^INVALID_TEXT: notice must be 1 to 1000/);
		expect(refusal({ notice: "", notices: { zh: "禁止转载。" } })).toBe(
			"INVALID_TEXT: a notice in zh translates the notice: give --notice too",
		);
	});
});
