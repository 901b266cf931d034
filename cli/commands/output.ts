/** Prints rows as aligned columns, the header first. */
export function printTable(header: readonly string[], rows: readonly (readonly string[])[]): void {
	const widths = header.map((title, i) =>
		Math.max(title.length, ...rows.map((row) => (row[i] ?? "").length)),
	);
	const line = (cells: readonly string[]) =>
		cells
			.map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
			.join("  ");
	console.log(line(header));
	for (const row of rows) console.log(line(row));
}

/** JSON for scripts, one document on stdout. */
export function printJson(value: unknown): void {
	console.log(JSON.stringify(value, null, 2));
}
