#!/usr/bin/env bash
# The GPU rows of benchmarks/README.md and the --device cuda checks, in one run on a machine with an
# NVIDIA GPU and PyTorch (TensorFlow is not needed):  OUT=/tmp/gpu bash benchmarks/gpu_check.sh
# Every chapter-8 script with --device cuda (short runs, then resume), autoencoder.py and evaluate.py,
# the PyTorch part of the suite, and the benchmark. Outputs: $OUT/check.txt, runs.txt, pytest.txt,
# bench.txt and a few figures.
set -uo pipefail
export PYTHONUNBUFFERED=1 PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
OUT=${OUT:-/tmp/gpu_check}; mkdir -p "$OUT"
D=(--dataset fashion-mnist --device cuda --out "$OUT/fig")
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv > "$OUT/check.txt"
python reproduce.py --check >> "$OUT/check.txt" 2>&1
{
  for script in vae gan cgan dcgan; do
    echo "=== $script.py, 2 epochs, then --resume to 3"
    /usr/bin/time -f "%e s wall" python ch08_generative/$script.py "${D[@]}" --epochs 2 --log "$OUT/$script.log" | tail -4
    python ch08_generative/$script.py "${D[@]}" --epochs 3 --resume | tail -2
  done
  echo "=== vae_vs_gan.py"; python ch08_generative/vae_vs_gan.py "${D[@]}" --epochs 2 --quick-epochs 1 | tail -3
  echo "=== autoencoder.py"; python ch08_generative/autoencoder.py "${D[@]}" --epochs 2 | tail -6
  echo "=== evaluate.py"; /usr/bin/time -f "%e s wall" python ch08_generative/evaluate.py "${D[@]}" --classifier-epochs 1 | tail -12
} > "$OUT/runs.txt" 2>&1
timeout 300 python -m pytest -q -x -p no:cacheprovider tests/test_vae.py tests/test_gan.py tests/test_cgan.py \
  tests/test_listing_agrees.py tests/test_devices.py tests/test_evaluate.py tests/test_autoencoder.py > "$OUT/pytest.txt" 2>&1
python benchmarks/bench_ch08.py --dataset fashion-mnist --device cuda --epochs 3 > "$OUT/bench.txt" 2>&1
cp "$OUT/fig/cgan_class_grid.png" "$OUT/fig/gan_vs_dcgan_samples.png" "$OUT/" 2>/dev/null
rm -rf "$OUT/fig" "$OUT"/*.log
