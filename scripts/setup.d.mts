/** Types for scripts/setup.mjs, which is plain JavaScript because it runs before the dependencies exist. */
export function missingDependencies(projectRoot: string): string[];
