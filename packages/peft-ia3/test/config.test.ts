import { describe, expect, it } from 'vitest';
import { ia3Config, isFeedforwardModule, matchesModuleList } from '../src/index.js';

describe('IA3Config', () => {
  it('has PEFT’s defaults and field-named errors', () => {
    const c = ia3Config();
    expect(c.peft_type).toBe('IA3');
    expect(c.target_modules).toBeUndefined();
    expect(c.feedforward_modules).toBeUndefined();
    expect(c.fan_in_fan_out).toBe(false);
    expect(c.init_ia3_weights).toBe(true);
    expect(() => ia3Config({ init_ia3_weights: 'yes' as unknown as boolean })).toThrow(
      /IA3Config: init_ia3_weights:/,
    );
    // PEFT: "`feedforward_modules` should be a subset of `target_modules`"
    expect(() => ia3Config({ target_modules: ['c_attn'], feedforward_modules: ['mlp.c_proj'] })).toThrow(
      /IA3Config: feedforward_modules: "mlp\.c_proj" is not in target_modules/,
    );
    // unknown keys survive (written back as read)
    expect(ia3Config({ revision: 'main' } as never)).toMatchObject({ revision: 'main' });
  });

  it('matches module names as PEFT does', () => {
    const key = 'transformer.h.0.mlp.c_proj';
    expect(matchesModuleList(['c_proj'], key)).toBe(true);
    expect(matchesModuleList(['mlp.c_proj'], key)).toBe(true);
    expect(matchesModuleList(['p.c_proj'], key)).toBe(false); // whole dotted components only
    expect(matchesModuleList('.*\\.h\\.0\\..*c_proj', key)).toBe(true);
    expect(matchesModuleList('h\\.0\\..*c_proj', key)).toBe(false); // full match
    // feedforward lists match a plain suffix (PEFT's key.endswith(target_key))
    expect(isFeedforwardModule(['p.c_proj'], key)).toBe(true);
    expect(isFeedforwardModule(['c_attn'], key)).toBe(false);
  });
});
