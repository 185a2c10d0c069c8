#!/usr/bin/env bash
# The long runs at the book's settings that a lent GPU took over from the CPU (2026-11-30), beside
# gpu_check.sh: Fashion-MNIST's VAE 30, CGAN 50 and DCGAN 20 epochs for README's 8.4 table (the
# 200-epoch GAN ran on the CPU), and MNIST's CGAN seed 2 for the seed spread. Needs data/mnist and
# data/fashion-mnist.  OUT=/tmp/gpu bash benchmarks/gpu_book_runs.sh
# Outputs: $OUT/results.tar (logs, figures, gpu_check.sh's reports) and $OUT/weights.tar.part-*
# (the checkpoints evaluate.py reads), each part under 15 MB.
set -uo pipefail
export PYTHONUNBUFFERED=1 PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" OMP_NUM_THREADS=2
OUT=${OUT:-/tmp/gpu_book_runs}; mkdir -p "$OUT" runs/fashion runs/seed_spread/mnist
LIMIT=${LIMIT:-400}  # seconds for each chain, so that the archives are written inside one device call
D=${DEVICE:-cuda}  # DEVICE=cpu for a dry run of this script elsewhere
F=(--dataset fashion-mnist --device "$D" --out runs/fashion)
# A log's first line names its command ("$ python ..."), as reproduce.py's logs do (seed_spread.py reads it).
run() { local log=$1 t=$SECONDS; shift; timeout "$LIMIT" python "$@" --log "$log" > "$log.out" 2>&1
        echo "exit $?, $((SECONDS - t)) s wall" >> "$log.out"
        { echo "\$ python $*"; cat "$log"; } > "$log.tmp" && mv "$log.tmp" "$log"; }
run runs/fashion/cgan.log ch08_generative/cgan.py "${F[@]}" --epochs 50 &
CMD=(ch08_generative/cgan.py --dataset mnist --epochs 50 --seed 2 --device "$D" --out runs/seed_spread/mnist/cgan2)
run runs/seed_spread/mnist/cgan_seed2.log "${CMD[@]}" &
{ run runs/fashion/vae.log ch08_generative/vae.py "${F[@]}"
  run runs/fashion/dcgan.log ch08_generative/dcgan.py "${F[@]}"; } &
nvidia-smi > "$OUT/nvidia-smi.txt" 2>&1; OUT="$OUT/check" timeout "$LIMIT" bash benchmarks/gpu_check.sh &
wait
tar cf "$OUT/results.tar" --exclude='*.pt' --exclude='*.ckpt' --exclude="*_samples" --exclude=fig \
  runs/fashion runs/seed_spread/mnist "$OUT/check"
tar cf - runs/fashion/weights/*.pt | split -b 15M - "$OUT/weights.tar.part-"
ls -la "$OUT"
