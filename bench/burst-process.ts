import { benchBursts } from "./burst.ts";

// Its own process: the ingest handler builds its SDK clients once per process, for the first
// local stack started, and the benchmarks before this one started theirs.
process.env.AWS_LAMBDA_LOG_LEVEL ??= "WARN";
await benchBursts(Number(process.argv[2] ?? 1000), Number(process.argv[3] ?? 300));
