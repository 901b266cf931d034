import { App, Validations } from "aws-cdk-lib";
import { AwsSolutionsChecks } from "cdk-nag";
import { StatefulStack } from "./stacks/stateful-stack.ts";
import { StatelessStack } from "./stacks/stateless-stack.ts";

/** Builds the whole app; tests pass context to skip bundling. */
export function buildApp(app = new App()): {
	app: App;
	stateful: StatefulStack;
	stateless: StatelessStack;
} {
	Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
	// Environment-agnostic: synthesizes offline; `cdk deploy` fills in the account and region.
	const siteUrl = app.node.tryGetContext("siteUrl") as string | undefined;
	const stateful = new StatefulStack(app, "SyndicateData", {
		description: "Syndicate: buckets, table, ingest queue",
	});
	const stateless = new StatelessStack(app, "SyndicateApp", {
		description: "Syndicate: ingest and publish functions, CloudFront",
		table: stateful.table,
		ingestQueue: stateful.ingestQueue,
		...(siteUrl ? { siteUrl } : {}),
	});
	return { app, stateful, stateless };
}

if (import.meta.url === `file://${process.argv[1]}`) {
	buildApp().app.synth();
}
