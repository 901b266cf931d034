import { BundleRejectedError, rejectBundle } from "../errors.ts";
import { subjectSlug } from "../feeds/kinds.ts";
import { type Manifest, validateManifest } from "../manifest.ts";
import type { BundleWarning } from "../report.ts";

/** Where an uploaded ninjs document's inline body is read from, as if it were this file. */
export const NINJS_BODY_PATH = "body.html";

/**
 * How a photo's rendition names its file in the zip: ninjs requires an absolute URI there, so
 * `bundle:images/forum.png` is the zip's `images/forum.png`.
 */
export const BUNDLE_SCHEME = "bundle:";

/** A ninjs document may carry its body inline, so it may be larger than a manifest. */
export const ninjsLimits = { maxBytes: 4 * 1024 * 1024 } as const;

type Json = Record<string, unknown>;
interface Text {
	role?: string;
	contentType?: string;
	value: string;
}

const isObject = (value: unknown): value is Json =>
	typeof value === "object" && value !== null && !Array.isArray(value);
const list = (value: unknown): Json[] => (Array.isArray(value) ? value.filter(isObject) : []);
const texts = (value: unknown) => list(value) as unknown as Text[];

/** The ninjs fields mapped to the article (docs/bundle.md, "ninjs bundles"); others are warned of. */
const MAPPED = new Set([
	"standard",
	"uri",
	"type",
	"representationType",
	"version",
	"pubStatus",
	"language",
	"headlines",
	"descriptions",
	"bodies",
	"by",
	"firstCreated",
	"versionCreated",
	"embargoedUntil",
	"subjects",
	"associations",
	"altIds",
	"copyrightHolder",
	"copyrightNotice",
	"rightsInfo",
	"infoSources",
]);

// An agreement named by its policy's URL on any Syndicate site, or by its URN.
const AGREEMENT_REF = /(?:\/agreements\/([^/]+)\.jsonld|^urn:syndicate:agreement:(.+))$/;

const escapeText = (text: string) =>
	text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** The text of `role` (or of no role), else the first: ninjs lets a provider name roles freely. */
function pick(items: Text[], roles: readonly string[]): { item: Text; index: number } | undefined {
	const index = items.findIndex((item) => item.role === undefined || roles.includes(item.role));
	const at = index === -1 ? 0 : index;
	const item = items[at];
	return item ? { item, index: at } : undefined;
}

/**
 * The article id and the field it was read from: an `altIds` entry of role `syndicate:id`,
 * else the last segment of the `uri` (`urn:newsml:example.com:20260101:abc-123` → `abc-123`),
 * lower-cased.
 */
function articleIdOf(document: Json): { id: string; from: string } {
	const alts = texts(document.altIds);
	const own = alts.findIndex((alt) => alt.role === "syndicate:id");
	const alt = alts[own];
	if (alt) return { id: alt.value, from: `altIds[${own}].value` };
	const segments = String(document.uri)
		.split(/[:/#?]/)
		.filter((part) => part !== "");
	return { id: (segments.at(-1) ?? "").toLowerCase(), from: "uri" };
}

/**
 * Where a manifest path is in the document, by the field each manifest field was taken from
 * (`images[0].file` → `ninjs.json:associations[2].renditions[0].href`): the longest mapped
 * field the path is in, the rest of the path kept. A path no field holds (a zip entry) is
 * given back as it is.
 */
function ninjsPathOf(origins: ReadonlyMap<string, string>): (manifestPath: string) => string {
	return (path) => {
		let best: string | undefined;
		for (const from of origins.keys()) {
			const within = path === from || path.startsWith(`${from}.`) || path.startsWith(`${from}[`);
			if (within && from.length > (best?.length ?? -1)) best = from;
		}
		return best === undefined ? path : `ninjs.json:${origins.get(best)}${path.slice(best.length)}`;
	};
}

/**
 * Decodes an uploaded `ninjs.json`, validates it against the pinned IPTC ninjs 3.1 schema and
 * maps it to the manifest it stands for, which then goes through the manifest's own rules:
 * the same checks, codes and limits as a `manifest.json`. `pathOf` gives any manifest path
 * back in ninjs terms, so every report path names the place in the document it came from.
 * Fields the mapping leaves out are listed as `NINJS_FIELD_NOT_USED` warnings, never dropped
 * silently.
 */
export async function manifestFromNinjs(bytes: Uint8Array): Promise<{
	manifest: Manifest;
	bodyHtml: string;
	warnings: BundleWarning[];
	pathOf: (manifestPath: string) => string;
}> {
	if (bytes.byteLength > ninjsLimits.maxBytes) {
		rejectBundle(
			"TOO_LARGE",
			`ninjs.json is ${bytes.byteLength} bytes; the limit is ${ninjsLimits.maxBytes}`,
			"ninjs.json",
		);
	}
	let document: unknown;
	try {
		document = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
	} catch (error) {
		const detail = error instanceof SyntaxError ? error.message : "bytes are not valid UTF-8";
		rejectBundle("MANIFEST_INVALID_JSON", `ninjs.json is not UTF-8 JSON: ${detail}`, "ninjs.json");
	}
	// Loaded for a ninjs bundle only: the compiled schema stays out of every other cold start.
	const { validate } = await import("./validate-ninjs-3.1.generated.mjs");
	if (!validate(document) || !isObject(document)) {
		const issues = (validate.errors ?? []).slice(0, 20).map((error) => ({
			code: "NINJS_INVALID" as const,
			message: `ninjs.json${error.instancePath || ""} ${error.message ?? "is invalid"} (schema ${error.schemaPath})`,
			path: `ninjs.json${error.instancePath}`,
		}));
		const [first, ...rest] = issues;
		if (!first)
			rejectBundle("NINJS_INVALID", "ninjs.json is not a ninjs 3.1 document", "ninjs.json");
		throw new BundleRejectedError([first, ...rest]);
	}

	const warnings: BundleWarning[] = [];
	const notUsed = (field: string, why: string) =>
		warnings.push({
			code: "NINJS_FIELD_NOT_USED",
			message: `${field} ${why}`,
			path: `ninjs.json:${field}`,
		});
	const id = articleIdOf(document);
	// Each manifest field to the ninjs field it was taken from, for the report's paths; a field
	// taken from one entry of a list names that entry once it is picked below.
	const origins = new Map<string, string>([
		["id", id.from],
		["version", "version"],
		["pubStatus", "pubStatus"],
		["language", "language"],
		["headline", "headlines"],
		["summary", "descriptions"],
		["byline", "by"],
		["body", "bodies"],
		["firstCreated", "firstCreated"],
		["versionCreated", "versionCreated"],
		["embargoUntil", "embargoedUntil"],
		["subjects", "subjects"],
		["images", "associations"],
		["rights.holder", "copyrightHolder"],
		["rights.agreement", "rightsInfo.linkedRights"],
		["rights.notice", "copyrightNotice"],
	]);
	for (const key of Object.keys(document)) {
		if (!MAPPED.has(key)) notUsed(key, "is not mapped to the article and was not used");
	}

	const headlines = texts(document.headlines);
	const headline = pick(headlines, ["main", "headline"]);
	if (headline) origins.set("headline", `headlines[${headline.index}].value`);
	const descriptions = texts(document.descriptions);
	const summary = pick(descriptions, ["summary", "abstract"]);
	if (summary) origins.set("summary", `descriptions[${summary.index}].value`);
	for (const [i] of headlines.entries())
		if (i !== headline?.index) notUsed(`headlines[${i}]`, "was not used (one headline is)");
	for (const [i] of descriptions.entries())
		if (i !== summary?.index) notUsed(`descriptions[${i}]`, "was not used (one summary is)");

	const bodies = texts(document.bodies);
	const html = bodies.findIndex((body) => body.contentType === "text/html");
	const bodyAt = html === -1 ? 0 : html;
	const body = bodies[bodyAt];
	for (const [i] of bodies.entries()) if (i !== bodyAt) notUsed(`bodies[${i}]`, "was not used");
	if (body) origins.set("body", `bodies[${bodyAt}]`);
	const bodyHtml =
		body === undefined
			? ""
			: body.contentType === "text/html"
				? body.value
				: body.value
						.split(/\n\s*\n/)
						.map((paragraph) => `<p>${escapeText(paragraph.trim())}</p>`)
						.join("");

	const images: Json[] = [];
	let original: Json | undefined;
	for (const [i, association] of list(document.associations).entries()) {
		const at = `associations[${i}]`;
		if (association.rel === "translationOf" && original === undefined) {
			const title = pick(texts(association.headlines), ["main"]);
			const uri = String(association.uri);
			origins.set("original", at);
			origins.set("original.language", `${at}.language`);
			if (title) origins.set("original.headline", `${at}.headlines[${title.index}].value`);
			if (/^https?:/i.test(uri)) origins.set("original.url", `${at}.uri`);
			origins.set("original.publication", `${at}.by`);
			origins.set("original.publishedAt", `${at}.firstCreated`);
			original = {
				...(association.language !== undefined ? { language: association.language } : {}),
				...(title ? { headline: title.item.value } : {}),
				...(/^https?:/i.test(uri) ? { url: uri } : {}),
				...(association.by !== undefined ? { publication: association.by } : {}),
				...(association.firstCreated !== undefined
					? { publishedAt: association.firstCreated }
					: {}),
			};
			continue;
		}
		const renditions = list(association.renditions);
		const r = renditions.findIndex(
			(candidate) => typeof candidate.href === "string" && candidate.href.startsWith(BUNDLE_SCHEME),
		);
		const rendition = renditions[r];
		if (association.type !== "picture" || !rendition) {
			notUsed(
				at,
				`is not a photo in the bundle (a picture with a rendition whose href is ${BUNDLE_SCHEME} and its path in the zip)`,
			);
			continue;
		}
		const photoTexts = texts(association.descriptions);
		const c = photoTexts.findIndex((text) => text.role === "caption");
		const a = photoTexts.findIndex((text) => text.role === "alternative" || text.role === "alt");
		const caption = photoTexts[c];
		const alt = photoTexts[a];
		const credit = association.by ?? association.copyrightHolder;
		const image = `images[${images.length}]`;
		origins.set(image, at);
		origins.set(`${image}.file`, `${at}.renditions[${r}].href`);
		if (caption) origins.set(`${image}.caption`, `${at}.descriptions[${c}].value`);
		if (alt) origins.set(`${image}.alt`, `${at}.descriptions[${a}].value`);
		origins.set(
			`${image}.credit`,
			`${at}.${association.by !== undefined ? "by" : "copyrightHolder"}`,
		);
		images.push({
			file: String(rendition.href).slice(BUNDLE_SCHEME.length),
			...(caption ? { caption: caption.value } : {}),
			...(alt ? { alt: alt.value } : {}),
			...(credit !== undefined ? { credit } : {}),
		});
	}

	const linked = isObject(document.rightsInfo)
		? String(document.rightsInfo.linkedRights ?? "")
		: "";
	const agreement = AGREEMENT_REF.exec(linked);
	const sources = list(document.infoSources);
	const t = sources.findIndex((source) => source.role === "translator");
	const translator = sources[t];
	if (translator) origins.set("rights.translator", `infoSources[${t}].name`);
	const version = typeof document.version === "string" && /^\d+$/.test(document.version);
	const subjects = list(document.subjects).map((subject, i) => {
		const name = typeof subject.name === "string" ? subject.name : undefined;
		const slug =
			typeof subject.literal === "string" ? subject.literal : subjectSlug(String(name ?? ""));
		origins.set(`subjectNames.${slug}`, `subjects[${i}].name`);
		return [slug, name] as const;
	});
	// A subject's name is its name on pages and in feed titles (bundle.md, `subjectNames`).
	const subjectNames = subjects.filter(
		(entry): entry is readonly [string, string] => entry[1] !== undefined && entry[1] !== entry[0],
	);
	const manifest = {
		schema: "syndication-bundle/1",
		id: id.id,
		version: version ? Number(document.version) : document.version,
		...(document.pubStatus !== undefined ? { pubStatus: document.pubStatus } : {}),
		language: document.language,
		headline: headline?.item.value,
		...(summary ? { summary: summary.item.value } : {}),
		...(document.by !== undefined ? { byline: document.by } : {}),
		body: NINJS_BODY_PATH,
		firstCreated: document.firstCreated,
		versionCreated: document.versionCreated,
		...(document.embargoedUntil !== undefined ? { embargoUntil: document.embargoedUntil } : {}),
		subjects: subjects.map(([slug]) => slug),
		...(subjectNames.length > 0 ? { subjectNames: Object.fromEntries(subjectNames) } : {}),
		images,
		...(original ? { original } : {}),
		rights: {
			holder: document.copyrightHolder,
			...(translator?.name !== undefined ? { translator: translator.name } : {}),
			agreement: agreement ? decodeURIComponent(agreement[1] ?? agreement[2] ?? "") : undefined,
			...(document.copyrightNotice !== undefined ? { notice: document.copyrightNotice } : {}),
		},
	};
	const pathOf = ninjsPathOf(origins);
	return { manifest: validateManifest(manifest, pathOf), bodyHtml, warnings, pathOf };
}
