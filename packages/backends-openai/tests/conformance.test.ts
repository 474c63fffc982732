import { FakeOpenAiServer } from '@flowsteer/testing';
import { describeBackendConformance } from '@flowsteer/plugin-testkit';

describeBackendConformance('@flowsteer/backends-openai', {
  packageDir: new URL('..', import.meta.url),
  backend: 'openai',
  setup: async () => {
    const server = await FakeOpenAiServer.start(() => ({ content: 'Hello from the fake server.', tokenIds: [1, 2, 3], logprobs: [-0.1, -0.2, -0.3] }));
    return { settings: { baseUrl: server.baseUrl, model: 'fake-model' }, teardown: () => server.close() };
  },
  failing: async () => {
    const server = await FakeOpenAiServer.start([{ status: 503 }]);
    return { settings: { baseUrl: server.baseUrl, model: 'fake-model', maxRetries: 0 }, teardown: () => server.close() };
  },
});
