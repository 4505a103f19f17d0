import { SeedStream } from '@gptft/nn';

/**
 * The model's seed stream (dropout masks, initialisation): `@gptft/nn`'s `SeedStream`, drawn from
 * `@gptft/backend`'s `SeededRandom`. `SeedSequence` is its former name, kept as an alias.
 */
export const SeedSequence = SeedStream;
export type SeedSequence = SeedStream;
