/** An error as one line for a note: its name when it says more than `Error`, and its message. */
export function describeError(error: unknown): string {
	if (!(error instanceof Error)) return String(error);
	const name = error.name && error.name !== "Error" ? `${error.name}: ` : "";
	return `${name}${error.message}`.replace(/\s+/g, " ").trim();
}
