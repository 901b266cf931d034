import { type ArticleRef, articlePath } from "./article.ts";

/**
 * One public language version of an article: what a page, a feed entry and the sitemap link
 * as its translation. Only versions the site serves are ever one: an original we do not host
 * (a `ja` article translated to `en` and `zh`) has none.
 */
export interface Translation {
	language: string;
	/** The site path of its page (`articlePath`). */
	path: string;
}

/** The article a version belongs to, whatever its language: `partnerId|articleId`. */
export function articleKeyOf(ref: Pick<ArticleRef, "partnerId" | "articleId">): string {
	return `${ref.partnerId}|${ref.articleId}`;
}

export function translationOf(ref: ArticleRef): Translation {
	return { language: ref.language, path: articlePath(ref) };
}

/**
 * The `hreflang` alternates of one version's page: every public version, itself included, in
 * language order (reciprocal: each version lists the same set), and `x-default` for the
 * version in the original's language when it is one of them. Where the original is not
 * hosted, or its version is not public, there is no `x-default`: the site has no page that
 * is the article for a reader whose language is none of ours, so search engines pick.
 */
export function hreflangAlternates(
	self: ArticleRef,
	others: readonly Translation[],
	originalLanguage: string | undefined,
): { hreflang: string; path: string }[] {
	const all = [translationOf(self), ...others.filter((one) => one.language !== self.language)];
	all.sort((a, b) => (a.language < b.language ? -1 : a.language > b.language ? 1 : 0));
	const links = all.map((one) => ({ hreflang: one.language, path: one.path }));
	const original = originalLanguage?.toLowerCase();
	const byDefault = all.find((one) => one.language.toLowerCase() === original);
	return byDefault ? [...links, { hreflang: "x-default", path: byDefault.path }] : links;
}

/** The other languages an article's version may be stored in: every site language but its own. */
export function siblingRefs(ref: ArticleRef, languages: readonly string[]): ArticleRef[] {
	return languages
		.filter((language) => language !== ref.language)
		.map((language) => ({ partnerId: ref.partnerId, articleId: ref.articleId, language }));
}
