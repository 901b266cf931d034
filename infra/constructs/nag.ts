import { Stack, Validations } from "aws-cdk-lib";
import type { IConstruct } from "constructs";

type Resolved =
	| string
	| { Ref?: string; "Fn::Join"?: [string, Resolved[]]; "Fn::GetAtt"?: string[] };

// cdk-nag names a finding after the resource as it renders it: `Ref`s become `<Name>`.
function render(value: Resolved): string {
	if (typeof value === "string") return value;
	if (value.Ref) return `<${value.Ref}>`;
	if (value["Fn::GetAtt"]) return `<${value["Fn::GetAtt"].join(".")}>`;
	if (value["Fn::Join"]) return value["Fn::Join"][1].map(render).join(value["Fn::Join"][0]);
	throw new Error(`cannot render ${JSON.stringify(value)} as a cdk-nag finding`);
}

/**
 * Acknowledges AwsSolutions-IAM5 for exactly these resource ARNs, with a reason: each
 * wildcard is acknowledged by name, so a new one still fails the synth.
 */
export function acknowledgeWildcardResources(
	scope: IConstruct,
	resources: readonly string[],
	reason: string,
): void {
	const stack = Stack.of(scope);
	Validations.of(scope).acknowledge(
		...resources.map((arn) => ({
			id: `AwsSolutions-IAM5[Resource::${render(stack.resolve(arn) as Resolved)}]`,
			reason,
		})),
	);
}
