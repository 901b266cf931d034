import { randomUUID } from "node:crypto";
import { rename, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/** Temporary files start with a dot and end in `.tmp`: folder scans skip them. */
export function isTemporaryFile(name: string): boolean {
	return name.startsWith(".") && name.endsWith(".tmp");
}

/**
 * Writes a file whole or not at all: into a temporary file in the same folder, then renamed
 * over the target, so a crash or a concurrent reader never sees half of it.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
	const temporary = join(dirname(path), `.${basename(path)}.${randomUUID()}.tmp`);
	try {
		await writeFile(temporary, data);
		await rename(temporary, path);
	} catch (error) {
		await rm(temporary, { force: true });
		throw error;
	}
}
