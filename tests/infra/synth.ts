import { join } from "node:path";
import { App } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import { buildApp } from "../../infra/app.ts";

/**
 * Partners with account ids of their own: a stage other than `dev` refuses the documentation
 * ids `infra/partners.json` ships.
 */
export const prodPartnersFile = join(import.meta.dirname, "partners.prod.json");

/** Context for a production-like stage with every optional setting given. */
export const fullContext = {
	stage: "prod",
	partnersFile: prodPartnersFile,
	domainName: "news.example.org",
	certificateArn:
		"arn:aws:acm:us-east-1:123456789012:certificate/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0",
	hostedZoneId: "Z0123456789ABCDEFGHIJ",
	hostedZoneName: "example.org",
	alarmEmail: "ops@example.org",
} as const;

/**
 * Synthesizes the app with this context, without bundling the functions (that is what
 * `npm run synth` checks), and returns both stacks with their templates.
 */
export function synthesize(context: Record<string, unknown> = {}) {
	const built = buildApp(new App({ context: { "aws:cdk:bundling-stacks": [], ...context } }));
	return {
		...built,
		dataTemplate: Template.fromStack(built.stateful),
		appTemplate: Template.fromStack(built.stateless),
	};
}

/** Builds the app with this context and returns the error it throws, or fails the test. */
export function synthError(context: Record<string, unknown>): string {
	try {
		buildApp(new App({ context: { "aws:cdk:bundling-stacks": [], ...context } }));
	} catch (error) {
		return error instanceof Error ? error.message : String(error);
	}
	throw new Error(`expected the context ${JSON.stringify(context)} to be refused`);
}
