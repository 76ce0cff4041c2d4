import { describe, expect, it } from 'vitest';
import { acceptOnlyOffer, createJob, registerWorker, setupQueue } from '../support/builders.ts';
import { declineChain } from '../support/offer-order.ts';
import { openTestRouter } from '../support/router-fixture.ts';

const MINUTE = 60_000;
const agent = { capacity: 100, channels: { voice: 10, sixty: 60, fifteen: 15 } };

describe('longest idle distribution', () => {
  it("orders by load ratio, then by time since last available — the docs' D(0), C(0.6, 7 min), A(0.6, 5 min), B(0.75)", async () => {
    const { router, advance } = await openTestRouter();
    await setupQueue(router);
    for (const id of ['A', 'B', 'C', 'D']) await registerWorker(router, id, agent);
    // Load the workers with jobs aimed at them by their implicit Id label.
    const load = async (workerId: string, channelId: string) => {
      await createJob(router, `${workerId}-${channelId}`, {
        channelId,
        requestedWorkerSelectors: [{ key: 'Id', labelOperator: 'equal', value: workerId }],
      });
      return acceptOnlyOffer(router, workerId);
    };
    await load('A', 'sixty');
    await load('B', 'sixty');
    await load('B', 'fifteen');
    await load('C', 'sixty');
    // A last became available 2 minutes in (it finished a short job then), C at the start: C has idled longer.
    await advance(2 * MINUTE);
    const short = await load('A', 'voice');
    await router.closeJob(short.jobId, short.assignmentId);
    await advance(5 * MINUTE);

    const loads = await Promise.all(['A', 'B', 'C', 'D'].map(async (id) => (await router.getWorker(id)).loadRatio));
    expect(loads).toEqual([0.6, 0.75, 0.6, 0]);
    await createJob(router, 'call');
    expect(await declineChain(router, 'call', ['A', 'B', 'C', 'D'])).toEqual(['D', 'C', 'A', 'B']);
  });

  it('engine bug (idle set out of order): a worker that starts listening on another queue brings its idle time with it', async () => {
    const { router, advance } = await openTestRouter();
    await setupQueue(router, { queueId: 'sales' });
    await router.upsertQueue('support', { distributionPolicyId: 'dp' });
    await registerWorker(router, 'veteran', { queues: ['sales'] });
    await advance(MINUTE);
    await registerWorker(router, 'x', { queues: ['support'] });
    await advance(MINUTE);
    await registerWorker(router, 'y', { queues: ['support'] });
    await advance(MINUTE);
    // Idle since the start, the veteran now also takes support calls: it has idled longest of the three.
    await registerWorker(router, 'veteran', { queues: ['sales', 'support'] });
    await createJob(router, 'call', { queueId: 'support' });
    expect(await declineChain(router, 'call', ['veteran', 'x', 'y'])).toEqual(['veteran', 'x', 'y']);
  });

  it('engine bug (idle set out of order): a worker that finishes a job costing nothing has idled least', async () => {
    const { router, advance } = await openTestRouter();
    await setupQueue(router, { maxConcurrentOffers: 2 });
    // Free jobs (cost 0) leave a worker's load at 0, so it never leaves the idle workers while it works one.
    const free = { capacity: 1, channels: { voice: 0 } };
    for (const id of ['a', 'b', 'c']) {
      await registerWorker(router, id, free);
      await advance(MINUTE);
    }
    await createJob(router, 'first', { requestedWorkerSelectors: [{ key: 'Id', labelOperator: 'equal', value: 'a' }] });
    const { assignmentId } = await acceptOnlyOffer(router, 'a');
    await router.closeJob('first', assignmentId);
    // a became available just now; b and c have idled since they registered.
    await createJob(router, 'call');
    const offered = await Promise.all(['a', 'b', 'c'].map(async (id) => (await router.getWorker(id)).offers.length));
    expect(offered).toEqual([0, 1, 1]);
  });
});
