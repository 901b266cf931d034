// The separator may be a space only where asked (RFC 3339 §5.6 lets applications allow it).
const DATE_TIME =
	/^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/;
const DATE_TIME_OR_SPACE =
	/^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/;
const FULL_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** 0000-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z: what a four-digit year can write. */
const EARLIEST = -62_167_219_200_000;
const LATEST = 253_402_300_799_999;

/** The outcome of {@link parseDateTime}: the instant in ms since the epoch, or why not. */
export type ParsedInstant = { ok: true; time: number } | { ok: false; reason: string };

function daysInMonth(year: number, month: number): number {
	if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
	return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

function calendarIssue(year: number, month: number, day: number): string | undefined {
	if (month < 1 || month > 12) return `month ${month} does not exist`;
	if (day < 1 || day > daysInMonth(year, month))
		return `day ${day} does not exist in ${String(year).padStart(4, "0")}-${String(month).padStart(2, "0")}`;
	return undefined;
}

// Date.UTC and `new Date(y, …)` read years 0–99 as 1900–1999; setUTCFullYear does not.
function utcTime(year: number, month: number, day: number, ms = 0): number {
	const date = new Date(0);
	date.setUTCFullYear(year, month - 1, day);
	return date.getTime() + ms;
}

/**
 * Parses an RFC 3339 date-time (`2023-02-20T09:00:00+09:00`) strictly: hours 00–23, minutes
 * and seconds 00–59, a day that exists, an offset of at most 23:59, and an instant whose UTC
 * year is 0000–9999 (so that RSS and Atom can write it with four digits). Leap seconds
 * (`:60`) are refused: JavaScript time has none, and no partner date needs one. Fractions
 * finer than milliseconds are cut. Never throws.
 */
export function parseDateTime(text: string, options: { allowSpace?: boolean } = {}): ParsedInstant {
	const match = (options.allowSpace ? DATE_TIME_OR_SPACE : DATE_TIME).exec(text);
	if (!match) return { ok: false, reason: "it is not in that form" };
	const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [
		number,
		number,
		number,
		number,
		number,
		number,
	];
	const wrongDay = calendarIssue(year, month, day);
	if (wrongDay) return { ok: false, reason: wrongDay };
	if (hour > 23) return { ok: false, reason: `hour ${hour} is past 23` };
	if (minute > 59) return { ok: false, reason: `minute ${minute} is past 59` };
	if (second === 60) return { ok: false, reason: "leap seconds (second 60) are not accepted" };
	if (second > 59) return { ok: false, reason: `second ${second} is past 59` };
	const [sign, offsetHours, offsetMinutes] = [
		match[8],
		Number(match[9] ?? 0),
		Number(match[10] ?? 0),
	];
	if (offsetHours > 23 || offsetMinutes > 59)
		return { ok: false, reason: "the time zone offset is past 23:59" };
	const fraction = Number((match[7] ?? "").slice(0, 3).padEnd(3, "0"));
	const offset = (sign === "-" ? -1 : 1) * (offsetHours * 60 + offsetMinutes) * 60_000;
	const time =
		utcTime(year, month, day, ((hour * 60 + minute) * 60 + second) * 1000 + fraction) - offset;
	if (time < EARLIEST || time > LATEST)
		return { ok: false, reason: "the instant is outside the years 0000 to 9999 once in UTC" };
	return { ok: true, time };
}

/** Whether `text` is an RFC 3339 full-date (`2023-02-20`) that exists. Never throws. */
export function isFullDate(text: string): boolean {
	const match = FULL_DATE.exec(text);
	if (!match) return false;
	const [year, month, day] = match.slice(1, 4).map(Number) as [number, number, number];
	return calendarIssue(year, month, day) === undefined;
}
