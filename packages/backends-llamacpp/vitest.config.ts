import { projectTestConfig } from '../../vitest.shared.ts';

export default projectTestConfig('backends-llamacpp', { testTimeout: 120_000 });
