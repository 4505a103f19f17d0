"""transformers' beam search, re-implemented in plain torch (dev-only reference, not published).

transformers is not installed here (torch 1.13 only), so this follows its source line by line:
`BeamSearchScorer.process` / `.finalize` and `BeamHypotheses` in
`src/transformers/generation/beam_search.py` and the `_beam_search` loop of
`src/transformers/generation/utils.py` (the scorer-based implementation of transformers 4.3x-4.4x,
the one with `decoder_prompt_len`):

- the first step starts from one live beam (`beam_scores[1:] = -1e9`);
- each step: log_softmax of the last logits (float32), logits processors on those log-probs
  (repetition penalty), plus the beam's running score, flattened to [num_beams * V], top
  `max(2, 1 + n_eos) * num_beams` (sorted); a candidate ending in an eos id becomes a finished
  hypothesis only if its rank is < num_beams, with score sum_logprobs / generated_len**length_penalty
  where generated_len counts the eos; the first num_beams other candidates continue;
- `is_done`: num_beams hypotheses and (early_stopping True | the heuristic best/cur_len**lp for
  False | max_length for "never" with lp > 0);
- the loop ends when done or the sequences reach max_length; finalize adds the open beams (unless
  done), returns the best num_return_sequences hypotheses (eos appended where it fits, padded).

One prompt at a time: transformers' batched beam search keeps one BeamHypotheses per prompt and
counts lengths from the padded prompt length, so each prompt's result is the one it gets alone.
"""

import torch


class BeamHypotheses:
    def __init__(self, num_beams, length_penalty, early_stopping, max_length):
        self.num_beams = num_beams
        self.length_penalty = length_penalty
        self.early_stopping = early_stopping
        self.max_length = max_length
        self.beams = []  # (score, ids, ended_by_eos)
        self.worst_score = 1e9

    def __len__(self):
        return len(self.beams)

    def add(self, hyp, sum_logprobs, generated_len, eos):
        score = sum_logprobs / (generated_len**self.length_penalty)
        if len(self) < self.num_beams or score > self.worst_score:
            self.beams.append((score, hyp, eos))
            if len(self) > self.num_beams:
                sorted_scores = sorted([(s, idx) for idx, (s, _, _) in enumerate(self.beams)])
                del self.beams[sorted_scores[0][1]]
                self.worst_score = sorted_scores[1][0]
            else:
                self.worst_score = min(score, self.worst_score)

    def is_done(self, best_sum_logprobs, cur_len, decoder_prompt_len):
        if len(self) < self.num_beams:
            return False
        if self.early_stopping is True:
            return True
        if self.early_stopping is False:
            highest = best_sum_logprobs / (cur_len - decoder_prompt_len) ** self.length_penalty
            return self.worst_score >= highest
        # "never"
        if self.length_penalty > 0.0:
            highest = best_sum_logprobs / (self.max_length - decoder_prompt_len) ** self.length_penalty
        else:
            highest = best_sum_logprobs / (cur_len - decoder_prompt_len) ** self.length_penalty
        return self.worst_score >= highest


def repetition_penalty(ids, scores, penalty):
    """transformers' RepetitionPenaltyLogitsProcessor on one row."""
    idx = torch.tensor(sorted(set(ids)))
    s = scores[idx]
    scores[idx] = torch.where(s < 0, s * penalty, s / penalty)
    return scores


def beam_search(
    last_logits,
    prompt,
    num_beams,
    max_new_tokens,
    eos_ids,
    pad_id,
    length_penalty=1.0,
    early_stopping=False,
    num_return_sequences=1,
    rep_penalty=1.0,
):
    """Beam search for one prompt. `last_logits(ids) -> [V]` float32 logits after `ids`.

    Returns a list of num_return_sequences dicts {sequence, score, eos}: `sequence` is the row
    transformers returns (prompt + generated, eos appended where it fits, pad-filled to the common
    length), `score` the length-penalised score, `eos` whether the hypothesis ended with eos.
    """
    if num_return_sequences > num_beams:
        raise ValueError("num_return_sequences must be <= num_beams")
    prompt_len = len(prompt)
    max_length = prompt_len + max_new_tokens
    hyps = BeamHypotheses(num_beams, length_penalty, early_stopping, max_length)
    beams = [list(prompt) for _ in range(num_beams)]
    beam_scores = torch.zeros(num_beams, dtype=torch.float32)
    beam_scores[1:] = -1e9
    done = False
    n_keep = max(2, 1 + len(eos_ids)) * num_beams
    while True:
        logits = torch.stack([last_logits(b) for b in beams]).to(torch.float32)  # [nb, V]
        vocab = logits.shape[-1]
        scores = torch.log_softmax(logits, dim=-1)
        if rep_penalty != 1.0:
            scores = torch.stack([repetition_penalty(b, scores[i].clone(), rep_penalty) for i, b in enumerate(beams)])
        scores = scores + beam_scores[:, None]
        top_scores, top_idx = torch.topk(scores.view(-1), n_keep, largest=True, sorted=True)
        next_indices = torch.div(top_idx, vocab, rounding_mode="floor")
        next_tokens = top_idx % vocab
        cur_len = len(beams[0]) + 1
        kept = []
        for rank, (tok, score, idx) in enumerate(zip(next_tokens.tolist(), top_scores, next_indices.tolist())):
            if tok in eos_ids:
                if rank >= num_beams:
                    continue
                hyps.add(list(beams[idx]), score.item(), cur_len - prompt_len, True)
            else:
                kept.append((score, tok, idx))
            if len(kept) == num_beams:
                break
        done = done or hyps.is_done(top_scores.max().item(), cur_len, prompt_len)
        beams = [beams[idx] + [tok] for (_, tok, idx) in kept]
        beam_scores = torch.stack([s for (s, _, _) in kept])
        if done or len(beams[0]) >= max_length:
            break
    if not done:
        for b, s in zip(beams, beam_scores):
            hyps.add(list(b), s.item(), len(b) - prompt_len, False)
    ranked = sorted(hyps.beams, key=lambda x: x[0])
    best = [ranked.pop() for _ in range(num_return_sequences)]
    lengths = [len(h) for (_, h, _) in best]
    sent_max_len = min(max(lengths) + 1, max_length)
    out = []
    for score, hyp, eos in best:
        row = list(hyp)
        if len(row) < sent_max_len:
            row.append(eos_ids[0])
        row += [pad_id] * (sent_max_len - len(row))
        out.append({"sequence": row, "score": score, "eos": eos})
    return out
