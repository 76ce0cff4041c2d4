import { describe, expect, it } from 'vitest';
import { Router } from '../../src/router.ts';

describe('rule secrets are write-only', () => {
  it('keeps a function key for evaluation but never returns it from an upsert, a get or a list', async () => {
    const router = await Router.open();
    const body = {
      prioritizationRule: {
        kind: 'function',
        functionUri: 'https://rules.example/priority',
        credential: { functionKey: 'secret-key', clientId: 'router' },
      },
    };
    const { resource } = await router.upsertClassificationPolicy('cp', body);
    const read = await router.getClassificationPolicy('cp');
    const listed = (await router.listClassificationPolicies()).value[0];
    for (const view of [resource, read, listed]) {
      expect(JSON.stringify(view)).not.toContain('secret-key');
      expect(view?.prioritizationRule).toMatchObject({ kind: 'function', credential: { clientId: 'router' } });
    }
    const stored = router.engine.catalogue.classificationPolicies.get('cp')?.resource.prioritizationRule;
    expect(stored).toMatchObject({ credential: { functionKey: 'secret-key' } });
    // A patch that leaves the rule out keeps the stored secret.
    await router.upsertClassificationPolicy('cp', { name: 'renamed' });
    expect(router.engine.catalogue.classificationPolicies.get('cp')?.resource.prioritizationRule).toMatchObject({
      credential: { functionKey: 'secret-key' },
    });
    await router.close();
  });
});
