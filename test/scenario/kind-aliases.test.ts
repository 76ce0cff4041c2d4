/**
 * Regression: live Azure accepted the older kebab-case kinds (`longest-idle`, `queue-and-match`, `wait-time`,
 * `direct-map-rule`, ...) in 2023-11-01 recordings, and Switchboard refused them. Every alias is accepted and
 * answered, stored and read back in the canonical camelCase spelling.
 */
import { describe, expect, it } from 'vitest';
import { KIND_ALIASES } from '../../src/protocol/kind-aliases.ts';
import type { Router } from '../../src/router.ts';
import { setupQueue } from '../support/builders.ts';
import { expectRefusal } from '../support/refusals.ts';
import { openTestRouter } from '../support/router-fixture.ts';

const selector = { key: 'k', labelOperator: 'equal', value: 1 };
const queueSelector = { key: 'Id', labelOperator: 'equal', value: 'q' };

/** For each group: the fields besides `kind` a value of that kind needs, where it is written and where read back. */
interface Group {
  readonly fields: (kind: string) => Record<string, unknown>;
  readonly write: (router: Router, value: Record<string, unknown>) => Promise<unknown>;
  readonly read: (router: Router) => Promise<unknown>;
}

const ruleFields = (kind: string): Record<string, unknown> => {
  if (kind === 'expression') return { expression: '1' };
  if (kind === 'function') return { functionUri: 'https://rules.example/f' };
  if (kind === 'webhook') return { webhookUri: 'https://rules.example/w' };
  return kind === 'static' ? { value: 1 } : {};
};

const attachmentFields = (selectors: Record<string, unknown>) => (kind: string): Record<string, unknown> => {
  if (kind === 'passThrough') return { key: 'k', labelOperator: 'equal' };
  if (kind === 'ruleEngine') return { rule: { kind: 'directMap' } };
  return { allocations: [{ weight: 1, ...selectors }] };
};

const trigger = { kind: 'waitTime', thresholdSeconds: 5 };

const groups: Record<keyof typeof KIND_ALIASES, Group> = {
  distributionMode: {
    fields: () => ({}),
    write: (router, mode) => router.upsertDistributionPolicy('dp2', { mode }),
    read: async (router) => (await router.getDistributionPolicy('dp2')).mode?.kind,
  },
  matchingMode: {
    fields: (kind) => (kind === 'scheduleAndSuspend' ? { scheduleAt: '2026-01-02T00:00:00Z' } : {}),
    write: (router, matchingMode) => router.upsertJob('j', { queueId: 'q', channelId: 'voice', matchingMode }),
    read: async (router) => (await router.getJob('j')).matchingMode.kind,
  },
  exceptionTrigger: {
    fields: (kind) => (kind === 'queueLength' ? { threshold: 5 } : { thresholdSeconds: 5 }),
    write: (router, value) => router.upsertExceptionPolicy('ep', { exceptionRules: [{ id: 'r', trigger: value, actions: [] }] }),
    read: async (router) => (await router.getExceptionPolicy('ep')).exceptionRules[0]?.trigger.kind,
  },
  exceptionAction: {
    fields: () => ({ id: 'a' }),
    write: (router, action) => router.upsertExceptionPolicy('ep', { exceptionRules: [{ id: 'r', trigger, actions: [action] }] }),
    read: async (router) => (await router.getExceptionPolicy('ep')).exceptionRules[0]?.actions[0]?.kind,
  },
  rule: {
    fields: ruleFields,
    write: (router, prioritizationRule) => router.upsertClassificationPolicy('cp', { prioritizationRule }),
    read: async (router) => (await router.getClassificationPolicy('cp')).prioritizationRule?.kind,
  },
  queueSelectorAttachment: {
    fields: attachmentFields({ queueSelectors: [queueSelector] }),
    write: (router, attachment) => router.upsertClassificationPolicy('cp', { queueSelectorAttachments: [attachment] }),
    read: async (router) => (await router.getClassificationPolicy('cp')).queueSelectorAttachments[0]?.kind,
  },
  workerSelectorAttachment: {
    fields: attachmentFields({ workerSelectors: [selector] }),
    write: (router, attachment) => router.upsertClassificationPolicy('cp', { workerSelectorAttachments: [attachment] }),
    read: async (router) => (await router.getClassificationPolicy('cp')).workerSelectorAttachments[0]?.kind,
  },
};

describe('kebab-case kinds are accepted and answered in camelCase', () => {
  for (const [group, aliases] of Object.entries(KIND_ALIASES) as Array<[keyof typeof KIND_ALIASES, Record<string, string>]>) {
    for (const [alias, name] of Object.entries(aliases)) {
      it(`${group}: ${alias} → ${name}`, async () => {
        const { router } = await openTestRouter();
        await setupQueue(router);
        const { fields, write, read } = groups[group];
        const answered = JSON.stringify(await write(router, { ...fields(name), kind: alias }));
        expect(answered).not.toContain(`"${alias}"`);
        expect(answered).toContain(`"kind":"${name}"`);
        expect(await read(router)).toBe(name);
      });
    }
  }

  it('a kind that is neither spelling is still refused, naming the field', async () => {
    const { router } = await openTestRouter();
    await expectRefusal(router.upsertDistributionPolicy('dp2', { mode: { kind: 'longest_idle' } }), 'InvalidRequest');
  });
});
