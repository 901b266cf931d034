import { App, Validations } from "aws-cdk-lib";
import { AwsSolutionsChecks } from "cdk-nag";
import { DeployConfigError, readDeployConfig } from "./config.ts";
import { StatefulStack } from "./stacks/stateful-stack.ts";
import { StatelessStack } from "./stacks/stateless-stack.ts";

/** The stack names of a stage, e.g. `Syndicate-dev-Data` and `Syndicate-dev-App`. */
export function stackNames(stage: string): { data: string; app: string } {
	return { data: `Syndicate-${stage}-Data`, app: `Syndicate-${stage}-App` };
}

/**
 * Builds the whole app from its context (`-c stage`, `-c domainName`, `-c certificateArn`,
 * `-c hostedZoneId`, `-c hostedZoneName`, `-c alarmEmail`, `-c hubUrl`, `-c partnersFile`); tests pass
 * context to skip bundling and to choose a stage.
 */
export function buildApp(app = new App()): {
	app: App;
	stateful: StatefulStack;
	stateless: StatelessStack;
} {
	Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
	const config = readDeployConfig(app);
	const names = stackNames(config.stage);
	// A disposable stage can be deleted in one command; any other needs protection lifted first.
	const terminationProtection = !config.disposable;
	// Environment-agnostic: synthesizes offline; `cdk deploy` fills in the account and region.
	const stateful = new StatefulStack(app, names.data, {
		stackName: names.data,
		description: `Syndicate ${config.stage}: buckets, table, ingest queue, partner roles`,
		terminationProtection,
		config,
	});
	const stateless = new StatelessStack(app, names.app, {
		stackName: names.app,
		description: `Syndicate ${config.stage}: functions, CloudFront, alarms and dashboard`,
		terminationProtection,
		config,
		table: stateful.table,
		ingestQueue: stateful.ingestQueue,
		deadLetterQueue: stateful.deadLetterQueue,
	});
	return { app, stateful, stateless };
}

if (import.meta.url === `file://${process.argv[1]}`) {
	try {
		buildApp().app.synth();
	} catch (error) {
		if (!(error instanceof DeployConfigError)) throw error;
		// A setting the operator gave: say which and why in one line; a stack trace says neither.
		console.error(`syndicate: ${error.message}`);
		process.exitCode = 1;
	}
}
