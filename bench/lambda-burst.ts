/**
 * A burst of new articles on a local stack, in Lambda shape or in-process: wall time, and the
 * SDK calls the functions send per article, counted by a proxy in front of s3rver and
 * DynamoDB Local (the functions' calls only; the uploads themselves go straight to s3rver).
 *
 *   npx tsx bench/lambda-burst.ts lambda 40 [containers]
 *   npx tsx bench/lambda-burst.ts in-process 40
 *
 * One stack per process: in-process handlers build their clients once per process.
 */
import { createServer, request } from "node:http";
import type { AddressInfo } from "node:net";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { startEphemeralStack } from "../local/stack.ts";
import { makeBundle, makeManifest } from "../tests/helpers/bundles.ts";

const [runtime = "lambda", countText = "40", containersText] = process.argv.slice(2);
const count = Number(countText);
const calls = { dynamodb: new Map<string, number>(), s3: new Map<string, number>() };

/** A proxy to a server chosen later, counting each request by `name`. */
async function countingProxy(
	into: Map<string, number>,
	name: (req: import("node:http").IncomingMessage) => string,
) {
	let target = "";
	const server = createServer((req, res) => {
		const key = name(req);
		into.set(key, (into.get(key) ?? 0) + 1);
		const url = new URL(req.url ?? "/", target);
		const forward = request(
			url,
			{ method: req.method, headers: { ...req.headers, host: url.host } },
			(answer) => {
				res.writeHead(answer.statusCode ?? 502, answer.headers);
				answer.pipe(res);
			},
		);
		forward.on("error", () => res.destroy());
		req.pipe(forward);
	});
	await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
	return {
		url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
		to: (url: string) => {
			target = url;
		},
		close: () =>
			new Promise<void>((resolve) => {
				server.closeAllConnections();
				server.close(() => resolve());
			}),
	};
}

const s3Proxy = await countingProxy(calls.s3, (req) => req.method ?? "?");
const dynamodbProxy = await countingProxy(
	calls.dynamodb,
	(req) =>
		String(req.headers["x-amz-target"] ?? "?")
			.split(".")
			.pop() ?? "?",
);
const started = performance.now();
const stack = await startEphemeralStack({
	runtime: runtime as "lambda" | "in-process",
	...(containersText ? { lambdaConcurrency: Number(containersText) } : {}),
	functionEndpoints: (endpoints) => {
		s3Proxy.to(endpoints.s3Endpoint);
		dynamodbProxy.to(endpoints.dynamodbEndpoint);
		return { s3: s3Proxy.url, dynamodb: dynamodbProxy.url };
	},
});
const startMs = performance.now() - started;
try {
	// A first article: the language's lists exist, as in calls-per-article.test.ts.
	await stack.s3.send(
		new PutObjectCommand({
			Bucket: stack.endpoints.ingestBucket,
			Key: "incoming/science-news/warm.zip",
			Body: makeBundle({
				manifest: makeManifest({ id: "warm", firstCreated: "2029-01-01T00:00:00Z" }),
			}),
		}),
	);
	await stack.idle();
	calls.s3.clear();
	calls.dynamodb.clear();
	const burstStarted = performance.now();
	await Promise.all(
		Array.from({ length: count }, (_, i) =>
			stack.s3.send(
				new PutObjectCommand({
					Bucket: stack.endpoints.ingestBucket,
					Key: `incoming/science-news/burst/a-${i}.zip`,
					Body: makeBundle({
						manifest: makeManifest({
							id: `burst-${i}`,
							firstCreated: `2030-01-01T00:${String(Math.floor(i / 60)).padStart(2, "0")}:${String(i % 60).padStart(2, "0")}Z`,
						}),
					}),
				}),
			),
		),
	);
	await stack.idle();
	const burstMs = performance.now() - burstStarted;
	const sum = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
	const sorted = (m: Map<string, number>) =>
		[...m]
			.sort((a, b) => b[1] - a[1])
			.map(([k, v]) => `${k} ${v}`)
			.join(", ");
	console.log(
		JSON.stringify({
			runtime,
			containers: stack.functions.get("Ingest")?.options.maxContainers ?? null,
			startMs: Math.round(startMs),
			burst: count,
			burstMs: Math.round(burstMs),
			dynamodbPerArticle: +(sum(calls.dynamodb) / count).toFixed(2),
			s3PerArticle: +(sum(calls.s3) / count).toFixed(2),
			ingest: stack.functions.get("Ingest")?.stats ?? null,
			deadLetters: stack.queue.deadLetters.length,
		}),
	);
	console.log(`  DynamoDB: ${sorted(calls.dynamodb)}`);
	console.log(`  S3: ${sorted(calls.s3)}`);
} finally {
	await stack.stop();
	await s3Proxy.close();
	await dynamodbProxy.close();
}
