/* Run-time version of the loaded library. */
#include "gan/version.h"

unsigned gan_version(void)
{
    return GAN_VERSION_NUMBER;
}

const char *gan_version_string(void)
{
    return GAN_VERSION_STRING;
}
