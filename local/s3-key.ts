/**
 * Encodes a key as S3 notifications carry it: form encoding with `/` kept, so
 * `incoming/p/hello world+x.zip` becomes `incoming/p/hello+world%2Bx.zip`.
 */
export function encodeS3EventKey(key: string): string {
	return encodeURIComponent(key).replace(/%2F/g, "/").replace(/%20/g, "+");
}
