import jsonld from "jsonld";

export const ODRL = "http://www.w3.org/ns/odrl/2/";

// Any fetch is a failure: a policy's context is embedded, a re-publisher reads it offline.
const documentLoader = async (url: string): Promise<never> => {
	throw new Error(`the policy asked to load ${url}`);
};

/** A node of an expanded JSON-LD document. */
export type Node = Record<string, unknown>;

/** A JSON-LD document expanded without the network: what RDF tooling reads. */
export async function expandOffline(document: object): Promise<Node[]> {
	return (await jsonld.expand(document, { documentLoader })) as Node[];
}

export const nodes = (node: Node, property: string): Node[] =>
	(node[property] as Node[] | undefined) ?? [];
export const ids = (node: Node, property: string) =>
	nodes(node, property).map((n) => String(n["@id"]));
export const value = (node: Node, property: string) => nodes(node, property)[0]?.["@value"];
