import { PutObjectCommand } from "@aws-sdk/client-s3";
import { XMLValidator } from "fast-xml-parser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalStack, startEphemeralStack } from "../../local/stack.ts";
import { makeBundle, makeManifest } from "../helpers/bundles.ts";

let stack: LocalStack;
beforeAll(async () => {
	stack = await startEphemeralStack();
});
afterAll(async () => {
	await stack?.stop();
});

function isWhole(format: string, body: string): boolean {
	if (format !== "json") return XMLValidator.validate(body) === true;
	try {
		JSON.parse(body);
		return true;
	} catch {
		return false;
	}
}

describe("the local edge server", () => {
	it("never serves a half-written feed while uploads are being published", async () => {
		let publishing = true;
		const served: { format: string; status: number; whole: boolean }[] = [];
		const poll = async (format: string) => {
			while (publishing) {
				const response = await fetch(`${stack.endpoints.edgeUrl}/feeds/en/latest.${format}`);
				const body = await response.text();
				served.push({
					format,
					status: response.status,
					whole: response.status !== 200 || isWhole(format, body),
				});
			}
		};
		const pollers = ["rss", "atom", "json", "rss", "atom", "json"].map(poll);
		for (let round = 0; round < 3; round++) {
			await Promise.all(
				Array.from({ length: 8 }, (_, i) =>
					stack.s3.send(
						new PutObjectCommand({
							Bucket: stack.endpoints.ingestBucket,
							Key: `incoming/science-news/edge/${round}-${i}.zip`,
							Body: makeBundle({ manifest: makeManifest({ id: `edge-${round}-${i}` }) }),
						}),
					),
				),
			);
			await stack.idle();
		}
		publishing = false;
		await Promise.all(pollers);

		expect(served.filter((s) => s.status === 200).length).toBeGreaterThan(20);
		expect(served.filter((s) => !s.whole || ![200, 404].includes(s.status))).toEqual([]);
	});
});
