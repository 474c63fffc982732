import { projectTestConfig } from '../../vitest.shared.ts';

export default projectTestConfig('flowsteer-operator-bm25', { testTimeout: 30_000 });
