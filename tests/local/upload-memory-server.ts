/**
 * The local stack's upload path alone (s3rver with literal keys and versioned uploads), in a
 * process of its own so that its peak memory is its own: prints its port, then on any line
 * of stdin its resident memory now and at its peak, in bytes.
 */
import { mkdtemp, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateBucketCommand } from "@aws-sdk/client-s3";
import S3rver from "s3rver";
import { behaveLikeS3 } from "../../local/s3rver-keys.ts";
import { localS3Client } from "../../local/stack.ts";
import { LocalVersionStore } from "../../local/version-store.ts";
import { versionUploads } from "../../local/versioned-uploads.ts";

const dir = await mkdtemp(join(tmpdir(), "upload-memory-"));
const s3rver = new S3rver({
	address: "127.0.0.1",
	port: 0,
	directory: join(dir, "s3"),
	silent: true,
});
behaveLikeS3(s3rver);
let notified = 0;
await versionUploads(s3rver, {
	bucket: "syndicate-ingest",
	prefix: "incoming/",
	region: "us-east-1",
	versions: new LocalVersionStore(join(dir, "versions")),
	notify: async () => {
		notified++;
	},
});
const { port } = (await s3rver.run()) as AddressInfo;
const s3 = localS3Client(`http://127.0.0.1:${port}`);
await s3.send(new CreateBucketCommand({ Bucket: "syndicate-ingest" }));
s3.destroy();
process.stdout.write(`${JSON.stringify({ port })}\n`);
process.stdin.setEncoding("utf8");
process.stdin.on("data", async (line: string) => {
	if (line.trim() === "stop") {
		await s3rver.close();
		await rm(dir, { recursive: true, force: true });
		process.exit(0);
	}
	const rss = process.memoryUsage().rss;
	const peak = process.resourceUsage().maxRSS * 1024;
	process.stdout.write(`${JSON.stringify({ rss, peak, notified })}\n`);
});
