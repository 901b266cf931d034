// Every character XML 1.0 allows is kept; the rest (C0 controls but tab, newline and carriage
// return, U+FFFE, U+FFFF, lone surrogates) cannot be written at all, not even as a reference.
// Markup characters become entities, so no text can end an element, open a CDATA section or a
// comment: `]]>` is written `]]&gt;`.
// biome-ignore lint/suspicious/noControlCharactersInRegex: dropping control characters is its job.
const SPECIAL = /[&<>"'\t\n\r]|[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|\p{Cs}/gu;

// The fast path, one pass: markup characters replaced by a plain (non-Unicode) regex that
// also spots anything unusual (a control character, a surrogate, paired or not, or a
// noncharacter); only text holding one of those is done again with SPECIAL, which tells a
// lone surrogate from a pair. Tab and newline are not matched at all: they stay as they are.
const MARKUP_IN_TEXT =
	// biome-ignore lint/suspicious/noControlCharactersInRegex: it spots control characters.
	/[&<>"'\r\u0000-\u0008\u000b\u000c\u000e-\u001f\ud800-\udfff\ufffe\uffff]/g;
const MARKUP_IN_ATTRIBUTE =
	// biome-ignore lint/suspicious/noControlCharactersInRegex: it spots control characters.
	/[&<>"'\t\n\r\u0000-\u0008\u000b\u000c\u000e-\u001f\ud800-\udfff\ufffe\uffff]/g;

function escapeWith(text: string, fast: RegExp, table: Record<string, string>): string {
	let unusual = false;
	const out = text.replace(fast, (c) => {
		const entity = table[c];
		if (entity !== undefined) return entity;
		unusual = true;
		return c;
	});
	return unusual ? text.replace(SPECIAL, (c) => table[c] ?? "") : out;
}

const ENTITIES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" };
// Parsers turn a literal CR (and CRLF) into LF, and tab and newline in attribute values into
// spaces; a character reference survives both.
const IN_TEXT: Record<string, string> = { ...ENTITIES, "\t": "\t", "\n": "\n", "\r": "&#13;" };
// The RSS Best Practices Profile's form for plain text: readers that guess whether RSS text is
// HTML take a hexadecimal reference for `&` or `<` as the sign that it is not.
const IN_PLAIN_TEXT: Record<string, string> = { ...IN_TEXT, "&": "&#x26;", "<": "&#x3C;" };
const IN_ATTRIBUTE: Record<string, string> = {
	...ENTITIES,
	"\t": "&#9;",
	"\n": "&#10;",
	"\r": "&#13;",
};

/** Escapes text for XML element content: markup characters as entities, illegal ones dropped. */
export function escapeXmlText(text: string): string {
	return escapeWith(text, MARKUP_IN_TEXT, IN_TEXT);
}

/** Like {@link escapeXmlText}, with `&` and `<` as `&#x26;` and `&#x3C;`: RSS plain text. */
export function escapeXmlPlainText(text: string): string {
	return escapeWith(text, MARKUP_IN_TEXT, IN_PLAIN_TEXT);
}

/** Escapes a value for a double- or single-quoted XML attribute, whitespace kept exactly. */
export function escapeXmlAttribute(value: string): string {
	return escapeWith(value, MARKUP_IN_ATTRIBUTE, IN_ATTRIBUTE);
}

export type XmlAttributes = Readonly<Record<string, string | number>>;

function attributeList(attributes: XmlAttributes): string {
	let out = "";
	for (const [name, value] of Object.entries(attributes)) {
		out += ` ${name}="${escapeXmlAttribute(String(value))}"`;
	}
	return out;
}

/**
 * One element with escaped text content, or an empty element when `text` is undefined.
 * `name` and the attribute names are the caller's constants, never data.
 */
export function xmlElement(
	name: string,
	attributes: XmlAttributes,
	text?: string,
	escapeText: (text: string) => string = escapeXmlText,
): string {
	const open = `<${name}${attributeList(attributes)}`;
	return text === undefined ? `${open}/>` : `${open}>${escapeText(text)}</${name}>`;
}

/** The start tag of an element whose children the caller writes. */
export function xmlStartTag(name: string, attributes: XmlAttributes): string {
	return `<${name}${attributeList(attributes)}>`;
}

/** The XML declaration every feed starts with. */
export const XML_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>';
