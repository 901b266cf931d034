/** Content types we accept for images, told by magic bytes rather than by file name. */
export type ImageType = "image/jpeg" | "image/png" | "image/webp";

/** The image type the bytes really are, or `undefined` when they are none we accept. */
export function sniffImageType(bytes: Uint8Array): ImageType | undefined {
	if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return "image/jpeg";
	const png = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
	if (png.every((b, i) => bytes[i] === b)) return "image/png";
	const ascii = (from: number, to: number) => String.fromCharCode(...bytes.subarray(from, to));
	if (bytes.length >= 12 && ascii(0, 4) === "RIFF" && ascii(8, 12) === "WEBP") return "image/webp";
	return undefined;
}

/** The type a file name promises, by its extension. */
export function imageTypeOfName(name: string): ImageType | undefined {
	const ext = name.toLowerCase().split(".").pop();
	if (ext === "jpg" || ext === "jpeg") return "image/jpeg";
	if (ext === "png") return "image/png";
	if (ext === "webp") return "image/webp";
	return undefined;
}
