import { appendFileSync } from "node:fs";
import { Command } from "commander";
import { exitWithError, prefixCommanderErrors } from "../../cli/cli-error.ts";
import { registerAgreementCommands } from "../../cli/commands/agreements.ts";
import { registerPartnerCommands } from "../../cli/commands/partners.ts";

/**
 * The partner and agreement commands as cli/syndicate.ts wires them, for tests/cli: the
 * re-evaluation is a fake that appends its calls to `$REEVALUATE_LOG`, and fails when
 * `$REEVALUATE_FAIL` is set.
 */
const program = new Command().name("syndicate");
registerPartnerCommands(program);
registerAgreementCommands(program, {
	reevaluate: () => async (agreementId, by, reason) => {
		const log = process.env.REEVALUATE_LOG;
		if (log) appendFileSync(log, `${JSON.stringify({ agreementId, by, reason })}\n`);
		if (process.env.REEVALUATE_FAIL) throw new Error("the publisher is down");
		return { articles: 2, changed: 1, targets: 3 };
	},
});

// As cli/syndicate.ts ends.
prefixCommanderErrors(program);
program.parseAsync().catch(exitWithError);
