const LEVELS = ["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"] as const;

// Lambda's advanced logging controls set AWS_LAMBDA_LOG_LEVEL; INFO when unset.
const threshold = Math.max(
	0,
	LEVELS.indexOf((process.env.AWS_LAMBDA_LOG_LEVEL ?? "INFO").toUpperCase() as never),
);

function write(level: (typeof LEVELS)[number], fields: Record<string, unknown>): void {
	if (LEVELS.indexOf(level) < threshold) return;
	const line = JSON.stringify({ level, ...fields });
	if (level === "ERROR") console.error(line);
	else console.log(line);
}

/** Structured JSON log lines, one per event, as CloudWatch Logs Insights reads them. */
export const log = {
	info: (fields: Record<string, unknown>) => write("INFO", fields),
	error: (fields: Record<string, unknown>) => write("ERROR", fields),
};
