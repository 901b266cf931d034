import { CreateBucketCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoDbAgreementStore } from "#shared/adapters/dynamodb/dynamodb-agreement-store.ts";
import type { AgreementStore } from "#shared/ports/agreements.ts";
import { type LocalStack, startEphemeralStack } from "../../local/stack.ts";
import { makeBundle, makeManifest } from "../helpers/bundles.ts";
import { makeServices } from "../helpers/services.ts";
import { putUpload } from "../helpers/uploads.ts";

let stack: LocalStack;
// A bucket the local stack's notifications ignore: the test drives ingest itself.
const BUCKET = "partners-ingest";

beforeAll(async () => {
	stack = await startEphemeralStack();
	await stack.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
});
afterAll(async () => {
	await stack?.stop();
});

describe("ingest and the partner register", () => {
	it("asks for a registered partner once per process, and for an unknown one every time", async () => {
		const store = new DynamoDbAgreementStore(stack.dynamodb, stack.endpoints.table);
		const asked: string[] = [];
		// The real store, its partner reads recorded.
		const agreements: AgreementStore = Object.assign(Object.create(store), {
			getPartner: (partnerId: string) => {
				asked.push(partnerId);
				return store.getPartner(partnerId);
			},
		});
		const { ingestUpload } = makeServices(stack, { ingestBucket: BUCKET, ingest: { agreements } });
		const ingest = async (name: string) => {
			const event = await putUpload(
				stack,
				BUCKET,
				`incoming/newcomer/${name}.zip`,
				makeBundle({ manifest: makeManifest({ id: name }) }),
			);
			const result = await ingestUpload(event);
			return result?.report.errors.map((error) => error.code) ?? [];
		};

		expect(await ingest("before-1")).toEqual(["UNKNOWN_PARTNER"]);
		expect(await ingest("before-2")).toEqual(["UNKNOWN_PARTNER"]);
		await store.putPartner({ partnerId: "newcomer", name: "Newcomer Press" });
		// Registered now, so no longer refused as unknown (its bundles name another's agreement).
		expect(await ingest("after-1")).not.toContain("UNKNOWN_PARTNER");
		expect(await ingest("after-2")).not.toContain("UNKNOWN_PARTNER");
		expect(asked).toEqual(["newcomer", "newcomer", "newcomer"]);
	});
});
