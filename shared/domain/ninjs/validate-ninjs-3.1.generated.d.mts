/** An ajv standalone validator: `errors` holds why the last document failed. */
export interface NinjsValidator {
	(document: unknown): boolean;
	errors?: { instancePath: string; schemaPath: string; message?: string }[] | null;
}
export const validate: NinjsValidator;
export default validate;
