import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeS3Key, parseS3Notification } from "../../functions/lib/s3-event.ts";
import { encodeS3EventKey } from "../../local/s3-key.ts";

function record(key: string, eventName = "ObjectCreated:Put") {
	return {
		eventName,
		eventTime: "2026-01-01T00:00:00.000Z",
		s3: { object: { key, size: 10, eTag: "abc", sequencer: "0A1B" }, bucket: { name: "b" } },
	};
}

describe("S3 event keys", () => {
	it("decodes keys exactly as S3 encodes them", () => {
		expect(decodeS3Key("incoming/p/hello+world%2Bx.zip")).toBe("incoming/p/hello world+x.zip");
		expect(encodeS3EventKey("incoming/p/hello world+x.zip")).toBe("incoming/p/hello+world%2Bx.zip");
	});

	it("round-trips any key, decoding once", () => {
		fc.assert(
			fc.property(fc.string({ unit: "grapheme", maxLength: 60 }), (key) => {
				expect(decodeS3Key(encodeS3EventKey(key))).toBe(key);
			}),
		);
	});
});

describe("parseS3Notification", () => {
	it("takes object-created records and skips S3's test event and removals", () => {
		const body = JSON.stringify({
			Records: [record("incoming/p/a+b.zip"), record("incoming/p/c.zip", "ObjectRemoved:Delete")],
		});
		expect(parseS3Notification(body)).toEqual([
			{
				key: "incoming/p/a b.zip",
				size: 10,
				eventTime: "2026-01-01T00:00:00.000Z",
				eTag: "abc",
				sequencer: "0A1B",
			},
		]);
		expect(
			parseS3Notification(JSON.stringify({ Event: "s3:TestEvent", Service: "Amazon S3" })),
		).toEqual([]);
	});
});
