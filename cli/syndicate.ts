import { writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { Command } from "commander";
import { packBundle } from "../local/pack-bundle.ts";

const program = new Command()
	.name("syndicate")
	.description("Syndicate operations. Run through npm: npm run syndicate -- <command>");

program
	.command("pack")
	.description("zip a bundle folder (manifest.json at its root) into an uploadable .zip")
	.argument("<folder>", "bundle folder, e.g. examples/bundles/hitachi-china-en-v2")
	.argument("<zip>", "where to write the .zip")
	.action(async (folder: string, zip: string) => {
		const bytes = await packBundle(resolve(folder));
		await writeFile(resolve(zip), bytes);
		console.log(`wrote ${zip} (${bytes.byteLength} bytes)`);
	});

program.parseAsync().catch((error: unknown) => {
	console.error(error instanceof Error ? error.message : error);
	process.exit(1);
});
