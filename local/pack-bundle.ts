import { readdir, readFile } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { zipSync } from "fflate";

/** Zips a bundle folder (manifest.json at its root) the way a partner's exporter would. */
export async function packBundle(folder: string): Promise<Uint8Array> {
	const files: Record<string, Uint8Array> = {};
	const entries = await readdir(folder, { recursive: true, withFileTypes: true });
	for (const entry of entries) {
		if (!entry.isFile()) continue;
		const path = join(entry.parentPath, entry.name);
		files[relative(folder, path).split(sep).join("/")] = await readFile(path);
	}
	return zipSync(files, { level: 6, mtime: new Date("2023-01-01T00:00:00Z") });
}
