/* Every type of the public headers, in the library's debug information.
 *
 * The public enums are anonymous: their constants travel as int32_t, no function names
 * their type, and the compiler leaves the unused ones out of the debug information.
 * Compiled with -fno-eliminate-unused-debug-types (lib/meson.build), this file keeps
 * every public type there, so that the ABI check (tests/check_abi.sh, abidiff) sees an
 * enum constant renumbered as well as a function or an options struct changed. It
 * defines nothing. */
#include <gan/gan.h>
