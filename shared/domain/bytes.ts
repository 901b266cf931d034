// Readers of binary headers that never throw: past the end, a byte reads as 0.

/** The big-endian 16-bit number at `at`. */
export const u16be = (b: Uint8Array, at: number): number => ((b[at] ?? 0) << 8) | (b[at + 1] ?? 0);

/** The big-endian 32-bit number at `at`. */
export const u32be = (b: Uint8Array, at: number): number =>
	u16be(b, at) * 65_536 + u16be(b, at + 2);

/** The little-endian 16-bit number at `at`. */
export const u16le = (b: Uint8Array, at: number): number => (b[at] ?? 0) | ((b[at + 1] ?? 0) << 8);

/** The little-endian 32-bit number at `at`. */
export const u32le = (b: Uint8Array, at: number): number =>
	u16le(b, at) + u16le(b, at + 2) * 65_536;

/** `length` bytes at `at` as Latin-1 text: a chunk's four-character code, a signature. */
export const latin1 = (b: Uint8Array, at: number, length = 4): string =>
	String.fromCharCode(...b.subarray(at, at + length));

/** A number as 4 little-endian bytes. */
export const le32 = (n: number): number[] => [n & 255, (n >>> 8) & 255, (n >>> 16) & 255, n >>> 24];
