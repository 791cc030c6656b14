#!/bin/sh
# libgan-mpi under mpirun, 2 ranks on this machine (--oversubscribe, so that 2 ranks run
# on fewer cores; --allow-run-as-root for CI, which runs as root). Each run has a
# timeout: a hang is a failure, not a stuck CI.
#  1. exact: 2 ranks x batch 32 of mnist_gan's MLP GAN against 1 process x batch 64
#     built for 2 parts, 5 steps (mpi_rig prints the largest difference; it fails above
#     1e-5: later, Adam turns the last-bit differences of near-zero gradients into steps
#     of up to the learning rate, doc/MPI.md); then with BatchNorm, each rank on its
#     own statistics (printed) and with sync-BN (fails above 1e-4, see mpi_rig.c);
#  2. mismatch, model: a rank with another batch size, or another model, is refused at
#     gan_mpi_create, on every rank;
#  3. die: a rank that exits early takes the job down with mpirun's message, no hang.
#  4. --mpi: mnist_gan trains under mpirun (rank 0 writes the outputs), and resumed from
#     rank 0's checkpoint by both ranks ends byte for byte where the straight run ends.
#  5. CycleGAN (gan_mpi_create_cyclegan): 2 ranks x batch 8 of small ResNet/PatchGAN
#     networks against 1 process x batch 16 built for 2 parts, 5 steps, pools off (fails
#     above 1e-5, or 2 x steps x the learning rate for the biases an InstanceNorm
#     follows, see mpi_rig.c), then with pools of 4 (printed); a rank with another D_B
#     is refused by gan_mpi_create_cyclegan on both ranks; mnist_cyclegan --mpi
#     straight and stopped and resumed end with the same checkpoint, picture, metrics.
#  6. SeqGAN and text to image (gan_mpi_create_seqgan, gan_mpi_create_text2img): the
#     tests' small rigs, 2 ranks x 4 against 1 process x 8, 5 steps (mpi_rig's bounds).
# usage: check_mpi.sh MPIRUN MPI_RIG DATA_DIR DATA_B [EXAMPLE GAN_SCORE [CYCLEGAN]]
set -eu
mpirun=$1
rig=$2
data=$3
data_b=$4
example=${5:-}
score=${6:-}
cyclegan=${7:-}
# Under ASan, what Open MPI holds at exit is not reported (lsan_openmpi.supp); the slow
# unwinder lets the suppressions see the callers of its dlopen'ed components.
export LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}suppressions=$(cd "$(dirname "$0")" && pwd)/lsan_openmpi.supp"
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}fast_unwind_on_malloc=0"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
run() { # run NAME TIMEOUT ARGS...: the job's exit status, its output in $work/NAME.log
    name=$1
    limit=$2
    shift 2
    set +e
    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 timeout "$limit" "$mpirun" --allow-run-as-root \
        --oversubscribe --bind-to none -np 2 "$@" > "$work/$name.log" 2>&1
    status=$?
    set -e
    if [ "$status" -eq 124 ]; then
        cat "$work/$name.log"
        echo "$name: the job did not end within $limit s"
        exit 1
    fi
    return 0
}

for mode in exact bn syncbn; do
    run $mode 120 "$rig" $mode "$data" 5
    [ "$status" -eq 0 ] || { cat "$work/$mode.log"; echo "$mode: failed ($status)"; exit 1; }
    grep -h "ranks x batch" "$work/$mode.log"
done
grep -h "all-reduce" "$work/exact.log"

for mode in cyclegan cgpool; do
    run $mode 120 "$rig" $mode "$data" 5 "$data_b"
    [ "$status" -eq 0 ] || { cat "$work/$mode.log"; echo "$mode: failed ($status)"; exit 1; }
    grep -h "ranks x batch\|all-reduce" "$work/$mode.log"
done
for mode in seqgan text2img; do
    run $mode 60 "$rig" $mode "$data" 5
    [ "$status" -eq 0 ] || { cat "$work/$mode.log"; echo "$mode: failed ($status)"; exit 1; }
    grep -h "ranks x batch" "$work/$mode.log"
done
run cgmodel 60 "$rig" cgmodel "$data" 5 "$data_b"
[ "$status" -eq 0 ] || { cat "$work/cgmodel.log"; echo "cgmodel: not refused ($status)"; exit 1; }
echo "cgmodel: a rank with another D_B refused on both ranks"

run mismatch 60 "$rig" mismatch "$data" 5
[ "$status" -eq 0 ] || { cat "$work/mismatch.log"; echo "mismatch: not refused ($status)"; exit 1; }
grep -q "rank 1 trains batches of 31 and rank 0 batches of 32" "$work/mismatch.log" ||
    { cat "$work/mismatch.log"; echo "mismatch: no clear message"; exit 1; }
echo "mismatch: refused on both ranks:"
grep "^rank 0" "$work/mismatch.log"

run model 60 "$rig" model "$data" 5
[ "$status" -eq 0 ] || { cat "$work/model.log"; echo "model: not refused ($status)"; exit 1; }
echo "model: refused on both ranks:"
grep "^rank 0" "$work/model.log"

run die 60 "$rig" die "$data" 1000
[ "$status" -ne 0 ] || { cat "$work/die.log"; echo "die: the job ended with status 0"; exit 1; }
grep -q "exits at step 2 on purpose" "$work/die.log" &&
    grep -qi "exited\|abort\|terminated" "$work/die.log" ||
    { cat "$work/die.log"; echo "die: no message from mpirun"; exit 1; }
echo "die: the job ended (status $status) with mpirun's message:"
grep -i "exited\|abort" "$work/die.log" | head -3

if [ -n "$example" ]; then
    mkdir "$work/digits"
    "$score" export --n 1024 --out "$work/digits/train-images-idx3-ubyte" \
        > "$work/export.log" 2>&1 || { cat "$work/export.log"; exit 1; }
    common="--mpi --batch 32 --threads 1 --sample-every 0 --data $work/digits"
    run straight 120 "$example" $common --epochs 2 --out "$work/straight"
    [ "$status" -eq 0 ] || { cat "$work/straight.log"; echo "--mpi: failed ($status)"; exit 1; }
    for f in checkpoint.gan samples_final.png loss_curve.png metrics.csv; do
        [ -s "$work/straight/$f" ] || { cat "$work/straight.log"; echo "--mpi: no $f"; exit 1; }
    done
    grep "all-reduce" "$work/straight.log"
    # Rank 0's checkpoint resumed by both ranks ends where the straight run ends.
    run first 120 "$example" $common --epochs 1 --out "$work/resumed"
    [ "$status" -eq 0 ] || { cat "$work/first.log"; echo "--mpi: failed ($status)"; exit 1; }
    run resumed 120 "$example" $common --epochs 2 --out "$work/resumed" \
        --resume "$work/resumed/checkpoint.gan"
    [ "$status" -eq 0 ] || { cat "$work/resumed.log"; echo "--mpi --resume: failed ($status)"; exit 1; }
    for f in checkpoint.gan samples_final.png; do
        cmp "$work/straight/$f" "$work/resumed/$f" ||
            { echo "--mpi --resume: $f differs from the straight run's"; exit 1; }
    done
    echo "--mpi: 2 epochs straight and 1 + 1 resumed give the same checkpoint and samples"
fi

if [ -n "$cyclegan" ]; then
    common="--mpi --steps 8 --sample-every 4 --batch 4 --g-filters 4 --g-blocks 1 --d-filters 4 --d-layers 1 --seed 3"
    run cg_straight 120 "$cyclegan" $common --out "$work/cg_straight"
    [ "$status" -eq 0 ] || { cat "$work/cg_straight.log"; echo "mnist_cyclegan --mpi: failed ($status)"; exit 1; }
    grep "all-reduce" "$work/cg_straight.log"
    run cg_first 120 "$cyclegan" $common --out "$work/cg_resumed" --stop-after 4
    [ "$status" -eq 0 ] || { cat "$work/cg_first.log"; echo "mnist_cyclegan --mpi: failed ($status)"; exit 1; }
    run cg_resumed 120 "$cyclegan" $common --out "$work/cg_resumed" \
        --resume "$work/cg_resumed/checkpoint.gan"
    [ "$status" -eq 0 ] || { cat "$work/cg_resumed.log"; echo "mnist_cyclegan --mpi --resume: failed ($status)"; exit 1; }
    for f in checkpoint.gan samples.png metrics.csv; do
        cmp "$work/cg_straight/$f" "$work/cg_resumed/$f" ||
            { echo "mnist_cyclegan --mpi --resume: $f differs from the straight run's"; exit 1; }
    done
    echo "mnist_cyclegan --mpi: 8 steps straight and 4 + 4 resumed give the same checkpoint, samples and metrics"
fi
