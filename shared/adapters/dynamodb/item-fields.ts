/** An item as the document client returns it: attribute names to plain values. */
export type Item = Record<string, unknown>;

// Each read as "a …" in an error.
type Type = "string" | "number" | "boolean" | "string list" | "list" | "map" | "string or null";

/**
 * What one attribute must hold: a type (`?`: or nothing), the strings it may be, the rules of
 * a nested map's attributes, or (`[shape]`) a list of such maps.
 */
type Rule = Type | `${Type}?` | readonly string[] | readonly [Shape] | Shape;
interface Shape {
	readonly [name: string]: Rule;
}

/** A rule for every attribute of a `T` (absent ones: a `?` rule), so none goes unchecked. */
export type ShapeOf<T> = { readonly [K in keyof T]-?: Rule };

/**
 * Every value of a union of strings, as a rule: the compiler checks the record's keys, so a
 * value added to the union fails to compile here instead of failing every read that meets it.
 */
export function valuesOf<T extends string>(values: Record<T, true>): readonly string[] {
	return Object.keys(values);
}

/** Why an item read from the table cannot be what the code expects of it. */
export class MalformedItemError extends Error {
	override name = "MalformedItemError";
}

function fail(item: Item, path: string, what: string): never {
	throw new MalformedItemError(`DynamoDB item ${item.pk}/${item.sk}: "${path}" ${what}`);
}

/** Fails for `value` at `path`: missing, or not `type`. */
function wrong(item: Item, path: string, value: unknown, type: string): never {
	return fail(item, path, value === undefined ? "is missing" : `is not a ${type}`);
}

const isMap = (value: unknown): value is Item =>
	typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Set);

// Array.isArray narrows no readonly array out of a union.
const isList = (rule: Rule): rule is readonly string[] | readonly [Shape] => Array.isArray(rule);

const isString = (value: unknown): value is string => typeof value === "string";

function holds(type: string, value: unknown): boolean {
	if (type === "string list") return Array.isArray(value) && value.every(isString);
	if (type === "list") return Array.isArray(value);
	if (type === "map") return isMap(value);
	if (type === "string or null") return value === null || isString(value);
	return typeof value === type;
}

function check(item: Item, path: string, value: unknown, rule: Rule): void {
	if (typeof rule === "string") {
		const optional = rule.endsWith("?");
		const type = optional ? rule.slice(0, -1) : rule;
		if ((value !== undefined || !optional) && !holds(type, value)) wrong(item, path, value, type);
	} else if (isList(rule)) {
		const [first] = rule;
		if (typeof first === "object") {
			if (!Array.isArray(value)) wrong(item, path, value, "list");
			for (const [i, entry] of value.entries()) check(item, `${path}[${i}]`, entry, first);
		} else if (!rule.some((allowed) => allowed === value)) {
			fail(item, path, `is not one of ${rule.join(", ")}`);
		}
	} else {
		if (!isMap(value)) wrong(item, path, value, "map");
		for (const [name, inner] of Object.entries(rule)) {
			check(item, `${path}.${name}`, value[name], inner);
		}
	}
}

/**
 * A domain value stored whole in one attribute (a map the adapter wrote from a `T`), checked
 * against `shape` before it is taken for one. The check covers every attribute of a `T` one
 * level down and the nested maps the code reads; what passes is returned as stored, so an
 * attribute written by a later version of the code survives a read and a write back.
 */
export function shaped<T>(item: Item, name: string, shape: ShapeOf<T>): T {
	const value = item[name];
	check(item, name, value, shape);
	// Checked against a rule for each of T's attributes just above: what TypeScript cannot follow.
	return value as T;
}

/** {@link shaped} for a list of values stored whole in one attribute; `[]` when it is absent. */
export function shapedList<T>(item: Item, name: string, shape: ShapeOf<T>): T[] {
	const value = item[name];
	if (value === undefined) return [];
	check(item, name, value, [shape]);
	// Each entry checked against a rule for each of T's attributes just above.
	return value as T[];
}

/** A string attribute. */
export function str(item: Item, name: string): string {
	const value = item[name];
	return isString(value) ? value : wrong(item, name, value, "string");
}

/** A string attribute that may be absent. */
export function optStr(item: Item, name: string): string | undefined {
	return item[name] === undefined ? undefined : str(item, name);
}

/** A number attribute; `fallback` when it is absent, if one is given. */
export function num(item: Item, name: string, fallback?: number): number {
	const value = item[name];
	if (value === undefined && fallback !== undefined) return fallback;
	return typeof value === "number" ? value : wrong(item, name, value, "number");
}

/** A list of strings; `[]` when absent. */
export function strs(item: Item, name: string): string[] {
	const value = item[name];
	if (value === undefined) return [];
	return Array.isArray(value) && value.every(isString)
		? value
		: wrong(item, name, value, "string list");
}

/** A string set (as the document client reads one), sorted; `[]` when absent. */
export function strSet(item: Item, name: string): string[] {
	const value = item[name];
	if (value === undefined) return [];
	const values: unknown[] = value instanceof Set ? [...value] : [];
	if (!(value instanceof Set) || !values.every(isString)) fail(item, name, "is not a string set");
	return values.filter(isString).sort();
}

/** A string attribute that must be one of `values`. */
export function oneOf<T extends string>(item: Item, name: string, values: readonly T[]): T {
	const found = values.find((value) => value === item[name]);
	return found ?? fail(item, name, `is not one of ${values.join(", ")}`);
}
