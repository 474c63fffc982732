import { projectTestConfig } from '../../vitest.shared.ts';

export default projectTestConfig('env-server', { testTimeout: 120_000 });
