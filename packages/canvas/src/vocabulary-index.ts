/** Lookups derived once per operator vocabulary: specs by name, the frozen name list, the default library. */
import { DEFAULT_LIBRARY, type OperatorSpec } from './vocabulary.js';

export interface VocabularyIndex {
  readonly specs: ReadonlyMap<string, OperatorSpec>;
  /** Frozen, and the same array for every canvas of the vocabulary, so name-keyed caches hit. */
  readonly names: readonly string[];
  readonly defaultLibrary: readonly OperatorSpec[];
}

/** Per vocabulary array, like the operator roles (a vocabulary is not edited once in use). */
const vocabularies = new WeakMap<readonly OperatorSpec[], VocabularyIndex>();

export function indexVocabulary(operators: readonly OperatorSpec[]): VocabularyIndex {
  let index = vocabularies.get(operators);
  if (index === undefined) {
    const specs = new Map<string, OperatorSpec>();
    // The first spec of a name wins, as a linear search would find it.
    for (const spec of operators) if (!specs.has(spec.name)) specs.set(spec.name, spec);
    const names = Object.freeze(operators.map((o) => o.name));
    index = { specs, names, defaultLibrary: Object.freeze(libraryOf(specs, DEFAULT_LIBRARY.filter((name) => specs.has(name)))) };
    vocabularies.set(operators, index);
  }
  return index;
}

export function libraryOf(specs: ReadonlyMap<string, OperatorSpec>, names: readonly string[]): readonly OperatorSpec[] {
  return names.map((name) => specs.get(name) ?? { name, category: 'solver', description: '' });
}
