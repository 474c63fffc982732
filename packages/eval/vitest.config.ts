import { projectTestConfig } from '../../vitest.shared.ts';

export default projectTestConfig('eval', { testTimeout: 60_000 });
