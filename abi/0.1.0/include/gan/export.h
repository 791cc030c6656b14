/* libgan: the GAN_API export macro. */
#ifndef GAN_EXPORT_H
#define GAN_EXPORT_H

#if defined(_WIN32) || defined(__CYGWIN__)
#  if defined(GAN_BUILDING_DLL)
#    define GAN_API __declspec(dllexport)
#  elif defined(GAN_STATIC)
#    define GAN_API
#  else
#    define GAN_API __declspec(dllimport)
#  endif
#elif defined(__GNUC__) && __GNUC__ >= 4
#  define GAN_API __attribute__((visibility("default")))
#else
#  define GAN_API
#endif

#endif /* GAN_EXPORT_H */
