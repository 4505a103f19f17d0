#!/bin/sh
# Reproduces models/tiny-base from the bundled public-domain novels (data/gutenberg).
# Run from the repository root after `pnpm install && pnpm build`. Wall time on a shared 2-core
# machine: about 50 minutes (wasm backend, 1 thread).
set -e
D=data/gutenberg
BOOKS="$D/pg11.txt $D/pg16.txt $D/pg236.txt $D/pg1661.txt $D/pg174.txt $D/pg1342.txt $D/pg98.txt"
GPTFT="node packages/cli/dist/bin.js"

# 1. A byte-level BPE vocabulary of 4096 tokens learned from the same books, with the ChatML
#    markers reserved as special tokens (ids 1 and 2) so that chat fine-tuning needs no resize.
$GPTFT tokenizer train --data $BOOKS --vocab-size 4096 \
  --special-tokens '<|endoftext|>' '<|im_start|>' '<|im_end|>' \
  --output-dir build/tiny-base-tokenizer

# 2. A 4-layer, 192-wide GPT-2 (2.6M parameters, context 256) trained from scratch for 240 steps of 8 × 256 tokens (0.6 epoch).
$GPTFT pretrain --backend wasm --data $BOOKS --tokenizer build/tiny-base-tokenizer \
  --n-layer 4 --n-embd 192 --n-head 6 --n-positions 256 --block-size 256 \
  --max-steps 240 --per-device-train-batch-size 8 --learning-rate 2e-3 \
  --lr-scheduler-type cosine --warmup-steps 30 --weight-decay 0.1 --seed 42 \
  --validation-split-percentage 3 --max-eval-samples 48 --eval-steps 40 \
  --logging-steps 10 --save-steps 40 --save-total-limit 1 --save-dtype float16 \
  --sample-prompt 'It was a dark and stormy night' 'Alice said' 'Sherlock Holmes' \
  --output-dir build/tiny-base
