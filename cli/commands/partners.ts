import type { Command } from "commander";
import { withStackOptions } from "../context.ts";
import type { StackOptions } from "../open-stack.ts";
import { type Reevaluate, withManageAgreements } from "./agreements.ts";
import { printJson, printTable } from "./output.ts";

// Partner commands change no agreement, so they never re-evaluate articles.
const noReevaluation = (): Reevaluate => async () => {
	throw new Error("a partner command re-evaluated an agreement");
};

/** `partners add|list`: the publishers that may upload bundles under `incoming/{partnerId}/`. */
export function registerPartnerCommands(program: Command): Command {
	const partners = program
		.command("partners")
		.description("partners: the publishers that upload bundles under incoming/{partnerId}/");

	withStackOptions(
		partners
			.command("add")
			.description("register a partner, or rename one that exists")
			.argument("<partnerId>", "e.g. science-news (a-z, 0-9, -)")
			.requiredOption("--name <text>", "the partner's name, e.g. 'The Science News Ltd.'"),
	).action(async (partnerId: string, options: StackOptions & { name: string }) => {
		const { partner, action, previous } = await withManageAgreements(
			options,
			noReevaluation,
			(manage) => manage.addPartner({ partnerId, name: options.name }),
		);
		const id = partner.partnerId;
		console.log(
			action === "added"
				? `added partner ${id} (${partner.name})`
				: action === "renamed"
					? `renamed partner ${id}: ${previous?.name} → ${partner.name}`
					: `partner ${id} already exists as ${partner.name}; nothing changed`,
		);
	});

	withStackOptions(
		partners
			.command("list")
			.description("list every partner, by id")
			.option("--json", "print JSON: { partners: [{ partnerId, name }] }"),
	).action(async (options: StackOptions & { json?: boolean }) => {
		const list = await withManageAgreements(options, noReevaluation, (manage) =>
			manage.listPartners(),
		);
		if (options.json) return printJson({ partners: list });
		if (list.length === 0) return console.log("no partners");
		printTable(
			["PARTNER", "NAME"],
			list.map((p) => [p.partnerId, p.name]),
		);
	});

	return partners;
}
