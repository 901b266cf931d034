// zod/mini as a namespace import: esbuild then keeps only the functions used, not zod's
// methods on every schema or its locales (a named `z` import keeps them all, ~450 KB).
import * as z from "zod/mini";
import { hasSingleton } from "./agreement.ts";
import { type BundleIssue, BundleRejectedError, rejectBundle } from "./errors.ts";
import { isFullDate, parseDateTime } from "./instant.ts";

// Illegal in XML 1.0 or forbidden by bundle.md: C0 controls but tab and newline, DEL, C1
// controls, lone surrogates and the non-characters U+FFFE/U+FFFF.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is its job.
const FORBIDDEN_CHARACTER = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\ufffe\uffff]|\p{Cs}/u;
// Invisible characters that make one file name look like another (bidi overrides, zero-width
// spaces, BOMs): refused in file references, as zip entry names refuse them.
const FORMAT_CHARACTER = /\p{Cf}/u;

/**
 * Bounds on what a manifest may hold (bundle.md). Together they keep an accepted article well
 * inside one DynamoDB item (400 KB) and under its nesting limit (32 levels).
 */
export const manifestLimits = {
	/** Uncompressed size of `manifest.json`, in bytes. */
	maxBytes: 128 * 1024,
	/** Levels of nesting anywhere in the JSON, the manifest object itself being level 1. */
	maxDepth: 10,
	maxImages: 50,
	/** Distinct subjects. */
	maxSubjects: 20,
	/** Characters in a subject's name (`subjectNames`). */
	maxSubjectNameLength: 100,
	/** Characters in `body` and `images[].file`. */
	maxPathLength: 255,
	/**
	 * UTF-8 bytes in each name of such a path: the name becomes part of S3 keys (`content/…`,
	 * `media/…`, at most 1,024 bytes each) and, on a laptop, a file name (at most 255 bytes).
	 */
	maxPathNameBytes: 200,
	/** Characters in a language tag: RFC 5646 asks every implementation to handle 35. */
	maxLanguageLength: 35,
} as const;

function text(options: { min?: number; max?: number } = {}) {
	return z.string({ error: "must be a string" }).check(
		z.refine((s) => !FORBIDDEN_CHARACTER.test(s), {
			error: "contains a control character (only tab and newline are allowed)",
		}),
		z.refine((s) => options.min === undefined || [...s.trim()].length >= options.min, {
			error: `must have at least ${options.min} character(s)`,
		}),
		z.refine((s) => options.max === undefined || [...s].length <= options.max, {
			error: `must have at most ${options.max} characters`,
		}),
	);
}

const dateTime = text().check(
	z.superRefine((value, ctx) => {
		const parsed = parseDateTime(value);
		if (parsed.ok) return;
		ctx.addIssue({
			code: "custom",
			input: value,
			message: `must be an RFC 3339 date-time with a time zone, e.g. 2023-02-20T09:00:00+09:00 (${parsed.reason})`,
		});
	}),
);

const languageTag = text({ max: manifestLimits.maxLanguageLength }).check(
	z.refine(
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
	),
	// Each distinct tag gets a front page, feeds and an OPML entry of its own: extensions and
	// private use would let a partner mint those at will under an agreement naming only `en`.
	z.superRefine((value, ctx) => {
		if (!hasSingleton(value)) return;
		ctx.addIssue({
			code: "custom",
			input: value,
			message: `must not have extension or private-use subtags (-u-, -t-, -x- and the like): ${JSON.stringify(value)}`,
		});
	}),
);

const bundlePath = text({ min: 1, max: manifestLimits.maxPathLength }).check(
	z.refine((s) => !FORMAT_CHARACTER.test(s), {
		error: "contains an invisible format or bidi control character",
	}),
	z.refine(
		(s) =>
			s
				.split("/")
				.every(
					(name) => new TextEncoder().encode(name).byteLength <= manifestLimits.maxPathNameBytes,
				),
		{ error: `has a name longer than ${manifestLimits.maxPathNameBytes} bytes in UTF-8` },
	),
);

// z.object strips unknown keys at every level: only the fields below are ever stored, so an
// unknown field can make nothing unstorable (`__proto__`, `constructor`, 32-level nesting).
const imageSchema = z.object(
	{
		file: bundlePath.check(
			z.refine((s) => /\.(jpe?g|png|webp)$/i.test(s), {
				error: "must name a .jpg, .jpeg, .png or .webp file",
			}),
		),
		caption: z.optional(text({ max: 1000 })),
		credit: z.optional(text({ max: 300 })),
		alt: z.optional(text({ max: 1000 })),
	},
	{ error: "must be an object with a file" },
);

const manifestSchema = z
	.object({
		schema: z.literal("syndication-bundle/1", { error: 'must be "syndication-bundle/1"' }),
		id: text().check(
			z.regex(/^[a-z0-9][a-z0-9._-]{0,127}$/, { error: "must match ^[a-z0-9][a-z0-9._-]{0,127}$" }),
		),
		version: z
			.int({ error: "must be an integer >= 1" })
			.check(z.gte(1, { error: "must be an integer >= 1" })),
		pubStatus: z._default(
			z.enum(["usable", "withheld", "canceled"], { error: "must be usable, withheld or canceled" }),
			"usable",
		),
		language: languageTag,
		headline: text({ min: 1, max: 300 }),
		summary: z.optional(text({ max: 1000 })),
		byline: z.optional(text({ max: 300 })),
		body: bundlePath.check(
			z.refine((s) => /\.html?$/i.test(s), { error: "must name an .html file" }),
		),
		firstCreated: dateTime,
		versionCreated: dateTime,
		embargoUntil: z.optional(dateTime),
		subjects: z._default(
			z
				.pipe(
					z.array(
						text().check(z.regex(/^[a-z0-9-]{1,64}$/, { error: "must match ^[a-z0-9-]{1,64}$" })),
						{ error: "must be an array of subject slugs" },
					),
					// A subject named twice is one subject; twice would be two writes of one feed row.
					z.transform((subjects: string[]) => [...new Set(subjects)]),
				)
				.check(
					z.refine((subjects) => subjects.length <= manifestLimits.maxSubjects, {
						error: `must have at most ${manifestLimits.maxSubjects} distinct subjects`,
					}),
				),
			[],
		),
		// The subjects' names in the bundle's language, for pages, feed titles and the OPML.
		subjectNames: z.optional(
			z.record(z.string(), text({ min: 1, max: manifestLimits.maxSubjectNameLength }), {
				error: 'must be an object naming subjects, e.g. {"china": "中国"}',
			}),
		),
		images: z._default(
			z.array(imageSchema, { error: "must be an array of images" }).check(
				z.maxLength(manifestLimits.maxImages, {
					error: `must have at most ${manifestLimits.maxImages} images`,
				}),
			),
			[],
		),
		original: z.optional(
			z.object(
				{
					language: languageTag,
					headline: z.optional(text({ max: 300 })),
					url: z.optional(
						text({ max: 2048 }).check(
							z.refine((s) => URL.canParse(s) && /^https?:/i.test(s), {
								error: "must be an http(s) URL",
							}),
						),
					),
					publication: z.optional(text({ max: 300 })),
					publishedAt: z.optional(
						text().check(
							z.refine((s) => parseDateTime(s).ok || isFullDate(s), {
								error: "must be an RFC 3339 date or date-time",
							}),
						),
					),
				},
				{ error: "must be an object with a language" },
			),
		),
		rights: z.object(
			{
				holder: text({ min: 1, max: 300 }),
				translator: z.optional(text({ max: 300 })),
				agreement: text({ min: 1, max: 128 }),
				notice: z.optional(text({ max: 1000 })),
			},
			{ error: "must be an object with holder and agreement" },
		),
	})
	.check(
		z.superRefine((manifest, ctx) => {
			// Zod may run this beside failing fields: then `subjects` need not be a list.
			const { subjects } = manifest;
			if (!Array.isArray(subjects)) return;
			for (const slug of Object.keys(manifest.subjectNames ?? {})) {
				if (subjects.includes(slug)) continue;
				ctx.addIssue({
					code: "custom",
					input: slug,
					path: ["subjectNames", slug],
					message: `names a subject that is not in subjects: ${JSON.stringify(slug)}`,
				});
			}
		}),
	);

/** A manifest that passed bundle.md's rules; unknown fields are dropped (the archive keeps them). */
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
 * The path of the first value (in document order) nested deeper than `maxDepth`, or
 * `undefined`. Iterative: a hostile manifest 5,000 levels deep must not overflow the stack.
 */
function findTooDeep(root: unknown, maxDepth: number): PropertyKey[] | undefined {
	const stack: { value: unknown; depth: number; path: PropertyKey[] }[] = [
		{ value: root, depth: 1, path: [] },
	];
	for (let next = stack.pop(); next; next = stack.pop()) {
		const { value, depth, path } = next;
		if (typeof value !== "object" || value === null) continue;
		if (depth > maxDepth) return path;
		const children: [PropertyKey, unknown][] = Array.isArray(value)
			? [...value.entries()]
			: Object.entries(value);
		for (const [key, child] of children.reverse()) {
			stack.push({ value: child, depth: depth + 1, path: [...path, key] });
		}
	}
	return undefined;
}

/**
 * Decodes and validates `manifest.json`. More than {@link manifestLimits}.maxBytes is
 * `TOO_LARGE`; bytes that are not UTF-8 JSON are `MANIFEST_INVALID_JSON`; nesting deeper than
 * `maxDepth` is one `MANIFEST_INVALID`; otherwise every failing field is its own
 * `MANIFEST_INVALID`.
 */
export function parseManifest(bytes: Uint8Array): Manifest {
	if (bytes.byteLength > manifestLimits.maxBytes) {
		rejectBundle(
			"TOO_LARGE",
			`manifest.json is ${bytes.byteLength} bytes; the limit is ${manifestLimits.maxBytes}`,
			"manifest.json",
		);
	}
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
	return validateManifest(data);
}

/**
 * The manifest's rules applied to decoded data: a manifest's own, or one mapped from another
 * form (a ninjs document), whose paths `pathOf` turns back into that form's so the partner is
 * told where in what they sent. Every failing field is its own `MANIFEST_INVALID`.
 */
export function validateManifest(
	data: object,
	pathOf: (manifestPath: string) => string = (path) => path,
): Manifest {
	const tooDeep = findTooDeep(data, manifestLimits.maxDepth);
	if (tooDeep) {
		const path = pathOf(formatPath(tooDeep));
		rejectBundle(
			"MANIFEST_INVALID",
			`${path} nests deeper than ${manifestLimits.maxDepth} levels`,
			path,
		);
	}
	const result = manifestSchema.safeParse(data, { reportInput: true });
	if (result.success) return result.data;
	const seen = new Set<string>();
	const issues: BundleIssue[] = [];
	for (const issue of result.error.issues) {
		const path = pathOf(formatPath(issue.path));
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
