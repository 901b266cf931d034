import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer as createHttpServer } from "node:http";
import { type AddressInfo, connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import { CreateBucketCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import S3rver from "s3rver";
import { startEdgeServer } from "../local/edge-server.ts";
import { localS3Client } from "../local/stack.ts";

const GOAL_304 = 0.5;
const GOAL_FULL = 0.3;
const PATH = "/feeds/en/latest.rss";

interface LoadJob {
	edgeLoad: true;
	port: number;
	request: string;
	connections: number;
	warmupMs: number;
	durationMs: number;
	expectStatus: number;
}

interface LoadResult {
	requests: number;
	errors: number;
	perSecond: number;
}

/**
 * One keep-alive connection at a time per slot, each sending the next request as soon as
 * the last response is complete (autocannon's model, pipelining 1). A minimal parser: both
 * servers answer with Content-Length (or a 304 without a body), never chunked.
 */
function runLoad(job: LoadJob): Promise<LoadResult> {
	const request = Buffer.from(job.request);
	let counting = false;
	let requests = 0;
	let errors = 0;
	let stopping = false;
	const sockets: ReturnType<typeof connect>[] = [];
	const slot = () =>
		new Promise<void>((resolve) => {
			const socket = connect(job.port, "127.0.0.1");
			sockets.push(socket);
			socket.setNoDelay(true);
			// Headers are gathered until their blank line; a body is only counted, never kept.
			let head: Buffer = Buffer.alloc(0);
			let bodyLeft = 0;
			let status = 0;
			socket.on("connect", () => socket.write(request));
			socket.on("data", (chunk: Buffer) => {
				let data: Buffer = chunk;
				while (data.byteLength > 0) {
					if (bodyLeft > 0) {
						const taken = Math.min(bodyLeft, data.byteLength);
						bodyLeft -= taken;
						data = data.subarray(taken);
						if (bodyLeft > 0) return;
					} else {
						head = head.byteLength === 0 ? data : Buffer.concat([head, data]);
						const end = head.indexOf("\r\n\r\n");
						if (end === -1) return;
						const text = head.subarray(0, end).toString("latin1");
						if (/\r\ntransfer-encoding:/i.test(text)) throw new Error("chunked response");
						status = Number(text.slice(9, 12));
						const length = /\r\ncontent-length:\s*(\d+)/i.exec(text);
						bodyLeft = status === 304 ? 0 : Number(length?.[1] ?? 0);
						data = head.subarray(end + 4);
						head = Buffer.alloc(0);
						if (bodyLeft > 0) continue;
					}
					if (counting) {
						if (status === job.expectStatus) requests++;
						else errors++;
					}
					if (stopping) {
						socket.end();
						return;
					}
					socket.write(request);
				}
			});
			socket.on("error", () => {
				errors++;
				resolve();
			});
			socket.on("close", () => resolve());
		});
	const done = Promise.all(Array.from({ length: job.connections }, slot));
	return new Promise((resolve) => {
		setTimeout(() => {
			counting = true;
			const started = performance.now();
			setTimeout(() => {
				counting = false;
				const elapsed = performance.now() - started;
				stopping = true;
				void done.then(() => resolve({ requests, errors, perSecond: (requests / elapsed) * 1000 }));
				// A server that stops answering must not hold the benchmark.
				setTimeout(() => {
					for (const socket of sockets) socket.destroy();
				}, 2000).unref();
			}, job.durationMs);
		}, job.warmupMs);
	});
}

if (!isMainThread && (workerData as LoadJob | undefined)?.edgeLoad) {
	void runLoad(workerData as LoadJob).then((result) => parentPort?.postMessage(result));
}

/** The load runs in a worker thread, so the edge has this thread's event loop to itself. */
function loadFromWorker(job: Omit<LoadJob, "edgeLoad">): Promise<LoadResult> {
	return new Promise((resolve, reject) => {
		const worker = new Worker(new URL(import.meta.url), {
			workerData: { ...job, edgeLoad: true } satisfies LoadJob,
		});
		worker.once("message", (result: LoadResult) => {
			resolve(result);
			void worker.terminate();
		});
		worker.once("error", reject);
	});
}

function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = createServer();
		server.once("error", reject);
		server.listen(0, "127.0.0.1", () => {
			const { port } = server.address() as AddressInfo;
			server.close(() => resolve(port));
		});
	});
}

function nginxBinary(): string | undefined {
	for (const candidate of ["nginx", "/usr/sbin/nginx"]) {
		const probe = spawnSync(candidate, ["-v"], { stdio: "ignore" });
		if (probe.status === 0) return candidate;
	}
	return undefined;
}

async function waitForPort(port: number, child: ChildProcess): Promise<void> {
	for (let attempt = 0; attempt < 100; attempt++) {
		if (child.exitCode !== null) throw new Error(`nginx exited with ${child.exitCode}`);
		const open = await new Promise<boolean>((resolve) => {
			const socket = connect(port, "127.0.0.1");
			socket.once("connect", () => {
				socket.destroy();
				resolve(true);
			});
			socket.once("error", () => resolve(false));
		});
		if (open) return;
		await new Promise((resolve) => setTimeout(resolve, 50));
	}
	throw new Error("nginx did not open its port");
}

/**
 * nginx as the reference static server: one worker (the edge has one event loop, and the
 * load generator needs the other core), sendfile, keep-alive, ETag on, and an access log
 * buffered to a file, as the edge buffers its own.
 */
async function startNginx(binary: string, dir: string, port: number): Promise<ChildProcess> {
	for (const folder of ["www", "temp", "logs"]) await mkdir(join(dir, folder), { recursive: true });
	const conf = `worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/logs/error.log warn;
events { worker_connections 1024; }
http {
  types { application/rss+xml rss; }
  default_type application/octet-stream;
  access_log ${dir}/logs/access.log combined buffer=64k flush=5s;
  client_body_temp_path ${dir}/temp/body;
  proxy_temp_path ${dir}/temp/proxy;
  fastcgi_temp_path ${dir}/temp/fastcgi;
  uwsgi_temp_path ${dir}/temp/uwsgi;
  scgi_temp_path ${dir}/temp/scgi;
  sendfile on;
  tcp_nopush on;
  keepalive_timeout 65;
  keepalive_requests 1000000;
  etag on;
  server {
    listen 127.0.0.1:${port};
    root ${dir}/www;
  }
}
`;
	await writeFile(join(dir, "nginx.conf"), conf);
	const child = spawn(binary, ["-p", dir, "-c", join(dir, "nginx.conf")], { stdio: "ignore" });
	await waitForPort(port, child);
	return child;
}

/** A feed of 50 items, about the size the publisher writes. */
function sampleFeed(): string {
	const words = ["energy", "grid", "hydrogen", "carbon", "league", "solar", "battery", "policy"];
	const items = Array.from({ length: 50 }, (_, i) => {
		const text = Array.from({ length: 120 }, (_, j) => words[(i * 7 + j * 3) % words.length]).join(
			" ",
		);
		return `<item><title>Article ${i}: ${words[i % words.length]}</title><link>https://example.org/en/articles/science-news/a-${i}</link><guid isPermaLink="false">urn:syndicate:article:science-news:a-${i}:en</guid><pubDate>Tue, 01 Jan 2030 00:${String(i).padStart(2, "0")}:00 GMT</pubDate><description>${text}</description></item>`;
	});
	return `<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel><title>Latest News</title><link>https://example.org/en/</link><description>Latest</description>${items.join("\n")}</channel></rss>\n`;
}

async function etagOf(port: number): Promise<string> {
	const response = await fetch(`http://127.0.0.1:${port}${PATH}`);
	await response.arrayBuffer();
	const etag = response.headers.get("etag");
	if (response.status !== 200 || !etag)
		throw new Error(`no ETag from port ${port} (status ${response.status})`);
	return etag;
}

export interface EdgeBenchResult {
	notModified: { edge: number; nginx: number; ratio: number };
	fullGet: { edge: number; nginx: number; ratio: number };
}

/**
 * The local edge's throughput against nginx serving the same file in the same run: the
 * conditional GET answered 304 (goal ≥ 0.5× nginx) and the full GET of a 50-item feed
 * without compression (goal ≥ 0.3×). The edge runs as the local stack runs it (S3 events,
 * access logs to the logs bucket); the load comes from a worker thread over keep-alive
 * connections. Skipped, with a message, when nginx is not installed.
 */
export async function benchEdge(
	options: { connections?: number; seconds?: number; rounds?: number } = {},
): Promise<EdgeBenchResult | undefined> {
	const nginx = nginxBinary();
	if (!nginx) {
		console.log(
			"  skipped: nginx is not installed (apt-get install -y nginx), so there is no baseline",
		);
		return undefined;
	}
	const connections = options.connections ?? 32;
	const durationMs = (options.seconds ?? 3) * 1000;
	const rounds = options.rounds ?? 2;
	const dir = await mkdtemp(join(tmpdir(), "bench-edge-"));
	// nginx's worker drops root for an unprivileged user, which must be able to read the file.
	await chmod(dir, 0o755);
	const s3rver = new S3rver({
		address: "127.0.0.1",
		port: 0,
		directory: join(dir, "s3"),
		silent: true,
	});
	let nginxProcess: ChildProcess | undefined;
	let edge: Awaited<ReturnType<typeof startEdgeServer>> | undefined;
	// What node:http alone does, answering a constant 304: the ceiling of any edge in Node.
	const floor = createHttpServer((_req, res) => {
		res.writeHead(304, ["ETag", '"0"', "Cache-Control", "public, max-age=60"]).end();
	});
	try {
		await new Promise<void>((resolve) => floor.listen(0, "127.0.0.1", resolve));
		const floorPort = (floor.address() as AddressInfo).port;
		const { port: s3Port } = (await s3rver.run()) as AddressInfo;
		const s3 = localS3Client(`http://127.0.0.1:${s3Port}`);
		for (const bucket of ["syndicate-site", "syndicate-logs"])
			await s3.send(new CreateBucketCommand({ Bucket: bucket }));
		const feed = sampleFeed();
		await s3.send(
			new PutObjectCommand({
				Bucket: "syndicate-site",
				Key: PATH.slice(1),
				Body: feed,
				ContentType: "application/rss+xml; charset=utf-8",
				CacheControl: "public, max-age=60",
			}),
		);
		edge = await startEdgeServer({
			port: 0,
			s3,
			bucket: "syndicate-site",
			objectEvents: s3rver,
			logs: { bucket: "syndicate-logs" },
		});
		const edgePort = Number(new URL(edge.url).port);
		const nginxPort = await freePort();
		await mkdir(join(dir, "nginx", "www", "feeds", "en"), { recursive: true });
		await writeFile(join(dir, "nginx", "www", PATH.slice(1)), feed);
		nginxProcess = await startNginx(nginx, join(dir, "nginx"), nginxPort);

		const request = (etag?: string) =>
			`GET ${PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: bench-edge/1.0\r\n${etag ? `If-None-Match: ${etag}\r\n` : ""}\r\n`;
		const measure = async (port: number, etag: string | undefined) =>
			loadFromWorker({
				port,
				request: request(etag),
				connections,
				warmupMs: 500,
				durationMs,
				expectStatus: etag ? 304 : 200,
			});
		const edgeTag = await etagOf(edgePort);
		const nginxTag = await etagOf(nginxPort);
		const best = { edge304: 0, nginx304: 0, floor304: 0, edgeFull: 0, nginxFull: 0 };
		// Alternating rounds, best of each: a background hiccup does not decide the ratio.
		for (let round = 0; round < rounds; round++) {
			for (const [name, port, etag] of [
				["nginx304", nginxPort, nginxTag],
				["edge304", edgePort, edgeTag],
				["floor304", floorPort, '"0"'],
				["nginxFull", nginxPort, undefined],
				["edgeFull", edgePort, undefined],
			] as const) {
				const result = await measure(port, etag);
				if (result.errors > 0) throw new Error(`${name}: ${result.errors} unexpected answers`);
				best[name] = Math.max(best[name], result.perSecond);
			}
		}
		const result: EdgeBenchResult = {
			notModified: {
				edge: best.edge304,
				nginx: best.nginx304,
				ratio: best.edge304 / best.nginx304,
			},
			fullGet: {
				edge: best.edgeFull,
				nginx: best.nginxFull,
				ratio: best.edgeFull / best.nginxFull,
			},
		};
		const line = (
			label: string,
			figures: { edge: number; nginx: number; ratio: number },
			goal: number,
		) =>
			`  ${label.padEnd(34)} edge ${figures.edge.toFixed(0).padStart(6)} req/s   nginx ${figures.nginx.toFixed(0).padStart(6)} req/s   ×${figures.ratio.toFixed(2)} (goal ≥ ${goal}: ${figures.ratio >= goal ? "met" : "MISSED"})`;
		console.log(
			`  ${Buffer.byteLength(feed)}-byte feed, ${connections} keep-alive connections, best of ${rounds} × ${durationMs / 1000} s each`,
		);
		console.log(line("conditional GET (304)", result.notModified, GOAL_304));
		console.log(line("full GET (200, identity)", result.fullGet, GOAL_FULL));
		console.log(
			`  for scale: node:http alone answering a constant 304: ${best.floor304.toFixed(0)} req/s (×${(best.floor304 / best.nginx304).toFixed(2)} nginx; the edge reaches ×${(best.edge304 / best.floor304).toFixed(2)} of it)`,
		);
		return result;
	} finally {
		await edge?.stop();
		floor.closeAllConnections();
		floor.close();
		nginxProcess?.kill("SIGTERM");
		await s3rver.close();
		await rm(dir, { recursive: true, force: true });
	}
}
