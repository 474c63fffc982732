import { projectTestConfig } from '../../vitest.shared.ts';

export default projectTestConfig('onnx-policy', { testTimeout: 60_000 });
