import { absoluteUrl, escapeHtml } from "./html.ts";
import { langAttr, type Ui, type UiStrings, uiFor } from "./i18n.ts";

export const SITE_NAME = "Syndicate";

/** What every part of a page needs: where the site is, and the language around it. */
export interface Context {
	siteUrl: string;
	/** The language of the element the part goes into. */
	lang: string;
	ui: Ui;
	/** ` lang="…"` for interface text, when it is not in {@link lang} (a missing translation). */
	uiLang: string;
}

export function contextFor(siteUrl: string, language: string): Context {
	const ui = uiFor(language);
	return { siteUrl, lang: language, ui, uiLang: langAttr(language, ui.lang) };
}

export function t(ctx: Context, key: keyof UiStrings): string {
	return escapeHtml(ctx.ui.strings[key]);
}

/** Interface text inside other text: in a `<span lang>` only where it is a fallback. */
export function label(ctx: Context, key: keyof UiStrings): string {
	return ctx.uiLang ? `<span${ctx.uiLang}>${t(ctx, key)}</span>` : t(ctx, key);
}

export function href(siteUrl: string, path: string): string {
	return escapeHtml(absoluteUrl(siteUrl, path));
}

export function frontPath(language: string): string {
	return `/${encodeURIComponent(language)}/`;
}

/** `2023-02-20`: the same in every language, and no clock or locale data involved. */
function formatDate(instant: string): string {
	return new Date(instant).toISOString().slice(0, 10);
}

export function time(instant: string): string {
	return `<time datetime="${escapeHtml(new Date(instant).toISOString())}">${formatDate(instant)}</time>`;
}

// In English unless the agreement let it be written in the article's language (permissions.md):
// say so on pages in other languages.
export function attribution(
	ctx: Context,
	line: { attribution: string; attributionLang?: string | undefined },
): string {
	return `<p class="attribution"${langAttr(ctx.lang, line.attributionLang ?? "en")}>${escapeHtml(line.attribution)}</p>`;
}

export function heading(level: number): string {
	return `h${Math.min(Math.max(level, 1), 6)}`;
}
