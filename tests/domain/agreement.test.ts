import { describe, expect, it } from "vitest";
import {
	type Agreement,
	decidePermission,
	formatAttribution,
	languageCovers,
} from "#shared/domain/agreement.ts";
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
