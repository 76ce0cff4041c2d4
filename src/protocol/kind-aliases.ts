import { z } from 'zod';

/**
 * The kebab-case spellings of `kind` that Azure's preview API versions used and the live 2023-11-01 service still
 * accepted (and echoed) in recordings, mapped to their 2023-11-01 camelCase names. Switchboard accepts them on input
 * and stores and answers the camelCase name only (docs/rest.md, "Kind spellings"). Spellings that are the same in both
 * (`static`, `conditional`, `suspend`, `cancel`, `reclassify`) need no alias.
 */
export const KIND_ALIASES = {
  distributionMode: { 'best-worker': 'bestWorker', 'longest-idle': 'longestIdle', 'round-robin': 'roundRobin' },
  matchingMode: { 'queue-and-match': 'queueAndMatch', 'schedule-and-suspend': 'scheduleAndSuspend' },
  exceptionTrigger: { 'queue-length': 'queueLength', 'wait-time': 'waitTime' },
  exceptionAction: { 'manual-reclassify': 'manualReclassify' },
  rule: {
    'static-rule': 'static',
    'expression-rule': 'expression',
    'direct-map-rule': 'directMap',
    'function-rule': 'function',
    'webhook-rule': 'webhook',
  },
  queueSelectorAttachment: {
    'pass-through': 'passThrough',
    'rule-engine': 'ruleEngine',
    'weighted-allocation-queue-selector': 'weightedAllocation',
  },
  workerSelectorAttachment: {
    'pass-through': 'passThrough',
    'rule-engine': 'ruleEngine',
    'weighted-allocation-worker-selector': 'weightedAllocation',
  },
} as const satisfies Record<string, Readonly<Record<string, string>>>;

type KindObject = z.ZodObject<{ kind: z.ZodLiteral<string> } & z.ZodRawShape>;

/**
 * A union discriminated by `kind` that also accepts the given older spellings of each kind and decodes them to the
 * canonical one. It is a codec, not a transform, so the JSON Schema of its input lists every spelling accepted and
 * that of its output the canonical names only.
 */
export function withKindAliases<const Options extends readonly [KindObject, ...KindObject[]]>(
  options: Options,
  aliases: Readonly<Record<string, string>>,
): z.ZodCodec<z.ZodType, z.ZodDiscriminatedUnion<Options>> {
  const spellings = (canonical: string) => [canonical, ...Object.keys(aliases).filter((alias) => aliases[alias] === canonical)];
  const accepted = options.map((option) => option.extend({ kind: z.enum(spellings(option.shape.kind.value) as [string, ...string[]]) }));
  const input = z.discriminatedUnion('kind', accepted as unknown as readonly [KindObject, ...KindObject[]]);
  return z.codec(input, z.discriminatedUnion('kind', options), {
    decode: (value) => {
      const kind = String(value.kind);
      return { ...value, kind: aliases[kind] ?? kind } as z.input<z.ZodDiscriminatedUnion<Options>>;
    },
    encode: (value) => value as z.output<typeof input>,
  });
}
