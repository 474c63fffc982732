import { projectTestConfig } from '../../vitest.shared.ts';

export default projectTestConfig('cwrpo', { testTimeout: 120_000 });
