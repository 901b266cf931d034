/**
 * Cross-origin reading of feed documents (everything under `/feeds/`), as both edges answer
 * it: the CloudFront response headers policy of the feed behaviours, and the local edge.
 * Feeds are public: any origin may read them, without credentials.
 */
export const FEED_CORS = {
	allowOrigin: "*",
	/** What a preflight is told a feed answers to. */
	allowMethods: ["GET", "HEAD", "OPTIONS"],
	/** Any request header, e.g. If-None-Match for a reader's own conditional requests. */
	allowHeaders: "*",
	/** ETag is not CORS-safelisted: a reader needs it to send If-None-Match. */
	exposeHeaders: ["ETag"],
	/** How long a browser may keep a preflight's answer (browsers cap it lower still). */
	maxAgeSeconds: 86_400,
	/**
	 * The CORS headers go on responses to requests with an Origin only, and compressed bodies
	 * on requests that accept them: a cache after the edge must keep those apart.
	 */
	vary: "Accept-Encoding, Origin",
} as const;
