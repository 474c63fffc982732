import { projectTestConfig } from '../../vitest.shared.ts';

export default projectTestConfig('plugin-testkit', { testTimeout: 60_000 });
