/* Status codes: one table gives each code its public value and its text. */
#include <assert.h>

#include "gan/status.h"

#define GAN__STATUS_TABLE(X)                                          \
    X(GAN_OK, 0, "ok")                                                \
    X(GAN_E_INVALID_ARG, -1, "invalid argument")                      \
    X(GAN_E_OUT_OF_RANGE, -2, "value out of range")                   \
    X(GAN_E_SHAPE, -10, "shape mismatch")                             \
    X(GAN_E_BATCH_SIZE, -11, "wrong batch size")                      \
    X(GAN_E_STATE, -20, "call not allowed in this state")             \
    X(GAN_E_NO_MEMORY, -30, "out of memory")                          \
    X(GAN_E_BACKEND, -40, "matrix backend failure")                   \
    X(GAN_E_IO, -50, "input/output error")                            \
    X(GAN_E_FORMAT, -51, "malformed or foreign file")                 \
    X(GAN_E_NUMERIC, -60, "non-finite value")                         \
    X(GAN_E_INTERNAL, -99, "internal error")

/* The public enum pins the values; this keeps the table from drifting away from it. */
#define GAN__CHECK_STATUS(name, value, text) \
    static_assert((int)name == (value), #name " changed value");
GAN__STATUS_TABLE(GAN__CHECK_STATUS)

const char *gan_status_string(gan_status status)
{
    switch (status) {
#define GAN__STATUS_CASE(name, value, text) \
    case name:                              \
        return text;
        GAN__STATUS_TABLE(GAN__STATUS_CASE)
    }
    return "unknown status";
}
