import { describe, expect, it } from 'vitest';
import { hasRoomFor, loadRatio } from '../../src/matching/capacity.ts';
import type { ChannelView, WorkerView } from '../../src/matching/types.ts';
import { worker } from './matching-fixtures.ts';

/** Takes jobs on `channelId` one by one, as offers and assignments would, until the worker has no room. */
function fill(w: WorkerView, channelId: string): { taken: number; worker: WorkerView } {
  let current = w;
  let taken = 0;
  while (hasRoomFor(current, channelId)) {
    current = take(current, channelId);
    taken++;
  }
  return { taken, worker: current };
}

function take(w: WorkerView, channelId: string): WorkerView {
  const channel = w.channels.get(channelId) as ChannelView;
  const jobsPerChannel = new Map(w.jobsPerChannel);
  jobsPerChannel.set(channelId, (jobsPerChannel.get(channelId) ?? 0) + 1);
  return { ...w, usedCapacity: w.usedCapacity + channel.capacityCostPerJob, jobsPerChannel };
}

describe('hasRoomFor', () => {
  const pizzaCook = worker({
    id: 'PizzaCook',
    capacity: 100,
    channels: {
      pizza: { capacityCostPerJob: 50 },
      donair: { capacityCostPerJob: 33 },
      burger: { capacityCostPerJob: 25 },
    },
  });

  it.each([
    ['pizza', 2],
    ['donair', 3],
    ['burger', 4],
  ])('a PizzaCook of capacity 100 is full after %s × %d', (channelId, count) => {
    const { taken, worker: full } = fill(pizzaCook, channelId);
    expect(taken).toBe(count);
    // Full for this channel means nothing else that costs at least as much fits either.
    expect(hasRoomFor(full, channelId)).toBe(false);
  });

  it('mixes channels within the capacity: one pizza leaves room for two burgers', () => {
    const afterPizza = take(pizzaCook, 'pizza');
    expect(fill(afterPizza, 'burger').taken).toBe(2);
    expect(fill(afterPizza, 'donair').taken).toBe(1);
  });

  it('needs a channel entry for the job channel', () => {
    expect(hasRoomFor(pizzaCook, 'sushi')).toBe(false);
  });

  describe('capacity 100, voice 100, chat 20: one voice XOR up to five chats', () => {
    const agent = worker({
      id: 'agent',
      capacity: 100,
      channels: { voice: { capacityCostPerJob: 100 }, chat: { capacityCostPerJob: 20 } },
    });

    it('takes one voice call and then nothing else', () => {
      const onCall = take(agent, 'voice');
      expect(hasRoomFor(onCall, 'voice')).toBe(false);
      expect(hasRoomFor(onCall, 'chat')).toBe(false);
    });

    it('takes five chats, and no voice call once any chat is held', () => {
      expect(fill(agent, 'chat').taken).toBe(5);
      expect(hasRoomFor(take(agent, 'chat'), 'voice')).toBe(false);
    });
  });

  describe('capacity 100, voice 60, chat 10 (max 2), email 10 (max 2): always room for one voice', () => {
    const agent = worker({
      id: 'agent',
      capacity: 100,
      channels: {
        voice: { capacityCostPerJob: 60 },
        chat: { capacityCostPerJob: 10, maxNumberOfJobs: 2 },
        email: { capacityCostPerJob: 10, maxNumberOfJobs: 2 },
      },
    });

    it('stops chats and emails at their maxNumberOfJobs although capacity is left', () => {
      const chats = fill(agent, 'chat');
      expect(chats.taken).toBe(2);
      const both = fill(chats.worker, 'email');
      expect(both.taken).toBe(2);
      expect(both.worker.usedCapacity).toBe(40);
      expect(hasRoomFor(both.worker, 'voice')).toBe(true);
      expect(fill(both.worker, 'voice').taken).toBe(1);
    });
  });
});

describe('loadRatio', () => {
  it('is consumed over total capacity', () => {
    expect(loadRatio(worker({ id: 'a', capacity: 5, usedCapacity: 3 }))).toBe(0.6);
    expect(loadRatio(worker({ id: 'b', capacity: 4, usedCapacity: 3 }))).toBe(0.75);
  });

  it('is 0 for a worker without capacity that uses nothing, and 1 if it somehow uses some', () => {
    expect(loadRatio(worker({ id: 'a', capacity: 0 }))).toBe(0);
    expect(loadRatio(worker({ id: 'b', capacity: 0, usedCapacity: 1 }))).toBe(1);
  });

  it('stays within [0, 1] when capacity shrank below what is in use', () => {
    expect(loadRatio(worker({ id: 'a', capacity: 2, usedCapacity: 5 }))).toBe(1);
  });
});
