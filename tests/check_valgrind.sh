#!/bin/sh
# Every example program, on 64 digits of the vendored MNIST subset (gan_score needs as
# many) for one epoch of 4 steps of 16, under valgrind's memcheck: no invalid
# access, no use of uninitialised memory, no leak of any kind. Run by .ci/run; takes a
# few minutes for the MLP programs; each convolutional example takes far longer under
# valgrind (its matrix products run emulated), so .ci/run checks the MLP ones and
# doc/RELIABILITY.md records a run of all.
# usage: check_valgrind.sh EXAMPLES_BUILD_DIR MNIST_DIR [PROGRAM...]
#   PROGRAM: mnist_gan mnist_dcgan mnist_cgan mnist_wgan gan_score long_run (default all)
set -eu
bin=$1
mnist=$2
shift 2
programs=${*:-mnist_gan mnist_dcgan mnist_cgan mnist_wgan gan_score long_run}
wanted() { case " $programs " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
n=64
# IDX headers for 64 images of 28x28 and 64 labels (big-endian counts), then the data.
mkdir "$work/data"
{ printf '\000\000\010\003\000\000\000\100\000\000\000\034\000\000\000\034'
  gzip -dc "$mnist/train-images-idx3-ubyte.gz" | tail -c +17 | head -c $((n * 784)); } \
    > "$work/data/train-images-idx3-ubyte"
{ printf '\000\000\010\001\000\000\000\100'
  gzip -dc "$mnist/train-labels-idx1-ubyte.gz" | tail -c +9 | head -c $n; } \
    > "$work/data/train-labels-idx1-ubyte"

# valgrind runs one thread at a time: OpenBLAS's spinning workers would only slow it.
export OPENBLAS_NUM_THREADS=1
vg="valgrind --quiet --error-exitcode=99 --leak-check=full --show-leak-kinds=all
    --errors-for-leak-kinds=all"
common="--data $work/data --epochs 1 --batch 16 --sample-every 0 --threads 1"
status=0
run() {
    name=$1
    shift
    if $vg "$@" > "$work/$name.log" 2>&1; then
        echo "$name: memcheck clean"
    else
        echo "$name: memcheck FAILED"
        cat "$work/$name.log"
        status=1
    fi
}
for example in mnist_gan mnist_dcgan mnist_cgan mnist_wgan; do
    wanted "$example" || continue
    labels=""
    [ "$example" = mnist_cgan ] && labels="--labels-out $work/$example-labels.idx"
    # shellcheck disable=SC2086 # word lists
    run "$example" "$bin/$example" $common --out "$work/$example" --samples 8 \
        --samples-out "$work/$example.idx" $labels
done
if wanted gan_score; then
run gan_score_train "$bin/gan_score" train --data "$work/data" --epochs 1 --threads 1 \
    --out "$work/classifier.gan"
run gan_score_score "$bin/gan_score" score --data "$work/data" --classifier \
    "$work/classifier.gan" --samples "$work/data/train-images-idx3-ubyte" --n 8 --threads 1
fi
if wanted long_run; then
run long_run "$bin/long_run" --data "$work/data" --steps 8 --report 4 --batch 16 --threads 1
fi
exit $status
