/**
 * A small JSON Schema checker for the keywords the protocol schema uses (type, const, enum,
 * properties, required, additionalProperties, items, $ref into $defs, allOf, minimum, maximum,
 * minLength). Unknown keywords fail loudly so the schema cannot silently outgrow it.
 */
type Schema = Readonly<Record<string, unknown>>;
const KNOWN = new Set(['type', 'const', 'enum', 'properties', 'required', 'additionalProperties', 'items', '$ref', 'allOf', 'minimum', 'maximum', 'minLength', '$schema', '$id', 'title', '$defs']);

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

export function validate(root: Schema, schema: Schema, value: unknown, path = '$'): string[] {
  const errors: string[] = [];
  for (const key of Object.keys(schema)) if (!KNOWN.has(key)) throw new Error(`schema keyword ${key} is not supported by the test checker`);
  if (typeof schema['$ref'] === 'string') {
    const name = (schema['$ref'] as string).replace('#/$defs/', '');
    const target = (root['$defs'] as Record<string, Schema>)[name];
    if (target === undefined) throw new Error(`unresolved $ref ${schema['$ref'] as string}`);
    errors.push(...validate(root, target, value, path));
  }
  for (const part of (schema['allOf'] as Schema[] | undefined) ?? []) errors.push(...validate(root, part, value, path));
  const type = schema['type'];
  if (typeof type === 'string') {
    const actual = typeOf(value);
    if (!(actual === type || (type === 'number' && actual === 'integer'))) return [...errors, `${path}: expected ${type}, got ${actual}`];
  }
  if ('const' in schema && value !== schema['const']) errors.push(`${path}: expected ${JSON.stringify(schema['const'])}`);
  if (Array.isArray(schema['enum']) && !(schema['enum'] as unknown[]).includes(value)) errors.push(`${path}: ${JSON.stringify(value)} not in ${JSON.stringify(schema['enum'])}`);
  if (typeof value === 'number') {
    if (typeof schema['minimum'] === 'number' && value < schema['minimum']) errors.push(`${path}: below minimum`);
    if (typeof schema['maximum'] === 'number' && value > schema['maximum']) errors.push(`${path}: above maximum`);
  }
  if (typeof value === 'string' && typeof schema['minLength'] === 'number' && value.length < schema['minLength']) errors.push(`${path}: shorter than ${schema['minLength']}`);
  if (Array.isArray(value) && schema['items'] !== undefined) value.forEach((item, i) => errors.push(...validate(root, schema['items'] as Schema, item, `${path}[${i}]`)));
  if (typeOf(value) === 'object') {
    const record = value as Record<string, unknown>;
    const properties = (schema['properties'] as Record<string, Schema> | undefined) ?? {};
    for (const key of (schema['required'] as string[] | undefined) ?? []) if (!(key in record)) errors.push(`${path}: missing ${key}`);
    for (const [key, item] of Object.entries(record)) {
      if (properties[key] !== undefined) errors.push(...validate(root, properties[key], item, `${path}.${key}`));
      else if (schema['additionalProperties'] === false) errors.push(`${path}: unexpected property ${key}`);
      else if (typeof schema['additionalProperties'] === 'object') errors.push(...validate(root, schema['additionalProperties'] as Schema, item, `${path}.${key}`));
    }
  }
  return errors;
}
