/* A built model's settings that re-lay its batch memory: the part count. */
#include "core/error.h"
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
