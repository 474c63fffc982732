import { projectTestConfig } from '../../vitest.shared.ts';

export default projectTestConfig('tui', { testTimeout: 60_000 });
