import type { Logger } from "@aws-lambda-powertools/logger";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { S3ObjectStore } from "#shared/adapters/s3/s3-object-store.ts";
import { CompressedVariantStore } from "#shared/adapters/zlib/compressed-variant-store.ts";
import { lambdaDeployment } from "../../functions/lib/lambda-deployment.ts";
import { publishingPorts, useCaseOptions } from "../../functions/lib/ports.ts";

const logger = { error: () => undefined } as unknown as Logger;

beforeEach(() => {
	vi.stubEnv("TABLE_NAME", "table");
	vi.stubEnv("INGEST_BUCKET", "ingest");
	vi.stubEnv("SITE_BUCKET", "site");
	vi.stubEnv("SITE_URL", "https://news.example.org");
});
afterEach(() => {
	vi.unstubAllEnvs();
});

describe("the site bucket of a function's deployment", () => {
	it("writes compressed copies where COMPRESSED_VARIANTS is set, as in AWS", () => {
		vi.stubEnv("COMPRESSED_VARIANTS", "true");
		const aws = lambdaDeployment(logger, "ingest");
		expect(aws.compressedVariants).toBe(true);
		expect(publishingPorts(aws).site).toBeInstanceOf(CompressedVariantStore);
		// Not a use case option: the stores alone act on it.
		expect(useCaseOptions(aws)).not.toHaveProperty("compressedVariants");
	});

	it("is the plain bucket without it, as for the local stack, whose edge compresses itself", () => {
		vi.stubEnv("COMPRESSED_VARIANTS", undefined);
		const local = lambdaDeployment(logger, "ingest");
		expect(local.compressedVariants).toBeUndefined();
		expect(publishingPorts(local).site).toBeInstanceOf(S3ObjectStore);
	});
});
