/* A built model's settings that re-lay its batch memory: the part count and the
 * precision of its matrix products. */
#include "core/error.h"
#include "kernels/gemm_bf16.h"
#include "model.h"

gan_status gan_model_set_parts(gan_model_t *m, int32_t parts)
{
    static const char who[] = "gan_model_set_parts";
    if (!m)
        return gan__fail(GAN_E_INVALID_ARG, "%s: model is NULL", who);
    if (parts < 0 || parts > GAN_MODEL_MAX_PARTS)
        return gan__fail(GAN_E_OUT_OF_RANGE, "%s: model '%s': %d parts is outside [0, %d]",
                         who, m->name, (int)parts, GAN_MODEL_MAX_PARTS);
    const int32_t old = m->parts_setting;
    m->parts_setting = parts;
    if (!m->built)
        return GAN_OK;
    gan_status st = gan__model_resize(m, m->batch, who); /* the workspace depends on it */
    if (st != GAN_OK)
        m->parts_setting = old;
    return st;
}

gan_status gan_model_get_parts(const gan_model_t *m, int32_t *parts)
{
    if (!m || !parts)
        return gan__fail(GAN_E_INVALID_ARG, "gan_model_get_parts: %s is NULL",
                         m ? "parts" : "model");
    *parts = m->built ? m->parts : m->parts_setting;
    return GAN_OK;
}

gan_status gan_model_set_matmul_precision(gan_model_t *m, int32_t precision)
{
    static const char who[] = "gan_model_set_matmul_precision";
    if (!m)
        return gan__fail(GAN_E_INVALID_ARG, "%s: model is NULL", who);
    if (precision != GAN_MATMUL_FP32 && precision != GAN_MATMUL_BF16)
        return gan__fail(GAN_E_OUT_OF_RANGE, "%s: model '%s': precision %d is neither "
                         "GAN_MATMUL_FP32 (0) nor GAN_MATMUL_BF16 (1)", who, m->name,
                         (int)precision);
    if (precision == GAN_MATMUL_BF16 && !gan__bf16_supported())
        return gan__fail(GAN_E_BACKEND, "%s: model '%s': bfloat16 products need a CPU with "
                         "AVX512_BF16 and a build for x86-64 by gcc >= 10 or clang >= 9",
                         who, m->name);
    const gan__blas old = m->blas;
    if (precision == GAN_MATMUL_FP32) {
        if (old.precision == GAN_MATMUL_FP32)
            return GAN_OK;
        gan__blas_default(&m->blas); /* keeps the profiling counter and the packing space */
    } else {
        m->blas.name = "bf16";
        m->blas.precision = GAN_MATMUL_BF16;
    }
    if (!m->built)
        return GAN_OK;
    gan_status st = gan__model_resize(m, m->batch, who); /* the packing space */
    if (st != GAN_OK)
        m->blas = old;
    return st;
}

gan_status gan_model_get_matmul_precision(const gan_model_t *m, int32_t *precision)
{
    if (!m || !precision)
        return gan__fail(GAN_E_INVALID_ARG, "gan_model_get_matmul_precision: %s is NULL",
                         m ? "precision" : "model");
    *precision = m->blas.precision;
    return GAN_OK;
}
