import { z } from "zod";
import { type BundleIssue, BundleRejectedError, rejectBundle } from "./errors.ts";

// Illegal in XML 1.0 or forbidden by bundle.md: C0 controls but tab and newline, DEL, C1
// controls, lone surrogates and the non-characters U+FFFE/U+FFFF.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is its job.
const FORBIDDEN_CHARACTER = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\ufffe\uffff]|\p{Cs}/u;
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const FULL_DATE = /^\d{4}-\d{2}-\d{2}$/;

function text(options: { min?: number; max?: number } = {}) {
	return z
		.string({ error: "must be a string" })
		.refine((s) => !FORBIDDEN_CHARACTER.test(s), {
			error: "contains a control character (only tab and newline are allowed)",
		})
		.refine((s) => options.min === undefined || [...s.trim()].length >= options.min, {
			error: `must have at least ${options.min} character(s)`,
		})
		.refine((s) => options.max === undefined || [...s].length <= options.max, {
			error: `must have at most ${options.max} characters`,
		});
}

// Date.parse rolls 2024-02-30 over to March 1st: check the calendar day exists.
function isCalendarDate(s: string): boolean {
	const [y, m, d] = s.slice(0, 10).split("-").map(Number) as [number, number, number];
	const date = new Date(Date.UTC(y, m - 1, d));
	return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

function isValidInstant(s: string): boolean {
	return RFC3339.test(s) && isCalendarDate(s) && !Number.isNaN(Date.parse(s));
}

const dateTime = text().refine(isValidInstant, {
	error: "must be an RFC 3339 date-time with a time zone, e.g. 2023-02-20T09:00:00+09:00",
});

const languageTag = text().refine(
	(s) => {
		try {
			return (
				/^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$/.test(s) && Intl.getCanonicalLocales(s).length === 1
			);
		} catch {
			return false;
		}
	},
	{ error: "must be a BCP 47 language tag, e.g. en, zh, zh-Hant" },
);

const bundlePath = text({ min: 1 });

const imageSchema = z.looseObject({
	file: bundlePath.refine((s) => /\.(jpe?g|png|webp)$/i.test(s), {
		error: "must name a .jpg, .jpeg, .png or .webp file",
	}),
	caption: text().optional(),
	credit: text().optional(),
	alt: text().optional(),
});

const manifestSchema = z.looseObject({
	schema: z.literal("syndication-bundle/1", { error: 'must be "syndication-bundle/1"' }),
	id: text().regex(/^[a-z0-9][a-z0-9._-]{0,127}$/, {
		error: "must match ^[a-z0-9][a-z0-9._-]{0,127}$",
	}),
	version: z.int({ error: "must be an integer >= 1" }).min(1, { error: "must be an integer >= 1" }),
	pubStatus: z
		.enum(["usable", "withheld", "canceled"], { error: "must be usable, withheld or canceled" })
		.default("usable"),
	language: languageTag,
	headline: text({ min: 1, max: 300 }),
	summary: text({ max: 1000 }).optional(),
	byline: text().optional(),
	body: bundlePath.refine((s) => /\.html?$/i.test(s), { error: "must name an .html file" }),
	firstCreated: dateTime,
	versionCreated: dateTime,
	embargoUntil: dateTime.optional(),
	subjects: z
		.array(text().regex(/^[a-z0-9-]{1,64}$/, { error: "must match ^[a-z0-9-]{1,64}$" }), {
			error: "must be an array of subject slugs",
		})
		.default([]),
	images: z.array(imageSchema, { error: "must be an array of images" }).default([]),
	original: z
		.looseObject({
			language: languageTag,
			headline: text().optional(),
			url: text()
				.refine((s) => URL.canParse(s) && /^https?:/i.test(s), { error: "must be an http(s) URL" })
				.optional(),
			publication: text().optional(),
			publishedAt: text()
				.refine((s) => isValidInstant(s) || (FULL_DATE.test(s) && isCalendarDate(s)), {
					error: "must be an RFC 3339 date or date-time",
				})
				.optional(),
		})
		.optional(),
	rights: z.looseObject(
		{
			holder: text({ min: 1 }),
			translator: text().optional(),
			agreement: text({ min: 1 }),
			notice: text().optional(),
		},
		{ error: "must be an object with holder and agreement" },
	),
});

/** A manifest that passed bundle.md's rules; unknown fields are kept as they came. */
export type Manifest = z.infer<typeof manifestSchema>;
export type ManifestImage = Manifest["images"][number];

/** `["images", 2, "file"]` → `images[2].file`, the form reports use. */
export function formatPath(path: readonly PropertyKey[]): string {
	return path
		.map((part, i) =>
			typeof part === "number" ? `[${part}]` : `${i === 0 ? "" : "."}${String(part)}`,
		)
		.join("");
}

/**
 * Decodes and validates `manifest.json`. Bytes that are not UTF-8 JSON are
 * `MANIFEST_INVALID_JSON`; every failing field is its own `MANIFEST_INVALID`.
 */
export function parseManifest(bytes: Uint8Array): Manifest {
	let data: unknown;
	try {
		data = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
	} catch (error) {
		const detail = error instanceof SyntaxError ? error.message : "bytes are not valid UTF-8";
		rejectBundle(
			"MANIFEST_INVALID_JSON",
			`manifest.json is not UTF-8 JSON: ${detail}`,
			"manifest.json",
		);
	}
	if (typeof data !== "object" || data === null || Array.isArray(data)) {
		rejectBundle("MANIFEST_INVALID", "manifest.json must hold a JSON object", "manifest.json");
	}
	const result = manifestSchema.safeParse(data);
	if (result.success) return result.data;
	const seen = new Set<string>();
	const issues: BundleIssue[] = [];
	for (const issue of result.error.issues) {
		const path = formatPath(issue.path);
		// One error per failing field, the first reason found.
		if (seen.has(path)) continue;
		seen.add(path);
		const message =
			issue.code === "invalid_type" && issue.input === undefined
				? `${path} is required`
				: `${path} ${issue.message}`;
		issues.push({ code: "MANIFEST_INVALID", message, path });
	}
	const [first, ...rest] = issues;
	if (!first) rejectBundle("MANIFEST_INVALID", "manifest.json is invalid", "manifest.json");
	throw new BundleRejectedError([first, ...rest]);
}
