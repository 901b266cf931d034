import type { Article, StoredImage } from "../article.ts";
import { articlePath, imagePath } from "../article.ts";
import { BUNDLE_IMAGE_ATTR } from "../media.ts";
import { hreflangAlternates, type Translation } from "../translations.ts";
import {
	absoluteUrl,
	attrOf,
	escapeHtml,
	type FragmentElement,
	type FragmentNode,
	mapImages,
	parseFragment,
	serializeFragment,
} from "./html.ts";
import { fill, languageNameIn } from "./i18n.ts";
import {
	attribution,
	type Context,
	contextFor,
	frontPath,
	href,
	label,
	SITE_NAME,
	t,
	time,
} from "./page-context.ts";
import { articleFeeds, feedFormatLinks, mainFeed, subscribeSection } from "./page-feeds.ts";
import { languageNav, layout } from "./page-layout.ts";

/**
 * The inline photos of a body: a reference the sanitizer kept becomes the published photo when
 * the agreement permits photos, with its credit; otherwise it goes, its figure and caption with
 * it. Returns the body and the photos it placed, which are then not repeated above it.
 */
function placeInlinePhotos(
	ctx: Context,
	article: Article,
	bodyHtml: string,
): { html: string; placed: Set<string> } {
	if (!bodyHtml.includes(BUNDLE_IMAGE_ATTR) && !bodyHtml.includes("<img")) {
		return { html: bodyHtml, placed: new Set() };
	}
	const photos = new Map(
		article.permission.imagesAllowed ? article.images.map((image) => [image.file, image]) : [],
	);
	const placed = new Set<string>();
	const credits = new Map<FragmentElement, string>();
	const nodes = mapImages(parseFragment(bodyHtml), (img, inFigure): FragmentNode[] => {
		const file = attrOf(img, BUNDLE_IMAGE_ATTR);
		const photo = file === undefined ? undefined : photos.get(file);
		if (!photo) return [];
		placed.add(photo.file);
		const element: FragmentElement = {
			type: "element",
			name: "img",
			attrs: [
				["src", absoluteUrl(ctx.siteUrl, imagePath(article, photo))],
				["alt", attrOf(img, "alt") || photo.alt || ""],
			],
			children: [],
		};
		const credit = photo.credit ? creditHtml(ctx, photo.credit) : undefined;
		if (credit === undefined) return [element];
		if (inFigure) {
			credits.set(element, credit);
			return [element];
		}
		return [element, { type: "text", html: `<small>${credit}</small>` }];
	});
	return { html: serializeFragment(withFigureCredits(nodes, credits)), placed };
}

function creditHtml(ctx: Context, credit: string): string {
	return `<span class="credit"${ctx.uiLang}>${fill(t(ctx, "photoCredit"), { credit: escapeHtml(credit) })}</span>`;
}

/** Adds the credits of a figure's photos to its caption (a caption is made when it has none). */
function withFigureCredits(
	nodes: FragmentNode[],
	credits: ReadonlyMap<FragmentElement, string>,
): FragmentNode[] {
	if (credits.size === 0) return nodes;
	const imagesOf = (node: FragmentNode): FragmentElement[] =>
		node.type === "text"
			? []
			: node.name === "img"
				? [node]
				: node.children.flatMap((child) => imagesOf(child));
	return nodes.map((node) => {
		if (node.type === "text") return node;
		if (node.name !== "figure")
			return { ...node, children: withFigureCredits(node.children, credits) };
		const text = imagesOf(node)
			.map((img) => credits.get(img))
			.filter((credit) => credit !== undefined)
			.join(" ");
		if (text === "") return node;
		const credit: FragmentNode = { type: "text", html: ` ${text}` };
		const hasCaption = node.children.some((c) => c.type === "element" && c.name === "figcaption");
		const children = hasCaption
			? node.children.map((child) =>
					child.type === "element" && child.name === "figcaption"
						? { ...child, children: [...child.children, credit] }
						: child,
				)
			: [
					...node.children,
					{ type: "element", name: "figcaption", attrs: [], children: [credit] } as FragmentNode,
				];
		return { ...node, children };
	});
}

function leadPhoto(ctx: Context, article: Article, image: StoredImage): string {
	const caption = [
		image.caption ? escapeHtml(image.caption) : "",
		image.credit ? creditHtml(ctx, image.credit) : "",
	]
		.filter((part) => part !== "")
		.join(" ");
	return `<figure><img src="${href(ctx.siteUrl, imagePath(article, image))}" alt="${escapeHtml(image.alt ?? "")}">${caption ? `<figcaption>${caption}</figcaption>` : ""}</figure>`;
}

// schema.org's terms, embedded: a reader of the page expands it without fetching a context.
const SCHEMA_ORG = { "@vocab": "https://schema.org/" };

/**
 * schema.org `NewsArticle` of the page: dates, rights holder and translator (the agreement's:
 * the manifest's are evidence, never printed), the photos the agreement permits, and the
 * original it translates, which names every public version of ours as its translations
 * (`workTranslation`, this one included). A version in the original's own language is the
 * original: it names the others as its translations.
 */
function newsArticle(
	article: Article,
	siteUrl: string,
	versions: readonly Translation[],
	translator: string | undefined,
): Record<string, unknown> {
	const url = absoluteUrl(siteUrl, articlePath(article));
	const node = (path: string) => ({ "@id": absoluteUrl(siteUrl, path) });
	const organization = (name: string) => ({ "@type": "Organization", name });
	const images = article.permission.imagesAllowed
		? article.images.map((image) => absoluteUrl(siteUrl, imagePath(article, image)))
		: [];
	const { original, rights } = article;
	const isOriginal = original !== undefined && original.language === article.language;
	const others = versions.filter((one) => one.language !== article.language);
	const translationOf =
		original && !isOriginal
			? {
					translationOfWork: {
						"@type": "CreativeWork",
						inLanguage: original.language,
						...(original.headline ? { headline: original.headline } : {}),
						...(original.url ? { url: original.url } : {}),
						...(original.publication ? { publisher: organization(original.publication) } : {}),
						// The day the page shows: a ninjs twin's date-time says no more than its date.
						...(original.publishedAt ? { datePublished: original.publishedAt.slice(0, 10) } : {}),
						workTranslation: [{ "@id": url }, ...others.map((one) => node(one.path))],
					},
				}
			: {};
	return {
		"@context": SCHEMA_ORG,
		"@type": "NewsArticle",
		"@id": url,
		url,
		mainEntityOfPage: url,
		headline: article.headline,
		...(article.summary ? { description: article.summary } : {}),
		inLanguage: article.language,
		datePublished: new Date(article.firstCreated).toISOString(),
		dateModified: new Date(article.versionCreated).toISOString(),
		...(article.byline ? { author: { "@type": "Person", name: article.byline } } : {}),
		...(images.length > 0 ? { image: images } : {}),
		copyrightHolder: organization(article.permission.holder ?? rights.holder),
		...(translator ? { translator: organization(translator) } : {}),
		...(article.subjects.length > 0 ? { keywords: article.subjects } : {}),
		publisher: organization(SITE_NAME),
		...translationOf,
		...(isOriginal && others.length > 0
			? { workTranslation: others.map((one) => node(one.path)) }
			: {}),
	};
}

/**
 * The article page of docs/feeds.md: headline, dates, byline, photos (with caption and credit) only
 * where the agreement permits them, the body, the attribution, the feeds of its partner and
 * subjects, and the way back to Latest News.
 */
export function renderArticlePage(input: {
	article: Article;
	bodyHtml: string;
	siteUrl: string;
	/** The partner's name as registered; its id where it is not known. */
	partnerName?: string;
	/** Its other public language versions: linked in the head and the header, and as data. */
	translations?: readonly Translation[];
	/** The translator the agreement names. */
	translator?: string;
}): string {
	const { article, siteUrl } = input;
	const { language } = article;
	const ctx = contextFor(siteUrl, language);
	const body = placeInlinePhotos(ctx, article, input.bodyHtml);
	const lead = article.permission.imagesAllowed
		? article.images
				.filter((image) => !body.placed.has(image.file))
				.map((image) => leadPhoto(ctx, article, image))
				.join("\n")
		: "";
	const updated =
		article.version > 1 && article.versionCreated !== article.firstCreated
			? ` · ${label(ctx, "updated")} ${time(article.versionCreated)}`
			: "";
	const meta = `<p class="meta">${article.byline ? `<span class="byline">${escapeHtml(article.byline)}</span> · ` : ""}${label(ctx, "published")} ${time(article.firstCreated)}${updated}</p>`;
	const original = article.original;
	const source = original
		? `<p class="original">${label(ctx, "original")}: ${[
				original.headline
					? `<cite lang="${escapeHtml(original.language)}">${escapeHtml(original.headline)}</cite>`
					: "",
				original.publication
					? original.url
						? `<a href="${escapeHtml(original.url)}" hreflang="${escapeHtml(original.language)}">${escapeHtml(original.publication)}</a>`
						: escapeHtml(original.publication)
					: original.url
						? `<a href="${escapeHtml(original.url)}" hreflang="${escapeHtml(original.language)}">${escapeHtml(original.url)}</a>`
						: "",
				// The day, as the original's publisher dated it: a date-time (all ninjs can say) is
				// cut to its date in its own offset, so it reads as the same plain date would.
				original.publishedAt ? escapeHtml(original.publishedAt.slice(0, 10)) : "",
				ctx.uiLang
					? `<span${ctx.uiLang}>${escapeHtml(languageNameIn(ctx.ui.lang, original.language))}</span>`
					: escapeHtml(languageNameIn(ctx.ui.lang, original.language)),
			]
				.filter((part) => part !== "")
				.join(", ")}</p>`
		: "";
	// The permission record's attribution holds the agreement's notice; the manifest's own
	// rights are evidence, never printed as rights (permissions.md).
	const follows = articleFeeds(ctx, article, input.partnerName ?? article.partnerId);
	// A dash, not a colon: titles such as `主题：中国` already hold one.
	const follow = follows
		.map((feed) => `<li>${escapeHtml(feed.title)} — ${feedFormatLinks(ctx, feed)}</li>`)
		.join("\n");
	const latest = mainFeed(ctx, language);
	const others = (input.translations ?? []).filter((one) => one.language !== language);
	const hreflang = hreflangAlternates(article, others, article.original?.language);
	const main = `<article class="story">
<header>
<h1>${escapeHtml(article.headline)}</h1>
${meta}
</header>
${lead ? `${lead}\n` : ""}<div class="body">
${body.html}
</div>
<footer class="rights">
${attribution(ctx, article.permission)}
${source}
</footer>
</article>
<section class="follow" aria-labelledby="follow-title"${ctx.uiLang}>
<h2 id="follow-title">${t(ctx, "articleFeeds")}</h2>
<ul>
${follow}
</ul>
</section>
<p class="back"${ctx.uiLang}><a href="${href(siteUrl, frontPath(language))}">${t(ctx, "backToLatestNews")}</a></p>
${subscribeSection(ctx, [latest])}`;
	return layout({
		ctx,
		title: `${article.headline} · ${SITE_NAME}`,
		canonicalPath: articlePath(article),
		hreflang,
		jsonLd: newsArticle(article, siteUrl, others, input.translator),
		feeds: [latest, ...follows],
		nav: languageNav(ctx, language, others),
		main,
	});
}
