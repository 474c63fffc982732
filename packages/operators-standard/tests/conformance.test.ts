import { describeOperatorConformance } from '@flowsteer/plugin-testkit';

describeOperatorConformance('@flowsteer/operators-standard', { packageDir: new URL('..', import.meta.url) });
