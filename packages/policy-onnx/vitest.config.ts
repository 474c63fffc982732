import { projectTestConfig } from '../../vitest.shared.ts';

export default projectTestConfig('policy-onnx', { testTimeout: 60_000 });
