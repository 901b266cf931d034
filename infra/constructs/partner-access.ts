import { Duration, Stack } from "aws-cdk-lib";
import { AccountPrincipal, PolicyDocument, PolicyStatement, Role } from "aws-cdk-lib/aws-iam";
import type { IBucket } from "aws-cdk-lib/aws-s3";
import { Construct } from "constructs";
import { type PartnerConfig, partnerRoleName } from "../config.ts";
import { acknowledgeWildcardResources } from "./nag.ts";

export interface PartnerAccessProps {
	stage: string;
	partner: PartnerConfig;
	ingestBucket: IBucket;
}

/** The key prefixes one partner may touch: its uploads and the reports ingest writes back. */
export function partnerPrefixes(partnerId: string): { uploads: string; reports: string } {
	return { uploads: `incoming/${partnerId}/`, reports: `reports/${partnerId}/` };
}

/**
 * One partner's way in: an IAM role its AWS account may assume (with the agreed external
 * id) that can put uploads under `incoming/{id}/`, read reports under `reports/{id}/` and
 * list those two prefixes, and nothing else. The partner's identity in the pipeline comes
 * from that prefix, so this role is the security boundary between partners.
 */
export class PartnerAccess extends Construct {
	readonly partner: PartnerConfig;
	readonly role: Role;
	/**
	 * The role's ARN built from its name, as `aws:PrincipalArn` carries it for every session of
	 * the role: the ingest bucket's policy compares against exactly this.
	 */
	readonly roleArn: string;

	constructor(scope: Construct, id: string, props: PartnerAccessProps) {
		super(scope, id);
		const { partner, ingestBucket } = props;
		const prefixes = partnerPrefixes(partner.id);
		const roleName = partnerRoleName(props.stage, partner.id);
		const uploads = ingestBucket.arnForObjects(`${prefixes.uploads}*`);
		const reports = ingestBucket.arnForObjects(`${prefixes.reports}*`);

		this.partner = partner;
		this.role = new Role(this, "Role", {
			roleName,
			description: `Syndicate ${props.stage}: uploads and reports of partner ${partner.id} (${partner.displayName})`,
			assumedBy: new AccountPrincipal(partner.accountId).withConditions({
				StringEquals: { "sts:ExternalId": partner.externalId },
			}),
			// An upload takes minutes; a short session limits what a leaked one can do.
			maxSessionDuration: Duration.hours(1),
			inlinePolicies: {
				uploads: new PolicyDocument({
					statements: [
						new PolicyStatement({
							sid: "PutOwnUploads",
							actions: ["s3:PutObject"],
							resources: [uploads],
						}),
						new PolicyStatement({
							sid: "ReadOwnReports",
							actions: ["s3:GetObject"],
							resources: [reports],
						}),
						new PolicyStatement({
							sid: "ListOwnPrefixes",
							actions: ["s3:ListBucket"],
							resources: [ingestBucket.bucketArn],
							conditions: {
								StringLike: {
									"s3:prefix": [
										prefixes.uploads,
										`${prefixes.uploads}*`,
										prefixes.reports,
										`${prefixes.reports}*`,
									],
								},
							},
						}),
					],
				}),
			},
		});
		this.roleArn = Stack.of(this).formatArn({
			service: "iam",
			region: "",
			resource: "role",
			resourceName: roleName,
		});
		acknowledgeWildcardResources(
			this.role,
			[uploads, reports],
			"A partner writes any upload under its own incoming/ prefix and reads any report under its own reports/ prefix; the wildcard is the object name within that prefix.",
		);
	}
}
