import { projectTestConfig } from '../../vitest.shared.ts';

export default projectTestConfig('core', { testTimeout: 60_000 });
