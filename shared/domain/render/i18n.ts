import { languageCovers } from "../agreement.ts";
import type { FeedKindUiKey } from "../feeds/kinds.ts";

/**
 * Every piece of interface text a page shows, in one language: the titles of the feed kinds
 * (one per `uiKey` of FEED_KINDS; a parameterised kind's `{name}` is replaced by the partner's
 * name or the subject's), and the rest.
 */
export interface UiStrings extends Record<FeedKindUiKey, string> {
	skipToContent: string;
	home: string;
	languages: string;
	/** The menu of a page's versions in other languages (an article's translations). */
	otherLanguages: string;
	noArticles: string;
	olderArticles: string;
	newerArticles: string;
	backToLatestNews: string;
	published: string;
	updated: string;
	/** `{credit}` is replaced by the photo's credit. */
	photoCredit: string;
	original: string;
	feed: string;
	articleFeeds: string;
	subscribe: string;
	/** What a feed is and how to use one, for a reader who has never used a feed reader. */
	subscribeWhat: string;
	subscribeFormats: string;
	/** `{opml}` is replaced by a link to the OPML list. */
	subscribeOpml: string;
	subscribeThisPage: string;
	/** The box atop a feed opened in a browser (feed.xsl), above the feed's address. */
	feedPreview: string;
	notFoundTitle: string;
	notFoundText: string;
	/** The page left at an article's address once it is taken down (410 Gone). */
	goneTitle: string;
	goneText: string;
	/** A feed item's link to its page, under a teaser. */
	readFullArticle: string;
	/** A feed item's link to its page, under the whole text. */
	articleOnItsPage: string;
	/** `{title}` is replaced by the feed's title. */
	feedDescription: string;
	/** `{title}` by the feed's title, `{n}` by the archive document's number. */
	archiveTitle: string;
}

const en: UiStrings = {
	skipToContent: "Skip to content",
	home: "Home",
	languages: "Languages",
	otherLanguages: "In other languages",
	latestNews: "Latest News",
	recentUpdates: "Recent Updates",
	mostViewed: "Most Viewed",
	noArticles: "No articles yet.",
	olderArticles: "Older articles",
	newerArticles: "Newer articles",
	backToLatestNews: "Back to Latest News",
	published: "Published",
	updated: "Updated",
	photoCredit: "Photo: {credit}",
	original: "Original",
	feed: "Feed",
	articleFeeds: "Follow this story",
	partnerFeed: "All articles from {name}",
	subjectFeed: "Subject: {name}",
	subscribe: "Subscribe",
	subscribeWhat:
		"A feed brings every new article to a feed reader app, so you need not come back to check. To subscribe, copy the address of a feed below and add it to your reader.",
	subscribeFormats:
		"RSS and Atom are the classic feed formats: every reader understands at least one of them. JSON Feed holds the same articles as JSON, for readers and programs that prefer it. One format per feed is enough.",
	subscribeOpml:
		"To add every feed of this site at once, import the OPML list {opml} into your reader.",
	subscribeThisPage: "Feeds on this page",
	feedPreview: "This is a feed. Copy its address into your feed reader to subscribe:",
	notFoundTitle: "Page not found",
	notFoundText:
		"There is no page at this address. It may have been taken down, or the address may be mistyped.",
	goneTitle: "Article withdrawn",
	goneText: "This article is no longer available: it has been withdrawn from this site.",
	readFullArticle: "Read the full article",
	articleOnItsPage: "The article on its page",
	feedDescription:
		"{title}: articles translated and syndicated with the permission of each article's copyright holder.",
	archiveTitle: "{title}, archive {n}",
};

const zh: UiStrings = {
	skipToContent: "跳到正文",
	home: "首页",
	languages: "语言",
	otherLanguages: "其他语言版本",
	latestNews: "最新消息",
	recentUpdates: "最近更新",
	mostViewed: "最多阅读",
	noArticles: "暂无文章。",
	olderArticles: "更早的文章",
	newerArticles: "较新的文章",
	backToLatestNews: "返回最新消息",
	published: "发布",
	updated: "更新",
	photoCredit: "图片：{credit}",
	original: "原文",
	feed: "订阅源",
	articleFeeds: "关注此报道",
	partnerFeed: "{name} 的全部文章",
	subjectFeed: "主题：{name}",
	subscribe: "订阅",
	subscribeWhat:
		"订阅源（feed）会把每篇新文章自动送到您的阅读器应用中，无需再回来查看。订阅方法：复制下面某个订阅源的地址，添加到您的阅读器。",
	subscribeFormats:
		"RSS 和 Atom 是两种经典格式，所有阅读器至少支持其中一种；JSON Feed 以 JSON 格式提供相同的文章，供偏好它的阅读器和程序使用。每个订阅源选一种格式即可。",
	subscribeOpml: "要一次添加本站的全部订阅源，请将 OPML 列表 {opml} 导入您的阅读器。",
	subscribeThisPage: "本页的订阅源",
	feedPreview: "这是一个订阅源（feed）。把下面的地址复制到你的阅读器中即可订阅：",
	notFoundTitle: "找不到页面",
	notFoundText: "此地址没有页面。页面可能已被撤下，或地址有误。",
	goneTitle: "文章已撤下",
	goneText: "此文章已从本站撤下，不再提供。",
	readFullArticle: "阅读全文",
	articleOnItsPage: "在网页上阅读本文",
	feedDescription: "{title}：经各文章版权所有者许可翻译并转载的文章。",
	archiveTitle: "{title}，存档第 {n} 页",
};

const zhHant: UiStrings = {
	skipToContent: "跳到正文",
	home: "首頁",
	languages: "語言",
	otherLanguages: "其他語言版本",
	latestNews: "最新消息",
	recentUpdates: "最近更新",
	mostViewed: "最多閱讀",
	noArticles: "暫無文章。",
	olderArticles: "更早的文章",
	newerArticles: "較新的文章",
	backToLatestNews: "返回最新消息",
	published: "發佈",
	updated: "更新",
	photoCredit: "圖片：{credit}",
	original: "原文",
	feed: "訂閱源",
	articleFeeds: "關注此報導",
	partnerFeed: "{name} 的全部文章",
	subjectFeed: "主題：{name}",
	subscribe: "訂閱",
	subscribeWhat:
		"訂閱源（feed）會把每篇新文章自動送到您的閱讀器應用程式中，無需再回來查看。訂閱方法：複製下面某個訂閱源的網址，加入您的閱讀器。",
	subscribeFormats:
		"RSS 和 Atom 是兩種經典格式，所有閱讀器至少支援其中一種；JSON Feed 以 JSON 格式提供相同的文章，供偏好它的閱讀器和程式使用。每個訂閱源選一種格式即可。",
	subscribeOpml: "要一次加入本站的全部訂閱源，請將 OPML 清單 {opml} 匯入您的閱讀器。",
	subscribeThisPage: "本頁的訂閱源",
	feedPreview: "這是一個訂閱源（feed）。把下面的網址複製到你的閱讀器中即可訂閱：",
	notFoundTitle: "找不到頁面",
	notFoundText: "此網址沒有頁面。頁面可能已被撤下，或網址有誤。",
	goneTitle: "文章已撤下",
	goneText: "此文章已從本站撤下，不再提供。",
	readFullArticle: "閱讀全文",
	articleOnItsPage: "在網頁上閱讀本文",
	feedDescription: "{title}：經各文章版權所有者許可翻譯並轉載的文章。",
	archiveTitle: "{title}，封存第 {n} 頁",
};

const ja: UiStrings = {
	skipToContent: "本文へ移動",
	home: "ホーム",
	languages: "言語",
	otherLanguages: "他の言語で読む",
	latestNews: "最新ニュース",
	recentUpdates: "最近の更新",
	mostViewed: "よく読まれている記事",
	noArticles: "まだ記事はありません。",
	olderArticles: "過去の記事",
	newerArticles: "新しい記事",
	backToLatestNews: "最新ニュースに戻る",
	published: "公開",
	updated: "更新",
	photoCredit: "写真：{credit}",
	original: "原文",
	feed: "フィード",
	articleFeeds: "この記事をフォロー",
	partnerFeed: "{name} の全記事",
	subjectFeed: "トピック：{name}",
	subscribe: "購読",
	subscribeWhat:
		"フィードを使うと、新しい記事がフィードリーダーに自動で届くので、サイトを見に来る必要がありません。購読するには、下のフィードのアドレスをコピーしてリーダーに追加してください。",
	subscribeFormats:
		"RSS と Atom は定番のフィード形式で、どのリーダーも少なくとも一方に対応しています。JSON Feed は同じ記事を JSON で提供します。フィードごとに一つの形式を選べば十分です。",
	subscribeOpml:
		"このサイトのすべてのフィードをまとめて追加するには、OPML リスト {opml} をリーダーに読み込んでください。",
	subscribeThisPage: "このページのフィード",
	feedPreview:
		"これはフィードです。購読するには、下のアドレスをフィードリーダーに追加してください：",
	notFoundTitle: "ページが見つかりません",
	notFoundText:
		"このアドレスにはページがありません。掲載が終了したか、アドレスが間違っている可能性があります。",
	goneTitle: "記事の掲載終了",
	goneText: "この記事は本サイトでの掲載を終了しました。",
	readFullArticle: "記事全文を読む",
	articleOnItsPage: "ウェブページで記事を読む",
	feedDescription: "{title}：各記事の著作権者の許可を得て翻訳・配信された記事です。",
	archiveTitle: "{title}、アーカイブ {n}",
};

// Most specific first: `zh-Hant` and the regions that write it before plain `zh`. feed.xsl
// picks its text from it too.
export const CATALOGUE: readonly (readonly [range: string, tag: string, strings: UiStrings])[] = [
	["zh-Hant", "zh-Hant", zhHant],
	["zh-TW", "zh-Hant", zhHant],
	["zh-HK", "zh-Hant", zhHant],
	["zh-MO", "zh-Hant", zhHant],
	["zh", "zh", zh],
	["ja", "ja", ja],
	["en", "en", en],
];

/** Interface text for a page and the language it is actually written in. */
export interface Ui {
	strings: UiStrings;
	/** The tag of `strings`: the page's language, or `en` where there is no translation. */
	lang: string;
}

/** The interface text for a language, falling back to English where there is none. */
export function uiFor(language: string): Ui {
	const found = CATALOGUE.find(([range]) => languageCovers(range, language));
	return found ? { strings: found[2], lang: found[1] } : { strings: en, lang: "en" };
}

/** The languages that have interface text, besides the English fallback. */
export const translatedLanguages: readonly string[] = ["zh", "zh-Hant", "ja"];

/**
 * ` lang="…"` for text in `textLang` inside an element in `contextLang`, or nothing when the
 * context already says so (`zh` text inside `zh-CN` needs no attribute).
 */
export function langAttr(contextLang: string, textLang: string): string {
	return languageCovers(textLang, contextLang) ? "" : ` lang="${textLang}"`;
}

/** Fills `{name}` placeholders; values are inserted as given (escape them first). */
export function fill(template: string, values: Record<string, string>): string {
	return template.replace(/\{(\w+)\}/g, (match, name: string) => values[name] ?? match);
}

/** A language's name in that language (`zh` → `中文`), for language menus. */
export function nativeLanguageName(language: string): string {
	try {
		return new Intl.DisplayNames([language], { type: "language" }).of(language) ?? language;
	} catch {
		return language;
	}
}

/** A language's name in the language of the page (`zh` on an English page → `Chinese`). */
export function languageNameIn(pageLanguage: string, language: string): string {
	try {
		return new Intl.DisplayNames([pageLanguage], { type: "language" }).of(language) ?? language;
	} catch {
		return language;
	}
}
