import { writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { Command } from "commander";
import { CliError, exitWithError, prefixCommanderErrors } from "./cli-error.ts";
import { registerAgreementCommands } from "./commands/agreements.ts";
import { registerArticleCommands } from "./commands/articles.ts";
import { registerDeadLetterCommands } from "./commands/dlq.ts";
import { registerPartnerCommands } from "./commands/partners.ts";
import { registerPublishCommand } from "./commands/publish.ts";
import { registerReconcileCommand } from "./commands/reconcile-uploads.ts";
import { registerSmokeCommand } from "./commands/smoke.ts";
import { registerStatusCommand } from "./commands/status.ts";
import { registerUploadCommands } from "./commands/uploads.ts";
import { registerViewCommands } from "./commands/views.ts";

const program = new Command()
	.name("syndicate")
	.description(
		"Syndicate operations, on the local stack (default) or a deployed one. Run: npm run syndicate -- <command>, or without npm (faster) bin/syndicate.mjs <command>",
	);

program
	.command("pack")
	.description(
		"check a bundle folder (manifest.json at its root) as ingest would, then zip it for upload",
	)
	.argument("<folder>", "bundle folder, e.g. examples/bundles/hitachi-china-en-v2")
	.argument("<zip>", "where to write the .zip")
	.action(async (folder: string, zip: string) => {
		// Loaded here, not at start-up: the bundle checks bring zod, the zip code and the sanitizer.
		const [{ packBundle }, { readBundleContent }, { BundleRejectedError }, { openBundle }] =
			await Promise.all([
				import("../local/pack-bundle.ts"),
				import("#shared/domain/bundle-content.ts"),
				import("#shared/domain/errors.ts"),
				import("#shared/domain/read-bundle.ts"),
			]);
		const bytes = await packBundle(resolve(folder));
		try {
			// The same checks as ingest, so a partner sees a rejection before uploading.
			await readBundleContent(await openBundle(bytes));
		} catch (error) {
			if (!(error instanceof BundleRejectedError)) throw error;
			const lines = error.issues.map(
				(issue) => `  ${issue.code}${issue.path ? ` ${issue.path}` : ""}: ${issue.message}`,
			);
			throw new CliError(`${folder} would be rejected:\n${lines.join("\n")}`);
		}
		await writeFile(resolve(zip), bytes);
		console.log(`wrote ${zip} (${bytes.byteLength} bytes)`);
	});

registerPartnerCommands(program);
registerAgreementCommands(program, { reevaluate: (ctx) => ctx.reevaluateAgreement });
registerArticleCommands(program);
registerReconcileCommand(registerUploadCommands(program));
registerDeadLetterCommands(program);
registerStatusCommand(program);
registerViewCommands(program);
registerPublishCommand(program);
registerSmokeCommand(program);

prefixCommanderErrors(program);
program.parseAsync().catch(exitWithError);
