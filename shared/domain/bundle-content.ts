import { type BundleIssue, BundleRejectedError, rejectBundle } from "./errors.ts";
import { type Manifest, manifestLimits, parseManifest } from "./manifest.ts";
import {
	type ImageType,
	imageLimits,
	imageTypeOfName,
	readImageSize,
	sniffImageType,
} from "./media.ts";
import { manifestFromNinjs, ninjsLimits } from "./ninjs/ninjs-in.ts";
import { type Bundle, entryName } from "./read-bundle.ts";
import type { BundleWarning } from "./report.ts";
import { type InlineImage, sanitizeBody } from "./sanitize-body.ts";

export interface BundleImage {
	file: string;
	bytes: Uint8Array;
	contentType: ImageType;
	caption?: string;
	credit?: string;
	alt?: string;
}

/** A bundle that passed every check of bundle.md, ready to store. */
export interface BundleContent {
	manifest: Manifest;
	bodyHtml: string;
	images: BundleImage[];
	/** What the partner should know of how the body was changed, for the report. */
	warnings: BundleWarning[];
	/**
	 * Where a manifest path is in what the partner sent: the path itself for a `manifest.json`,
	 * the field it came from for a `ninjs.json`. What is found later in the bundle's manifest
	 * (its dates, its version) is reported through it too.
	 */
	pathOf: (manifestPath: string) => string;
}

/** `finding` with its path where the partner put it (`BundleContent.pathOf`). */
export function locatedBy<T extends { path?: string }>(
	pathOf: (manifestPath: string) => string,
	finding: T,
): T {
	return finding.path === undefined ? finding : { ...finding, path: pathOf(finding.path) };
}

/**
 * What reading the body and photos of a mapped manifest finds, rejections and warnings
 * alike, with its paths given back in the terms of the document the manifest came from.
 */
async function inTermsOf(
	pathOf: (manifestPath: string) => string,
	reading: Promise<Omit<BundleContent, "pathOf">>,
): Promise<BundleContent> {
	try {
		const content = await reading;
		return {
			...content,
			warnings: content.warnings.map((warning) => locatedBy(pathOf, warning)),
			pathOf,
		};
	} catch (error) {
		if (!(error instanceof BundleRejectedError)) throw error;
		const [first, ...rest] = error.issues.map((issue) => locatedBy(pathOf, issue));
		if (!first) throw error;
		const warnings = warningsOf(error).map((warning) => locatedBy(pathOf, warning));
		throw new ContentRejectedError([first, ...rest], warnings);
	}
}

/**
 * A rejection of the body or photos, with the warnings found before it (an inline image
 * rewritten, then a photo missing): bundle.md promises them in the rejected report too.
 */
export class ContentRejectedError extends BundleRejectedError {
	readonly warnings: readonly BundleWarning[];

	constructor(
		issues: readonly [BundleIssue, ...BundleIssue[]],
		warnings: readonly BundleWarning[],
	) {
		super(issues);
		this.warnings = warnings;
	}
}

/** The warnings a rejection carries: none but a body or photo rejection's. */
export function warningsOf(error: BundleRejectedError): readonly BundleWarning[] {
	return error instanceof ContentRejectedError ? error.warnings : [];
}

// A body with thousands of images must not make a report of megabytes.
const MAX_IMAGE_WARNINGS = 20;

function quoted(src: string): string {
	return JSON.stringify(src.length > 200 ? `${src.slice(0, 200)}…` : src);
}

/** One warning per inline image the sanitizer rewrote or dropped (bundle.md, warnings). */
function inlineImageWarnings(images: readonly InlineImage[]): BundleWarning[] {
	const warnings = images.slice(0, MAX_IMAGE_WARNINGS).map(
		(image): BundleWarning =>
			image.file === undefined
				? {
						code: "INLINE_IMAGE_DROPPED",
						message: `inline image ${quoted(image.src)} is not one of the bundle's images[].file; it was removed, with its figure and caption`,
						path: "body",
					}
				: {
						code: "INLINE_IMAGE_REWRITTEN",
						message: `inline image ${quoted(image.src)} is shown as the bundle's photo ${image.file}, only where the agreement permits photos (otherwise it is left out with its figure and caption)`,
						path: "body",
					},
	);
	const rest = images.slice(MAX_IMAGE_WARNINGS);
	const dropped = rest.filter((image) => image.file === undefined).length;
	if (dropped > 0) {
		warnings.push({
			code: "INLINE_IMAGE_DROPPED",
			message: `${dropped} more inline images that are not the bundle's photos were removed`,
			path: "body",
		});
	}
	if (rest.length > dropped) {
		warnings.push({
			code: "INLINE_IMAGE_REWRITTEN",
			message: `${rest.length - dropped} more inline images are shown as the bundle's photos where permitted`,
			path: "body",
		});
	}
	return warnings;
}

/**
 * Reads the manifest, the body and the images a bundle names, and nothing else.
 * Every problem with the body and images is reported, not only the first.
 */
export async function readBundleContent(bundle: Bundle): Promise<BundleContent> {
	const manifestSize = bundle.size("manifest.json");
	const ninjsSize = bundle.size("ninjs.json");
	if (manifestSize !== undefined && ninjsSize !== undefined) {
		rejectBundle(
			"MANIFEST_AND_NINJS",
			"the zip holds both manifest.json and ninjs.json; send one of them",
			"ninjs.json",
		);
	}
	if (manifestSize === undefined && ninjsSize !== undefined) {
		if (ninjsSize > ninjsLimits.maxBytes) {
			rejectBundle(
				"TOO_LARGE",
				`ninjs.json is ${ninjsSize} bytes uncompressed; the limit is ${ninjsLimits.maxBytes}`,
				"ninjs.json",
			);
		}
		const ninjsBytes = await bundle.read("ninjs.json");
		if (!ninjsBytes) rejectBundle("MANIFEST_MISSING", "ninjs.json could not be read");
		const mapped = await manifestFromNinjs(ninjsBytes);
		const reading = inTermsOf(
			mapped.pathOf,
			readContent(bundle, mapped.manifest, utf8(mapped.bodyHtml)),
		);
		// The fields left unmapped are worth knowing whether or not the body and photos pass.
		const content = await reading.catch((error: unknown) => {
			if (!(error instanceof ContentRejectedError)) throw error;
			throw new ContentRejectedError(error.issues, [...mapped.warnings, ...error.warnings]);
		});
		return { ...content, warnings: [...mapped.warnings, ...content.warnings] };
	}
	if (manifestSize === undefined)
		rejectBundle(
			"MANIFEST_MISSING",
			"neither manifest.json nor ninjs.json is at the root of the zip",
		);
	// Decided from the central directory, before inflating a byte of it.
	if (manifestSize > manifestLimits.maxBytes) {
		rejectBundle(
			"TOO_LARGE",
			`manifest.json is ${manifestSize} bytes uncompressed; the limit is ${manifestLimits.maxBytes}`,
			"manifest.json",
		);
	}
	const manifestBytes = await bundle.read("manifest.json");
	if (!manifestBytes)
		rejectBundle("MANIFEST_MISSING", "manifest.json is not at the root of the zip");
	const manifest = parseManifest(manifestBytes);
	const content = await readContent(bundle, manifest, await bundle.read(entryName(manifest.body)));
	return { ...content, pathOf: (path) => path };
}

const utf8 = (text: string) => new TextEncoder().encode(text);

/** The body (`bodyBytes`: the manifest's file, or a ninjs document's inline body) and photos. */
async function readContent(
	bundle: Bundle,
	manifest: Manifest,
	bodyBytes: Uint8Array | undefined,
): Promise<Omit<BundleContent, "pathOf">> {
	const issues: BundleIssue[] = [];
	let bodyHtml = "";
	let warnings: BundleWarning[] = [];
	if (!bodyBytes) {
		issues.push({
			code: "BODY_MISSING",
			message: `body file ${manifest.body} is not in the bundle`,
			path: "body",
		});
	} else {
		try {
			const body = sanitizeBody(new TextDecoder("utf-8", { fatal: true }).decode(bodyBytes), {
				body: entryName(manifest.body),
				images: manifest.images.map((image) => entryName(image.file)),
			});
			bodyHtml = body.html;
			warnings = inlineImageWarnings(body.inlineImages);
			if (bodyHtml.replace(/<[^>]*>/g, "").trim() === "") {
				issues.push({
					code: "BODY_INVALID",
					message: "body has no text once sanitised",
					path: "body",
				});
			}
		} catch {
			issues.push({ code: "BODY_INVALID", message: "body is not valid UTF-8", path: "body" });
		}
	}

	const images: BundleImage[] = [];
	for (const [i, image] of manifest.images.entries()) {
		const path = `images[${i}].file`;
		const bytes = await bundle.read(entryName(image.file));
		if (!bytes) {
			issues.push({
				code: "IMAGE_MISSING",
				message: `image ${image.file} is not in the bundle`,
				path,
			});
			continue;
		}
		const actual = sniffImageType(bytes);
		const named = imageTypeOfName(image.file);
		if (!actual || actual !== named) {
			issues.push({
				code: "IMAGE_TYPE",
				message: actual
					? `image ${image.file} is named as ${named} but its bytes are ${actual}`
					: `image ${image.file} is not a JPEG, PNG or WebP image`,
				path,
			});
			continue;
		}
		const size = readImageSize(bytes);
		if (!size) {
			issues.push({
				code: "IMAGE_TYPE",
				message: `image ${image.file} is not a readable ${named}: its header gives no width and height`,
				path,
			});
			continue;
		}
		if (
			size.width * size.height > imageLimits.maxPixels ||
			Math.max(size.width, size.height) > imageLimits.maxSide
		) {
			issues.push({
				code: "IMAGE_TOO_LARGE",
				message: `image ${image.file} is ${size.width}×${size.height} pixels; the limits are ${imageLimits.maxPixels / 1_000_000} megapixels and ${imageLimits.maxSide} pixels a side`,
				path,
			});
			continue;
		}
		images.push({
			file: entryName(image.file),
			bytes,
			contentType: actual,
			...(image.caption ? { caption: image.caption } : {}),
			...(image.credit ? { credit: image.credit } : {}),
			...(image.alt ? { alt: image.alt } : {}),
		});
	}
	const [first, ...rest] = issues;
	if (first) throw new ContentRejectedError([first, ...rest], warnings);
	return { manifest, bodyHtml, images, warnings };
}
