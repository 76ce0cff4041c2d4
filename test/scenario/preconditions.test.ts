import { describe, expect, it } from 'vitest';
import { createJob, registerWorker, setupQueue } from '../support/builders.ts';
import { expectRefusal } from '../support/refusals.ts';
import { openTestRouter } from '../support/router-fixture.ts';
import { visibleState } from '../support/state-snapshot.ts';

describe('conditional upserts', () => {
  it('If-Match with a stale etag fails with PreconditionFailed (412) and changes nothing, for every kind', async () => {
    const { router } = await openTestRouter();
    await setupQueue(router);
    await registerWorker(router, 'w');
    await createJob(router, 'j');
    const stale = {
      dp: (await router.getDistributionPolicy('dp')).etag,
      q: (await router.getQueue('q')).etag,
      w: (await router.getWorker('w')).etag,
      j: (await router.getJob('j')).etag,
    };
    await router.upsertDistributionPolicy('dp', { name: 'renamed' });
    await router.upsertQueue('q', { name: 'renamed' });
    await router.upsertWorker('w', { tags: { shift: 'late' } });
    await router.upsertJob('j', { tags: { vip: true } });
    const before = await visibleState(router);

    const refusal = await expectRefusal(router.upsertDistributionPolicy('dp', { name: 'x' }, { ifMatch: stale.dp }), 'PreconditionFailed');
    expect(refusal.status).toBe(412);
    await expectRefusal(router.upsertQueue('q', { name: 'x' }, { ifMatch: stale.q }), 'PreconditionFailed');
    await expectRefusal(router.upsertWorker('w', { capacity: 1 }, { ifMatch: stale.w }), 'PreconditionFailed');
    await expectRefusal(router.upsertJob('j', { priority: 9 }, { ifMatch: stale.j }), 'PreconditionFailed');
    // If-Match on something that does not exist has nothing to match.
    await expectRefusal(router.upsertQueue('new', {}, { ifMatch: stale.q }), 'PreconditionFailed');
    expect(await visibleState(router)).toEqual(before);
  });

  it('If-Match with the current etag (or *) succeeds and yields a new etag', async () => {
    const { router } = await openTestRouter();
    await setupQueue(router);
    const current = await router.getQueue('q');
    const updated = await router.upsertQueue('q', { name: 'support' }, { ifMatch: current.etag });
    expect(updated).toMatchObject({ created: false, resource: { name: 'support' } });
    expect(updated.resource.etag).not.toBe(current.etag);
    await router.upsertQueue('q', { name: 'sales' }, { ifMatch: '*' });
    expect((await router.getQueue('q')).name).toBe('sales');
  });

  it('If-Unmodified-Since before the last change fails and changes nothing', async () => {
    const { router, advance } = await openTestRouter();
    await setupQueue(router);
    const earlier = new Date(router.now()).toUTCString();
    await advance(5000);
    await router.upsertQueue('q', { name: 'changed' });
    const before = await visibleState(router);
    await expectRefusal(router.upsertQueue('q', { name: 'x' }, { ifUnmodifiedSince: earlier }), 'PreconditionFailed');
    expect(await visibleState(router)).toEqual(before);
    await router.upsertQueue('q', { name: 'ok' }, { ifUnmodifiedSince: new Date(router.now()).toUTCString() });
  });
});
