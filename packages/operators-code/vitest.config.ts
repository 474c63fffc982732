import { projectTestConfig } from '../../vitest.shared.ts';

export default projectTestConfig('operators-code', { testTimeout: 60_000 });
